/**
 * A lead-scoring model deployed on a Vertex AI endpoint, called through
 * `@google-cloud/aiplatform`'s PredictionServiceClient. Each instance is one lead's feature record
 * (lead-features.ts names); a prediction may be a probability (0–1), a score (0–100),
 * `{probability | score, confidence?}`, or AutoML tabular's `{classes, scores}`.
 *
 * Every call goes through a circuit breaker, with a per-attempt timeout and up to 3 attempts with
 * exponential backoff (core/src/ai/resilience.ts). The caller falls back to the local model or the
 * rules when this throws, and says so (`degraded`).
 */
import { CircuitBreaker, resilientCall, TimeoutError, type CircuitBreakerOptions, type RetryOptions } from '../ai/resilience.ts';
import { AppError } from '../errors/app-error.ts';
import type { LeadFeatures } from './lead-features.ts';
import type { VertexScoringConfig } from './scoring.schema.ts';

export interface RemotePrediction {
  probability: number;
  confidence?: number;
}

/** What the scoring service needs from a remote scorer. */
export interface PredictionEndpoint {
  readonly service: string;
  readonly breaker: CircuitBreaker;
  predict(instances: readonly LeadFeatures[]): Promise<RemotePrediction[]>;
  close(): Promise<void>;
}

export interface VertexEndpointOptions {
  config: VertexScoringConfig;
  /**
   * Extra PredictionServiceClient options, e.g. `{ fallback: true, protocol: 'http', authClient }`
   * for a local double speaking the REST `:predict` format (tests) or a private endpoint.
   */
  clientOptions?: Record<string, unknown>;
  breaker?: Partial<CircuitBreakerOptions>;
  retry?: RetryOptions;
}

type ProtoValue = {
  nullValue?: unknown;
  numberValue?: number | null;
  stringValue?: string | null;
  boolValue?: boolean | null;
  structValue?: { fields?: Record<string, ProtoValue> | null } | null;
  listValue?: { values?: ProtoValue[] | null } | null;
  kind?: string;
};

function toProtoValue(v: unknown): ProtoValue {
  if (v === null || v === undefined || (typeof v === 'number' && !Number.isFinite(v))) return { nullValue: 'NULL_VALUE' };
  if (typeof v === 'number') return { numberValue: v };
  if (typeof v === 'boolean') return { boolValue: v };
  if (typeof v === 'string') return { stringValue: v };
  if (Array.isArray(v)) return { listValue: { values: v.map(toProtoValue) } };
  return { structValue: { fields: Object.fromEntries(Object.entries(v as object).map(([k, x]) => [k, toProtoValue(x)])) } };
}

export function fromProtoValue(v: ProtoValue | null | undefined): unknown {
  if (!v) return null;
  const kind = v.kind ?? Object.keys(v).find((k) => (v as Record<string, unknown>)[k] != null);
  switch (kind) {
    case 'numberValue':
      return v.numberValue;
    case 'stringValue':
      return v.stringValue;
    case 'boolValue':
      return v.boolValue;
    case 'structValue':
      return Object.fromEntries(Object.entries(v.structValue?.fields ?? {}).map(([k, x]) => [k, fromProtoValue(x)]));
    case 'listValue':
      return (v.listValue?.values ?? []).map(fromProtoValue);
    default:
      return null;
  }
}

const POSITIVE_CLASSES = ['1', 'true', 'yes', 'converted', 'won', 'customer'];

/** Read one prediction in any of the supported shapes as a probability. */
export function toRemotePrediction(raw: unknown): RemotePrediction {
  const asProbability = (x: number) => (x > 1 && x <= 100 ? x / 100 : x);
  const check = (p: number, confidence?: unknown): RemotePrediction => {
    if (!Number.isFinite(p) || p < 0 || p > 1) throw new AppError('AI_SERVICE_UNAVAILABLE', `Vertex AI returned an unusable prediction (${JSON.stringify(raw)?.slice(0, 100)})`);
    return typeof confidence === 'number' && confidence >= 0 && confidence <= 1 ? { probability: p, confidence } : { probability: p };
  };
  if (typeof raw === 'number') return check(asProbability(raw));
  if (raw && typeof raw === 'object' && !Array.isArray(raw)) {
    const o = raw as Record<string, unknown>;
    if (Array.isArray(o.scores) && Array.isArray(o.classes)) {
      const i = o.classes.findIndex((c) => POSITIVE_CLASSES.includes(String(c).toLowerCase()));
      return check(Number(o.scores[i >= 0 ? i : o.scores.length - 1]), o.confidence);
    }
    if (typeof o.probability === 'number') return check(o.probability, o.confidence);
    if (typeof o.score === 'number') return check(asProbability(o.score), o.confidence);
  }
  if (Array.isArray(raw) && typeof raw[raw.length - 1] === 'number') return check(Number(raw[raw.length - 1]));
  return check(Number.NaN);
}

/** gRPC codes worth another try (UNKNOWN, DEADLINE_EXCEEDED, RESOURCE_EXHAUSTED, INTERNAL, UNAVAILABLE) and 408/429/5xx. */
export function isRetryableVertexError(err: unknown): boolean {
  if (err instanceof TimeoutError) return true;
  if (err instanceof AppError) return err.code === 'AI_SERVICE_UNAVAILABLE';
  const e = err as { code?: unknown; status?: unknown };
  const code = typeof e?.code === 'number' ? e.code : undefined;
  const status = typeof e?.status === 'number' ? e.status : code !== undefined && code >= 100 ? code : undefined;
  if (status !== undefined) return status === 408 || status === 429 || status >= 500;
  if (code !== undefined) return [2, 4, 8, 13, 14].includes(code);
  return true;
}

interface PredictClient {
  predict(request: Record<string, unknown>, options?: Record<string, unknown>): Promise<[{ predictions?: ProtoValue[] | null }, ...unknown[]]>;
  close(): Promise<void>;
}

export function createVertexEndpoint(options: VertexEndpointOptions): PredictionEndpoint {
  const { config } = options;
  const service = 'vertex-scoring';
  const breaker = new CircuitBreaker({ name: 'Vertex AI lead scoring', failureThreshold: 3, resetAfterMs: 30_000, ...options.breaker });
  let client: Promise<PredictClient> | undefined;
  const connect = async (): Promise<PredictClient> => {
    // Loaded on first use: the client library is large and most installs never call Vertex.
    const { v1 } = await import('@google-cloud/aiplatform');
    const [host, port] = (config.apiEndpoint ?? `${config.location}-aiplatform.googleapis.com`).split(':');
    return new v1.PredictionServiceClient({ apiEndpoint: host, ...(port ? { port: Number(port) } : {}), ...options.clientOptions }) as unknown as PredictClient;
  };
  return {
    service,
    breaker,
    async predict(instances) {
      if (instances.length === 0) return [];
      // Loading the library is not the endpoint's latency: keep it outside the per-attempt timeout.
      client ??= connect().catch((err) => {
        client = undefined;
        throw new AppError('AI_SERVICE_UNAVAILABLE', `Vertex AI client unavailable: ${(err as Error).message}`, { cause: err });
      });
      const ready = await client;
      const predictions = await resilientCall(
        breaker,
        async () => {
          const [response] = await ready.predict(
            { endpoint: config.endpoint, instances: instances.map(toProtoValue), parameters: toProtoValue({}) },
            { timeout: config.timeoutMs },
          );
          const out = (response.predictions ?? []).map((p) => toRemotePrediction(fromProtoValue(p)));
          if (out.length !== instances.length) {
            throw new AppError('AI_SERVICE_UNAVAILABLE', `Vertex AI returned ${out.length} predictions for ${instances.length} instances`);
          }
          return out;
        },
        { attempts: 3, baseDelayMs: 100, maxDelayMs: 2_000, timeoutMs: config.timeoutMs, retryable: isRetryableVertexError, ...options.retry },
      );
      return predictions;
    },
    async close() {
      const c = await client?.catch(() => undefined);
      await c?.close();
    },
  };
}
