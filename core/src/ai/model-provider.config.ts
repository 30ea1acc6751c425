import { z } from 'zod';
import { withoutEmpty } from '../config/config.ts';
import { AppError, type FieldIssue } from '../errors/app-error.ts';
import { zodIssues } from '../errors/zod-issues.ts';

export const MODEL_PROVIDER_KINDS = ['local', 'vertex', 'ollama', 'openai-compatible'] as const;
export type ModelProviderKind = (typeof MODEL_PROVIDER_KINDS)[number];
/** The `local` provider's embedders: hashed n-grams + domain lexicon, or the packaged Universal Sentence Encoder. */
export const LOCAL_EMBEDDER_KINDS = ['hashed', 'use'] as const;
export type LocalEmbedderKind = (typeof LOCAL_EMBEDDER_KINDS)[number];

/**
 * Output sizes of embedding models we know, so a deployment does not have to state the obvious.
 * Any other model needs `<PROVIDER>_EMBEDDING_DIMENSIONS`: the vector columns are sized from it.
 */
export const KNOWN_EMBEDDING_DIMENSIONS: Readonly<Record<string, number>> = {
  'text-embedding-005': 768,
  'text-embedding-004': 768,
  'text-multilingual-embedding-002': 768,
  'gemini-embedding-001': 3072,
  'nomic-embed-text': 768,
  'mxbai-embed-large': 1024,
  'all-minilm': 384,
  'bge-m3': 1024,
  'text-embedding-3-small': 1536,
  'text-embedding-3-large': 3072,
  'text-embedding-ada-002': 1536,
};

const int = (min: number, max = Number.MAX_SAFE_INTEGER) => z.coerce.number().int().min(min).max(max);
const price = z.coerce.number().min(0).max(1_000);
const httpUrl = z.url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' });

/** The environment variables the model provider reads; every one is optional at this level. */
export const ModelProviderEnv = z.object({
  CRM_MODEL_PROVIDER: z.enum(MODEL_PROVIDER_KINDS).default('local'),
  CRM_LOCAL_EMBEDDER: z.enum(LOCAL_EMBEDDER_KINDS).default('hashed'),

  VERTEX_PROJECT: z.string().min(1).optional(),
  VERTEX_LOCATION: z.string().regex(/^[a-z0-9-]+$/, 'must be a region such as us-central1 or global').default('us-central1'),
  VERTEX_CHAT_MODEL: z.string().min(1).default('gemini-2.5-flash'),
  VERTEX_EMBEDDING_MODEL: z.string().min(1).default('text-embedding-005'),
  VERTEX_EMBEDDING_DIMENSIONS: int(1, 8192).optional(),
  /** Host[:port] of the Vertex AI REST API, e.g. a Private Service Connect endpoint (always HTTPS). */
  VERTEX_API_ENDPOINT: z
    .string()
    .regex(/^[a-z0-9.-]+(:\d{1,5})?$/i, 'must be a host name with an optional port, without scheme or path')
    .optional(),
  /** A short-lived OAuth access token instead of Application Default Credentials. */
  VERTEX_ACCESS_TOKEN: z.string().min(1).optional(),

  OLLAMA_BASE_URL: httpUrl.default('http://127.0.0.1:11434'),
  OLLAMA_CHAT_MODEL: z.string().min(1).default('llama3.1'),
  OLLAMA_EMBEDDING_MODEL: z.string().min(1).default('nomic-embed-text'),
  OLLAMA_EMBEDDING_DIMENSIONS: int(1, 8192).optional(),

  OPENAI_BASE_URL: httpUrl.optional(),
  OPENAI_API_KEY: z.string().min(1).optional(),
  OPENAI_CHAT_MODEL: z.string().min(1).optional(),
  OPENAI_EMBEDDING_MODEL: z.string().min(1).optional(),
  OPENAI_EMBEDDING_DIMENSIONS: int(1, 8192).optional(),

  /** Per attempt, for a whole response (or, when streaming, until the first and between chunks). */
  AI_TIMEOUT_MS: int(100, 600_000).default(30_000),
  /** Attempts per call including the first (the design document's "max 3"). */
  AI_MAX_RETRIES: int(1, 3).default(3),
  AI_RETRY_BASE_DELAY_MS: int(0, 60_000).default(250),
  AI_BREAKER_FAILURE_THRESHOLD: int(1, 100).default(5),
  AI_BREAKER_RESET_MS: int(100, 3_600_000).default(30_000),
  /** Tokens (input + output) a tenant may use per calendar month (UTC); unset = no limit. */
  AI_TENANT_MONTHLY_TOKEN_BUDGET: int(0).optional(),
  AI_COST_PER_1K_INPUT_TOKENS: price.default(0),
  AI_COST_PER_1K_OUTPUT_TOKENS: price.default(0),
  AI_COST_PER_1K_EMBEDDING_TOKENS: price.default(0),
});
type ModelProviderEnv = z.infer<typeof ModelProviderEnv>;

export interface AiPricing {
  /** Currency units (whatever the budget owner bills in) per 1,000 tokens. */
  inputPer1k: number;
  outputPer1k: number;
  embeddingPer1k: number;
}

export interface AiCallPolicy {
  timeoutMs: number;
  /** Attempts including the first, 1–3. */
  maxAttempts: number;
  retryBaseDelayMs: number;
  breakerFailureThreshold: number;
  breakerResetMs: number;
  /** Default monthly token budget per tenant; undefined = unlimited. */
  monthlyTokenBudget?: number;
  pricing: AiPricing;
}

export interface VertexSettings {
  project: string;
  location: string;
  chatModel: string;
  embeddingModel: string;
  embeddingDimensions: number;
  /** True when the dimensions were set explicitly and must be requested from the model. */
  requestDimensions: boolean;
  apiEndpoint?: string;
  accessToken?: string;
}

export interface OllamaSettings {
  baseUrl: string;
  chatModel: string;
  embeddingModel: string;
  embeddingDimensions: number;
  requestDimensions: boolean;
}

export interface OpenAiCompatibleSettings {
  baseUrl: string;
  apiKey?: string;
  chatModel: string;
  embeddingModel: string;
  embeddingDimensions: number;
  requestDimensions: boolean;
}

export type ModelProviderConfig = AiCallPolicy &
  (
    | { provider: 'local'; localEmbedder?: LocalEmbedderKind }
    | { provider: 'vertex'; vertex: VertexSettings }
    | { provider: 'ollama'; ollama: OllamaSettings }
    | { provider: 'openai-compatible'; openai: OpenAiCompatibleSettings }
  );

function required<T>(value: T | undefined, name: string, provider: ModelProviderKind, issues: FieldIssue[]): T {
  if (value === undefined) issues.push({ path: name, reason: `is required when CRM_MODEL_PROVIDER=${provider}` });
  return value as T;
}

function dimensions(model: string | undefined, explicit: number | undefined, name: string, issues: FieldIssue[]) {
  if (explicit !== undefined) return { embeddingDimensions: explicit, requestDimensions: true };
  const known = model ? KNOWN_EMBEDDING_DIMENSIONS[model] : undefined;
  if (model && known === undefined) issues.push({ path: name, reason: `is required for embedding model "${model}" (its vector size is not known)` });
  return { embeddingDimensions: known ?? 0, requestDimensions: false };
}

function toConfig(e: ModelProviderEnv, ctx: z.RefinementCtx): ModelProviderConfig {
  const issues: FieldIssue[] = [];
  const policy: AiCallPolicy = {
    timeoutMs: e.AI_TIMEOUT_MS,
    maxAttempts: e.AI_MAX_RETRIES,
    retryBaseDelayMs: e.AI_RETRY_BASE_DELAY_MS,
    breakerFailureThreshold: e.AI_BREAKER_FAILURE_THRESHOLD,
    breakerResetMs: e.AI_BREAKER_RESET_MS,
    monthlyTokenBudget: e.AI_TENANT_MONTHLY_TOKEN_BUDGET,
    pricing: {
      inputPer1k: e.AI_COST_PER_1K_INPUT_TOKENS,
      outputPer1k: e.AI_COST_PER_1K_OUTPUT_TOKENS,
      embeddingPer1k: e.AI_COST_PER_1K_EMBEDDING_TOKENS,
    },
  };
  let config: ModelProviderConfig;
  switch (e.CRM_MODEL_PROVIDER) {
    case 'local':
      config = { ...policy, provider: 'local', localEmbedder: e.CRM_LOCAL_EMBEDDER };
      break;
    case 'vertex':
      config = {
        ...policy,
        provider: 'vertex',
        vertex: {
          project: required(e.VERTEX_PROJECT, 'VERTEX_PROJECT', 'vertex', issues),
          location: e.VERTEX_LOCATION,
          chatModel: e.VERTEX_CHAT_MODEL,
          embeddingModel: e.VERTEX_EMBEDDING_MODEL,
          ...dimensions(e.VERTEX_EMBEDDING_MODEL, e.VERTEX_EMBEDDING_DIMENSIONS, 'VERTEX_EMBEDDING_DIMENSIONS', issues),
          apiEndpoint: e.VERTEX_API_ENDPOINT,
          accessToken: e.VERTEX_ACCESS_TOKEN,
        },
      };
      break;
    case 'ollama':
      config = {
        ...policy,
        provider: 'ollama',
        ollama: {
          baseUrl: e.OLLAMA_BASE_URL,
          chatModel: e.OLLAMA_CHAT_MODEL,
          embeddingModel: e.OLLAMA_EMBEDDING_MODEL,
          ...dimensions(e.OLLAMA_EMBEDDING_MODEL, e.OLLAMA_EMBEDDING_DIMENSIONS, 'OLLAMA_EMBEDDING_DIMENSIONS', issues),
        },
      };
      break;
    case 'openai-compatible': {
      const embeddingModel = required(e.OPENAI_EMBEDDING_MODEL, 'OPENAI_EMBEDDING_MODEL', 'openai-compatible', issues);
      config = {
        ...policy,
        provider: 'openai-compatible',
        openai: {
          baseUrl: required(e.OPENAI_BASE_URL, 'OPENAI_BASE_URL', 'openai-compatible', issues),
          apiKey: e.OPENAI_API_KEY,
          chatModel: required(e.OPENAI_CHAT_MODEL, 'OPENAI_CHAT_MODEL', 'openai-compatible', issues),
          embeddingModel,
          ...dimensions(embeddingModel, e.OPENAI_EMBEDDING_DIMENSIONS, 'OPENAI_EMBEDDING_DIMENSIONS', issues),
        },
      };
      break;
    }
  }
  for (const issue of issues) ctx.addIssue({ code: 'custom', path: [issue.path], message: issue.reason });
  return config;
}

/**
 * Model provider settings parsed from environment variables (`CRM_MODEL_PROVIDER`, `VERTEX_*`,
 * `OLLAMA_*`, `OPENAI_*`, `AI_*`). Output: the typed `ModelProviderConfig`.
 */
export const ModelProviderConfig = ModelProviderEnv.transform(toConfig);

/**
 * Parse the model provider settings once at an entry point. Throws VALIDATION_FAILED whose
 * message and details name every missing or malformed variable.
 */
export function loadModelProviderConfig(env: NodeJS.ProcessEnv = process.env): ModelProviderConfig {
  const parsed = ModelProviderConfig.safeParse(withoutEmpty(env));
  if (!parsed.success) {
    const issues = zodIssues(parsed.error);
    throw AppError.validation(issues, `Invalid model provider configuration: ${issues.map((i) => `${i.path} ${i.reason}`).join('; ')}`);
  }
  return parsed.data;
}
