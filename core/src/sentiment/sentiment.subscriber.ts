/**
 * Scores the sentiment of each newly logged interaction (outbox `interaction.logged`) and stores it
 * in `interactions.sentiment` — the column the Interaction model already has — unless the caller
 * logged one. The model provider scores when configured; the lexicon is the default and the fallback.
 */
import { SentimentScore } from '../interactions/interaction.schema.ts';
import type { Logger } from '../logger.ts';
import type { Subscription } from '../outbox/outbox.dispatcher.ts';
import { analyzeSentiment } from './sentiment.analyzer.ts';
import { databaseOf, type DatabaseHandle } from '../db/database-handle.ts';

export const SENTIMENT_CONSUMER = 'sentiment';

export type SentimentModel = (text: string, ctx?: { tenantId: string }) => Promise<SentimentScore>;

export interface SentimentSubscriberDeps {
  db: DatabaseHandle;
  logger?: Logger;
  /** e.g. a prompt to the tenant's model provider; its answer is validated, and the lexicon is used when it fails. */
  model?: SentimentModel;
}

export function createSentimentSubscriber(deps: SentimentSubscriberDeps): Subscription {
  return {
    consumer: SENTIMENT_CONSUMER,
    types: ['interaction.logged'],
    async handler(event) {
      const interaction = (event.payload as { interaction?: { id?: string; subject?: string | null; content?: string; sentiment?: unknown } }).interaction;
      if (!interaction?.id || interaction.sentiment) return;
      const text = [interaction.subject, interaction.content].filter(Boolean).join('\n');
      if (!text.trim()) return;
      let score: SentimentScore | undefined;
      if (deps.model) {
        try {
          score = SentimentScore.parse(await deps.model(text, { tenantId: event.tenantId }));
        } catch (err) {
          deps.logger?.warn({ err, interactionId: interaction.id }, 'model sentiment failed; using the lexicon');
        }
      }
      score ??= analyzeSentiment(text);
      await databaseOf(deps.db).withTenant(event.tenantId, (em) =>
        em.execute('UPDATE interactions SET sentiment = ?::jsonb WHERE id = ? AND sentiment IS NULL', [JSON.stringify(score), interaction.id]),
      );
    },
  };
}
