import { z } from 'zod';

/** Who writes insight and report narratives (the statistics decide either way). */
export const InsightsEnv = z.object({
  INSIGHTS_NARRATOR: z
    .enum(['model', 'template'], { error: 'must be model or template' })
    .default('model')
    .describe(
      'model: with a remote chat model (CRM_MODEL_PROVIDER other than local) it writes insight and run_report narratives from the computed statistics, every number checked against them (else the template, logged); template: always the templates. The local provider always uses templates. Example: model',
    ),
  INSIGHTS_NARRATOR_TIMEOUT_MS: z.coerce
    .number({ error: 'must be a whole number of milliseconds' })
    .int('must be a whole number of milliseconds')
    .min(100, 'must be at least 100')
    .max(120_000, 'must be at most 120000')
    .default(8_000)
    .describe('How long one narrative (or one model sentiment score) may take the chat model before the template (lexicon) is used instead. Example: 8000'),
  SENTIMENT_SCORER: z
    .enum(['lexicon', 'model'], { error: 'must be lexicon or model' })
    .default('lexicon')
    .describe(
      'Who scores the sentiment of each logged interaction: lexicon (AFINN-165, offline, free); model: the remote chat model (CRM_MODEL_PROVIDER other than local; one call per interaction, counted in the tenant AI budget), the lexicon when it fails or answers out of shape. Example: model',
    ),
});
export type InsightsEnv = z.infer<typeof InsightsEnv>;
