import { AppError } from '../errors/app-error.ts';

/**
 * Timeouts, retries with exponential backoff and a circuit breaker for every remote AI call
 * (Vertex endpoints, model providers, vector stores), as the design document's "AI Service
 * Failures" scenario asks: fail fast while a service is down, probe it again after a pause.
 */

export interface RetryOptions {
  /** Total attempts including the first (design document: max 3). */
  attempts?: number;
  baseDelayMs?: number;
  maxDelayMs?: number;
  timeoutMs?: number;
  /** Whether an error is worth another try (default: everything but 4xx-like client errors). */
  retryable?: (err: unknown) => boolean;
  signal?: AbortSignal;
  /** Injected for tests. */
  sleep?: (ms: number) => Promise<void>;
}

export class TimeoutError extends Error {
  constructor(ms: number) {
    super(`timed out after ${ms} ms`);
    this.name = 'TimeoutError';
  }
}

const defaultSleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Status-code-aware default: retry network errors, timeouts, 408, 429 and 5xx; not other 4xx. */
export function isRetryable(err: unknown): boolean {
  if (err instanceof AppError) return err.code === 'AI_SERVICE_UNAVAILABLE' || err.code === 'RATE_LIMIT_EXCEEDED';
  const e = err as { status?: number; code?: number | string; response?: { status?: number } };
  const status = e?.status ?? e?.response?.status ?? (typeof e?.code === 'number' && e.code >= 100 ? e.code : undefined);
  if (status === undefined) return true;
  return status === 408 || status === 429 || status >= 500;
}

export async function withTimeout<T>(fn: (signal: AbortSignal) => Promise<T>, ms: number, outer?: AbortSignal): Promise<T> {
  const ctrl = new AbortController();
  const onAbort = () => ctrl.abort(outer?.reason);
  outer?.addEventListener('abort', onAbort, { once: true });
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      fn(ctrl.signal),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => {
          ctrl.abort(new TimeoutError(ms));
          reject(new TimeoutError(ms));
        }, ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
    outer?.removeEventListener('abort', onAbort);
  }
}

export async function withRetry<T>(fn: (signal: AbortSignal, attempt: number) => Promise<T>, opts: RetryOptions = {}): Promise<T> {
  const attempts = opts.attempts ?? 3;
  const base = opts.baseDelayMs ?? 200;
  const max = opts.maxDelayMs ?? 5_000;
  const sleep = opts.sleep ?? defaultSleep;
  const retryable = opts.retryable ?? isRetryable;
  let last: unknown;
  for (let attempt = 1; attempt <= attempts; attempt++) {
    try {
      return opts.timeoutMs ? await withTimeout((s) => fn(s, attempt), opts.timeoutMs, opts.signal) : await fn(opts.signal ?? new AbortController().signal, attempt);
    } catch (err) {
      last = err;
      if (attempt === attempts || !retryable(err) || opts.signal?.aborted) break;
      // full jitter keeps many clients from retrying in lockstep
      await sleep(Math.round(Math.random() * Math.min(max, base * 2 ** (attempt - 1))));
    }
  }
  throw last;
}

export type BreakerState = 'closed' | 'open' | 'half-open';

export interface CircuitBreakerOptions {
  name: string;
  /** Consecutive failures that open the circuit. */
  failureThreshold?: number;
  /** How long the circuit stays open before one probe is let through. */
  resetAfterMs?: number;
  now?: () => number;
}

export class CircuitBreaker {
  readonly name: string;
  private failures = 0;
  private openedAt = 0;
  private probing = false;
  private readonly threshold: number;
  private readonly resetAfterMs: number;
  private readonly now: () => number;

  constructor(opts: CircuitBreakerOptions) {
    this.name = opts.name;
    this.threshold = opts.failureThreshold ?? 5;
    this.resetAfterMs = opts.resetAfterMs ?? 30_000;
    this.now = opts.now ?? Date.now;
  }

  get state(): BreakerState {
    if (this.failures < this.threshold) return 'closed';
    return this.now() - this.openedAt >= this.resetAfterMs ? 'half-open' : 'open';
  }

  /** Seconds until the next probe is allowed (for Retry-After). */
  get retryAfterSeconds(): number {
    return Math.max(1, Math.ceil((this.resetAfterMs - (this.now() - this.openedAt)) / 1000));
  }

  async execute<T>(fn: () => Promise<T>): Promise<T> {
    const state = this.state;
    if (state === 'open' || (state === 'half-open' && this.probing)) {
      throw new AppError('AI_SERVICE_UNAVAILABLE', `${this.name} is unavailable (circuit open); retry in ${this.retryAfterSeconds}s`, {
        retryAfter: this.retryAfterSeconds,
        details: { service: this.name, circuit: state },
      });
    }
    if (state === 'half-open') this.probing = true;
    try {
      const result = await fn();
      this.failures = 0;
      return result;
    } catch (err) {
      this.failures++;
      if (this.failures >= this.threshold) this.openedAt = this.now();
      throw err;
    } finally {
      if (state === 'half-open') this.probing = false;
    }
  }
}

/** Retry inside a breaker: one breaker failure per exhausted retry sequence. */
export function resilientCall<T>(breaker: CircuitBreaker, fn: (signal: AbortSignal, attempt: number) => Promise<T>, retry: RetryOptions = {}): Promise<T> {
  return breaker.execute(() => withRetry(fn, retry));
}
