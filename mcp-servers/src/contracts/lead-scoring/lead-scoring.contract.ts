import { CHANNELS, INTERACTION_TYPES, ScoringFactor, WHAT_IF_ACTIONS, WhatIfScenario } from '@crm/core/contracts';
import { z } from 'zod';
import type { ToolContract } from '../../framework/tool.ts';
import { ContactId, IsoDateInput } from '../crm-data/common.contract.ts';

/** The design document's names (contact_data, interaction_history, improvement_suggestions…): snake_case throughout. */

const ScoreSource = z.enum(['vertex', 'model', 'rules']).describe('vertex: the Vertex AI endpoint; model: the tenant\'s trained model; rules: cold-start rules');

const WhatIfOut = WhatIfScenario.pick({ action: true, label: true, count: true, score: true, delta: true });

export const ScoreOut = z.object({
  contact_id: z.uuid().nullable(),
  score: z.number().int().min(0).max(100),
  probability: z.number().describe('Calibrated probability of becoming a customer'),
  confidence: z.number().min(0).max(1),
  source: ScoreSource,
  explanation_source: z.enum(['model', 'rules']),
  model_version: z.number().int().nullable(),
  base: z.number().describe('Log-odds of an average lead; base + the sum of factor weights = logit(probability)'),
  factors: z.array(ScoringFactor),
  recommendation: z.string(),
  recommendations: z.array(z.string()).describe('The recommendation, then the next actions'),
  next_actions: z.array(z.string()),
  what_if: z.array(WhatIfOut).describe('Score after each achievable action, best first'),
  degraded: z.object({ service: z.string(), reason: z.string() }).optional().describe('Set when the remote scorer failed and a local one answered'),
  as_of: z.string(),
  closed: z
    .object({ status: z.enum(['CUSTOMER', 'INACTIVE']), since: z.string(), note: z.string() })
    .optional()
    .describe('A contact that is no longer an open lead: scored as of `since`, when it closed; rescoring keeps it there'),
});

const ContactData = z
  .object({
    email: z.string().trim().min(3).max(254),
    first_name: z.string().max(100).optional(),
    last_name: z.string().max(100).optional(),
    company: z.string().max(200).optional(),
    position: z.string().max(200).optional().describe('Job title; seniority is read from it'),
    phone: z.string().max(40).optional(),
    source: z.string().max(100).optional().describe('Lead source, e.g. website, referral, webinar, cold_outbound'),
    campaign: z.string().max(128).optional(),
    created_at: IsoDateInput.optional().describe('When the lead arrived; default now'),
    custom_fields: z.record(z.string(), z.unknown()).optional(),
  })
  .strict();

const InteractionData = z
  .object({
    type: z.enum(INTERACTION_TYPES),
    channel: z.enum(CHANNELS).optional(),
    direction: z.enum(['INBOUND', 'OUTBOUND']).describe('INBOUND: the lead reached out'),
    occurred_at: IsoDateInput,
    sentiment: z.number().min(-1).max(1).optional().describe('-1 (negative) … 1 (positive)'),
  })
  .strict();

const CompanyProfile = z
  .object({
    name: z.string().max(200).optional(),
    size: z.string().max(50).optional().describe('Employees band, e.g. 11-50'),
    industry: z.string().max(100).optional(),
    budget: z.number().min(0).optional().describe('Monthly marketing budget'),
    country: z.string().max(60).optional(),
  })
  .strict();

export const ScoreLead = {
  name: 'score_lead',
  input: z
    .object({
      contact_id: ContactId.optional().describe('Score a stored contact (its own timeline is used); or give contact_data instead'),
      contact_data: ContactData.optional(),
      interaction_history: z.array(InteractionData).max(2000).optional().describe('With contact_data: what happened so far'),
      company_profile: CompanyProfile.optional(),
    })
    .strict()
    .refine((v) => (v.contact_id === undefined) !== (v.contact_data === undefined), { message: 'give either contact_id or contact_data', path: ['contact_id'] }),
  output: ScoreOut,
} satisfies ToolContract;

export const ExplainScore = {
  name: 'explain_score',
  input: z
    .object({
      contact_id: ContactId,
      score: z.number().min(0).max(100).optional().describe('The score you saw, if any; the explanation is of the current score'),
    })
    .strict(),
  output: z.object({
    contact_id: z.uuid(),
    score: z.number().int(),
    previous_score: z.number().nullable(),
    source: ScoreSource,
    model_version: z.number().int().nullable(),
    explanation: z.string(),
    factors: z.array(ScoringFactor),
    improvement_suggestions: z.array(z.string()),
    comparable_leads: z.array(z.string()).describe('Closed leads with the nearest score (same source first) and how they ended'),
  }),
} satisfies ToolContract;

export const WhatIf = {
  name: 'what_if',
  input: z
    .object({
      contact_id: ContactId,
      actions: z.array(z.enum(WHAT_IF_ACTIONS)).min(1).optional().describe('Default: all achievable actions'),
      count: z.number().int().min(1).max(10).default(1).describe('How many of each action'),
    })
    .strict(),
  output: z.object({
    contact_id: z.uuid(),
    current_score: z.number().int(),
    source: z.enum(['model', 'rules']),
    model_version: z.number().int().nullable(),
    scenarios: z.array(WhatIfOut),
  }),
} satisfies ToolContract;

export const ScoreBatch = {
  name: 'score_batch',
  input: z.object({ contact_ids: z.array(ContactId).min(1).max(200) }).strict(),
  output: z.object({
    results: z.array(
      z.object({
        contact_id: z.uuid(),
        score: z.number().int(),
        confidence: z.number(),
        source: ScoreSource,
        top_factors: z.array(z.string()).describe('The three factors that move the score most'),
      }),
    ),
  }),
} satisfies ToolContract;

const VersionSummary = z.object({
  version: z.number().int(),
  status: z.enum(['active', 'retired', 'rejected']),
  model_kind: z.string(),
  created_at: z.string(),
  labelled_outcomes: z.number().int(),
  cv_auc: z.number().nullable(),
  holdout_auc: z.number().nullable(),
  decision: z.string(),
});

export const GetModelInfo = {
  name: 'get_model_info',
  input: z.object({ version: z.number().int().min(1).optional().describe('Details of this version; default the active one') }).strict(),
  output: z.object({
    source: z.enum(['model', 'rules']).describe('What scores leads now (vertex, when configured, comes first)'),
    min_per_class: z.number().int().describe('Outcomes of each class needed before a model is trained (cold start below)'),
    change_threshold: z.number(),
    remote: z.object({ service: z.string(), circuit: z.string() }).nullable(),
    model: z
      .object({
        version: z.number().int(),
        status: z.string(),
        model_kind: z
          .string()
          .describe("'logistic_regression', 'gradient_boosted_trees' or 'blend' (the mean of both members' calibrated log-odds), as nested cross-validation chose it; metrics.selection says why"),
        metrics: z.record(z.string(), z.unknown()),
        training_summary: z.record(z.string(), z.unknown()),
        feature_importance: z.array(z.object({ name: z.string(), importance: z.number() })),
        decision: z.record(z.string(), z.unknown()),
      })
      .nullable(),
    versions: z.array(VersionSummary),
  }),
} satisfies ToolContract;

const Mover = z.object({ contact_id: z.uuid(), from: z.number().int(), to: z.number().int(), delta: z.number().int() });

export const RetrainModel = {
  name: 'retrain_model',
  input: z
    .object({
      rescore: z
        .enum(['if_activated', 'always', 'never'])
        .default('if_activated')
        .describe('Rescore every contact afterwards: only when a new model was activated (default), always (scores drift with time), or never'),
    })
    .strict(),
  output: z.object({
    status: z.enum(['cold_start', 'unchanged', 'activated', 'rejected']).describe('unchanged: too few new outcomes to compare; rejected: the candidate lost on held-out outcomes'),
    reason: z.string(),
    labelled_outcomes: z.number().int(),
    model: z
      .object({ version: z.number().int(), status: z.string(), model_kind: z.string(), cv_auc: z.number().nullable(), holdout_auc: z.number().nullable() })
      .nullable()
      .describe('The version this run trained (active or rejected); null when nothing was trained'),
    rescored: z
      .object({
        scored: z.number().int(),
        changed: z.number().int().describe('Contacts whose stored lead score changed (by at least change_threshold points)'),
        source: ScoreSource,
        model_version: z.number().int().nullable(),
        movers: z.array(Mover).describe('The five biggest changes by |delta|'),
      })
      .nullable(),
  }),
} satisfies ToolContract;
