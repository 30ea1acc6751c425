import { z } from 'zod';
import { withoutEmpty } from '../config/config.ts';
import { AppError } from '../errors/app-error.ts';
import { zodIssues } from '../errors/zod-issues.ts';
import { INTERACTION_TYPES, CHANNELS } from '../interactions/interaction.schema.ts';

/** Below this many labelled outcomes of either class the tenant is scored by rules (cold start). */
export const DEFAULT_MIN_PER_CLASS = 30;

/** Environment of lead scoring; every variable is optional. */
export const ScoringEnv = z.object({
  /** Endpoint id, or `projects/P/locations/L/endpoints/ID`: scores come from that Vertex AI endpoint when set. */
  VERTEX_SCORING_ENDPOINT: z.string().min(1).optional(),
  VERTEX_PROJECT: z.string().min(1).optional(),
  VERTEX_LOCATION: z.string().regex(/^[a-z0-9-]+$/, 'must be a region such as us-central1').default('us-central1'),
  /** host[:port] of the prediction API (default `<location>-aiplatform.googleapis.com`). */
  VERTEX_SCORING_API_ENDPOINT: z.string().regex(/^[a-z0-9.-]+(:\d{1,5})?$/i, 'must be host[:port]').optional(),
  VERTEX_SCORING_TIMEOUT_MS: z.coerce.number().int().min(50).max(60_000).default(2_000),
  SCORING_MIN_PER_CLASS: z.coerce.number().int().min(2).max(100_000).default(DEFAULT_MIN_PER_CLASS),
  /** A rescore that moves the score by at least this many points updates leadScore and emits lead_score.changed. */
  SCORING_CHANGE_THRESHOLD: z.coerce.number().min(0).max(100).default(2),
  /** Hours between scheduled retrains of every tenant (0 = never). */
  SCORING_RETRAIN_HOURS: z.coerce.number().min(0).max(24 * 90).default(24),
  /** Open leads untouched this many days count as lost ("stale") for training. */
  SCORING_STALE_DAYS: z.coerce.number().int().min(14).max(3650).default(180),
});

export interface VertexScoringConfig {
  /** Full resource name `projects/P/locations/L/endpoints/ID`. */
  endpoint: string;
  location: string;
  apiEndpoint?: string;
  timeoutMs: number;
}

export interface ScoringConfig {
  minPerClass: number;
  changeThreshold: number;
  retrainHours: number;
  staleDays: number;
  vertex?: VertexScoringConfig;
}

export const DEFAULT_SCORING_CONFIG: ScoringConfig = { minPerClass: DEFAULT_MIN_PER_CLASS, changeThreshold: 2, retrainHours: 24, staleDays: 180 };

export function loadScoringConfig(env: NodeJS.ProcessEnv = process.env): ScoringConfig {
  const parsed = ScoringEnv.safeParse(withoutEmpty(env));
  if (!parsed.success) {
    const issues = zodIssues(parsed.error);
    throw AppError.validation(issues, `Invalid scoring configuration: ${issues.map((i) => `${i.path}: ${i.reason}`).join('; ')}`);
  }
  const e = parsed.data;
  const config: ScoringConfig = {
    minPerClass: e.SCORING_MIN_PER_CLASS,
    changeThreshold: e.SCORING_CHANGE_THRESHOLD,
    retrainHours: e.SCORING_RETRAIN_HOURS,
    staleDays: e.SCORING_STALE_DAYS,
  };
  if (e.VERTEX_SCORING_ENDPOINT) {
    let endpoint = e.VERTEX_SCORING_ENDPOINT;
    if (!endpoint.startsWith('projects/')) {
      if (!e.VERTEX_PROJECT) {
        throw AppError.validation([{ path: 'VERTEX_PROJECT', reason: 'is required when VERTEX_SCORING_ENDPOINT is an endpoint id' }]);
      }
      endpoint = `projects/${e.VERTEX_PROJECT}/locations/${e.VERTEX_LOCATION}/endpoints/${endpoint}`;
    }
    const location = /\/locations\/([^/]+)\//.exec(endpoint)?.[1] ?? e.VERTEX_LOCATION;
    config.vertex = { endpoint, location, apiEndpoint: e.VERTEX_SCORING_API_ENDPOINT, timeoutMs: e.VERTEX_SCORING_TIMEOUT_MS };
  }
  return config;
}

export const SCORE_SOURCES = ['vertex', 'model', 'rules'] as const;
export const ScoreSource = z.enum(SCORE_SOURCES);
export type ScoreSource = z.infer<typeof ScoreSource>;

export const Impact = z.enum(['HIGH', 'MEDIUM', 'LOW']);

export const ScoringFactor = z.object({
  name: z.string().describe('Feature name, e.g. meeting_90d; "other_factors" sums the rest'),
  label: z.string().describe('What the feature means, for people'),
  weight: z.number().describe('Signed push on the log-odds: base + the sum of all weights = logit(probability)'),
  value: z.string().describe("The lead's value of the feature"),
  impact: Impact,
});
export type ScoringFactor = z.infer<typeof ScoringFactor>;

export const WHAT_IF_ACTIONS = ['meeting', 'inbound_reply', 'form_submission', 'website_visit', 'phone_call'] as const;
export const WhatIfAction = z.enum(WHAT_IF_ACTIONS);
export type WhatIfAction = z.infer<typeof WhatIfAction>;

export const WhatIfScenario = z.object({
  action: WhatIfAction,
  label: z.string(),
  count: z.number().int(),
  score: z.number(),
  delta: z.number().describe('Points gained (negative: lost) against the current score'),
});
export type WhatIfScenario = z.infer<typeof WhatIfScenario>;

export const Degraded = z.object({ service: z.string(), reason: z.string() });

export const LeadScoreResult = z.object({
  contactId: z.string().nullable(),
  score: z.number().int().min(0).max(100),
  probability: z.number(),
  confidence: z.number().min(0).max(1),
  source: ScoreSource,
  /** Who produced the factors: the local model or the rules (vertex scores are explained locally). */
  explanationSource: z.enum(['model', 'rules']),
  modelVersion: z.number().int().nullable(),
  base: z.number().describe('Log-odds of an average lead'),
  factors: z.array(ScoringFactor),
  recommendation: z.string(),
  nextActions: z.array(z.string()),
  whatIf: z.array(WhatIfScenario),
  degraded: Degraded.optional(),
  asOf: z.string(),
  closed: z
    .object({ status: z.enum(['CUSTOMER', 'INACTIVE']), since: z.string(), note: z.string() })
    .optional()
    .describe('Set for a contact that is no longer an open lead: its score is as of `since` (when it closed) and rescoring keeps it there'),
});
export type LeadScoreResult = z.infer<typeof LeadScoreResult>;

/** Lead data that is not (yet) in the CRM, as the design document's score_lead takes it. */
export const LeadDataInput = z
  .object({
    contact: z
      .object({
        email: z.string().trim().min(3).max(254),
        company: z.string().max(200).nullish(),
        position: z.string().max(200).nullish(),
        phone: z.string().max(40).nullish(),
        source: z.string().max(100).nullish(),
        campaign: z.string().max(128).nullish(),
        createdAt: z.coerce.date().optional(),
        customFields: z.record(z.string(), z.unknown()).optional(),
      })
      .strict(),
    interactions: z
      .array(
        z
          .object({
            type: z.enum(INTERACTION_TYPES),
            channel: z.enum(CHANNELS).optional(),
            direction: z.enum(['INBOUND', 'OUTBOUND']),
            occurredAt: z.coerce.date(),
            sentiment: z.number().min(-1).max(1).nullish(),
            tags: z.array(z.string()).optional(),
          })
          .strict(),
      )
      .max(5000)
      .default([]),
  })
  .strict();
export type LeadDataInput = z.input<typeof LeadDataInput>;

export const FeatureConfig = z.object({
  version: z.literal(1),
  customFields: z.array(z.object({ key: z.string(), kind: z.enum(['numeric', 'categorical', 'boolean']) })),
});
export type FeatureConfig = z.infer<typeof FeatureConfig>;

export const TrainingSummary = z.object({
  labelled: z.number().int(),
  positives: z.number().int(),
  negatives: z.number().int(),
  staleNegatives: z.number().int(),
  from: z.string().nullable().describe('Earliest labelling cutoff'),
  to: z.string().nullable().describe('Latest labelling cutoff'),
  seenUntil: z
    .string()
    .nullable()
    .optional()
    .describe('Outcomes the database recorded up to this instant were loaded for training; a later retrain holds out those recorded after it'),
  features: z.number().int(),
  customFields: z.array(z.string()),
  excludedCustomFields: z
    .array(z.object({ key: z.string(), reason: z.string() }))
    .optional()
    .describe('Custom fields left out because the leakage audit found them recorded after the outcome (they predicted it too well)'),
  conversionBySource: z.record(z.string(), z.object({ labelled: z.number().int(), converted: z.number().int() })),
});
export type TrainingSummary = z.infer<typeof TrainingSummary>;

const nullableNumber = z.number().nullable();
export const ModelMetrics = z.object({
  cvAuc: nullableNumber,
  cvAucStd: nullableNumber,
  cvLogLoss: nullableNumber,
  holdoutAuc: nullableNumber,
  holdoutLogLoss: nullableNumber,
  holdoutRows: z.number().int(),
  calibration: z.array(z.object({ from: z.number(), to: z.number(), count: z.number(), meanPredicted: nullableNumber, observedRate: nullableNumber })),
  validation: z.string(),
  candidates: z.array(z.object({ model: z.string(), auc: nullableNumber, aucStd: nullableNumber })),
  /** Which model kind inner cross-validation chose and why (absent in models trained before it was recorded). */
  selection: z.object({ chosen: z.string(), reason: z.string() }).optional(),
});
export type ModelMetrics = z.infer<typeof ModelMetrics>;

export const ModelDecision = z.object({
  activated: z.boolean(),
  reason: z.string(),
  comparedWith: z.string().describe('"rules" or "v<version>"'),
  baselineHoldoutAuc: nullableNumber,
  candidateHoldoutAuc: nullableNumber,
});
export type ModelDecision = z.infer<typeof ModelDecision>;

export const ModelVersionInfo = z.object({
  id: z.string(),
  version: z.number().int(),
  status: z.enum(['active', 'retired', 'rejected']),
  modelKind: z.string(),
  createdAt: z.string(),
  activatedAt: z.string().nullable(),
  trainingSummary: TrainingSummary,
  metrics: ModelMetrics,
  featureImportance: z.array(z.object({ name: z.string(), importance: z.number() })),
  decision: ModelDecision,
  customFields: FeatureConfig.shape.customFields,
});
export type ModelVersionInfo = z.infer<typeof ModelVersionInfo>;

/** REST/MCP answers of the scoring service, field by field (the OpenAPI document's response schemas). */
export const ModelInfoResult = z.object({
  source: z.enum(['model', 'rules']).describe('What scores leads now (the Vertex endpoint, when configured, comes first)'),
  active: ModelVersionInfo.nullable(),
  versions: z.array(ModelVersionInfo),
  minPerClass: z.number().int(),
  changeThreshold: z.number(),
  remote: z.object({ service: z.string(), circuit: z.string() }).nullable(),
});

export const RescoreSummary = z.object({
  scored: z.number().int(),
  changed: z.number().int().describe('Contacts whose stored lead score changed by at least the change threshold'),
  movers: z.array(z.object({ contactId: z.string(), from: z.number(), to: z.number() })).describe('The (at most five) biggest changes'),
  source: ScoreSource,
  modelVersion: z.number().int().nullable(),
  degraded: Degraded.optional(),
});

export const RetrainOutcome = z.object({
  status: z.enum(['cold_start', 'unchanged', 'activated', 'rejected']),
  reason: z.string(),
  summary: TrainingSummary,
  model: ModelVersionInfo.optional().describe('The version this retrain stored (active or rejected)'),
  rescored: RescoreSummary.optional(),
});

export const ComparableLead = z.object({
  id: z.string(),
  name: z.string(),
  company: z.string().nullable(),
  status: z.string(),
  leadScore: z.number(),
  source: z.string().nullable(),
});

export const ScoreExplanation = z.object({
  result: LeadScoreResult,
  explanation: z.string(),
  improvementSuggestions: z.array(z.string()),
  comparableLeads: z.array(z.string()).describe('Closed leads with the nearest score (same source first) and how they ended'),
  comparable: z.array(ComparableLead),
});

export const WhatIfResult = z.object({
  contactId: z.string(),
  current: z.number().int(),
  source: z.enum(['model', 'rules']),
  modelVersion: z.number().int().nullable(),
  scenarios: z.array(WhatIfScenario),
});
