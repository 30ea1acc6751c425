import { AsyncLocalStorage } from 'node:async_hooks';
import { AppError } from '../errors/app-error.ts';
import type { Logger } from '../logger.ts';
import { budgetStatus, costOf, secondsUntilNextPeriod, type AiUsage, type AiUsageStore, type TokenCount } from './ai-usage.ts';
import type { AiCallPolicy } from './model-provider.config.ts';
import { CircuitBreaker, isRetryable, TimeoutError, withRetry, withTimeout } from './resilience.ts';

/** One remote model call as the guard sees it. */
export interface AiCall {
  tenantId: string | undefined;
  model: string;
  operation: AiUsage['operation'];
  /** The caller's own cancellation; aborting it is not a provider failure. */
  signal?: AbortSignal;
}

export interface AiCallGuardOptions {
  /** Provider id, used for the breaker, the usage rows and messages. */
  provider: string;
  policy: AiCallPolicy;
  usage: AiUsageStore;
  logger?: Logger;
  now?: () => number;
  /** Backoff sleep; injected by tests. */
  sleep?: (ms: number) => Promise<void>;
}

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const tenantScope = new AsyncLocalStorage<string>();
/** Set while a guarded attempt runs: nested calls of the same guard pass through, fetches join its signal. */
interface AttemptScope {
  signal: AbortSignal;
  guard: AiCallGuard;
}
const attemptScope = new AsyncLocalStorage<AttemptScope>();

/**
 * Run `fn` with `tenantId` as the tenant that AI calls made inside it are accounted to (calls
 * whose LangChain config carries `configurable.tenantId` use that instead).
 */
export function withAiTenant<T>(tenantId: string, fn: () => T): T {
  return tenantScope.run(tenantId, fn);
}

export function currentAiTenant(): string | undefined {
  return tenantScope.getStore();
}

/**
 * True inside an attempt of `guard`: provider methods that call each other (ChatOllama's
 * `_generate` consumes its own `_streamResponseChunks`) are guarded and accounted once.
 */
export function insideGuardedAttempt(guard: AiCallGuard): boolean {
  return attemptScope.getStore()?.guard === guard;
}

/** Resume a provider generator inside its attempt's scope (a generator runs in its caller's context). */
function inAttemptScope<T>(scope: AttemptScope, fn: () => T): T {
  return attemptScope.run(scope, fn);
}

/**
 * A `fetch` whose requests are also aborted when the current guarded attempt times out, for
 * clients (Ollama, OpenAI embeddings) that take no per-call signal.
 */
export function attemptAwareFetch(base: typeof fetch = globalThis.fetch): typeof fetch {
  return (input, init) => {
    const attempt = attemptScope.getStore();
    if (!attempt) return base(input, init);
    const signal = init?.signal ? AbortSignal.any([init.signal, attempt.signal]) : attempt.signal;
    return base(input, { ...init, signal });
  };
}

/** HTTP status of a provider error, whichever client threw it (openai, gaxios, ollama-js). */
export function providerErrorStatus(err: unknown): number | undefined {
  const e = err as { status?: unknown; status_code?: unknown; response?: { status?: unknown }; cause?: unknown } | undefined;
  for (const candidate of [e?.status, e?.status_code, e?.response?.status]) {
    if (typeof candidate === 'number' && candidate >= 100) return candidate;
  }
  return undefined;
}

function retryable(err: unknown): boolean {
  if (err instanceof AppError) return isRetryable(err);
  const status = providerErrorStatus(err);
  return status === undefined ? isRetryable(err) : isRetryable({ status });
}

/** The caller cancelled: not a provider failure, never retried, rethrown as it is. */
function isAbort(_err: unknown, signal?: AbortSignal): boolean {
  return signal?.aborted === true;
}

type Outcome<T> = { ok: true; value: T } | { ok: false; error: unknown };

/**
 * Admission, resilience and accounting for every remote model call of one provider:
 *   tenant + budget check (BUDGET_EXCEEDED before anything is sent) →
 *   circuit breaker (AI_SERVICE_UNAVAILABLE + retryAfter while open) →
 *   up to `maxAttempts` attempts with exponential backoff, each under a timeout →
 *   usage recorded per tenant (provider-reported tokens, else chars/4 flagged as estimated).
 * Only failures worth retrying (network, timeout, 408/429/5xx) count against the breaker: a 400
 * means the service is up and our request was wrong.
 */
export class AiCallGuard {
  readonly provider: string;
  readonly breaker: CircuitBreaker;
  private readonly policy: AiCallPolicy;
  private readonly usage: AiUsageStore;
  private readonly logger?: Logger;
  private readonly now: () => number;
  private readonly sleep?: (ms: number) => Promise<void>;

  constructor(options: AiCallGuardOptions) {
    this.provider = options.provider;
    this.policy = options.policy;
    this.usage = options.usage;
    this.logger = options.logger;
    this.now = options.now ?? Date.now;
    this.sleep = options.sleep;
    this.breaker = new CircuitBreaker({
      name: options.provider,
      failureThreshold: options.policy.breakerFailureThreshold,
      resetAfterMs: options.policy.breakerResetMs,
      now: this.now,
    });
  }

  /** Resolve the tenant (explicit, else the `withAiTenant` scope) and refuse when its budget is spent. */
  async admit(call: AiCall): Promise<string> {
    const tenantId = call.tenantId ?? currentAiTenant();
    if (!tenantId || !UUID_RE.test(tenantId)) {
      throw new AppError(
        'PERMISSION_DENIED',
        `No tenant for this ${this.provider} ${call.operation} call: pass configurable.tenantId in the LangChain config or run it inside withAiTenant()`,
      );
    }
    // the store knows per-tenant overrides; the configured default applies when it has none
    const stored = await this.usage.checkBudget(tenantId);
    const status = budgetStatus(stored.period, stored.usedTokens, stored.budgetTokens ?? this.policy.monthlyTokenBudget);
    if (status.exceeded) {
      throw new AppError(
        'BUDGET_EXCEEDED',
        `Monthly AI token budget exceeded: used ${status.usedTokens} of ${status.budgetTokens} tokens in ${status.period.slice(0, 7)}`,
        {
          retryAfter: secondsUntilNextPeriod(this.now()),
          details: { usedTokens: status.usedTokens, budgetTokens: status.budgetTokens, period: status.period, provider: this.provider },
        },
      );
    }
    return tenantId;
  }

  /** A complete guarded call: admit, attempt through breaker + retries + timeout, record usage. */
  async run<T>(call: AiCall, fn: (signal: AbortSignal) => Promise<T>, measure: (result: T) => TokenCount): Promise<T> {
    const tenantId = await this.admit(call);
    const result = await this.attempt(call, fn);
    await this.record(tenantId, call, measure(result));
    return result;
  }

  /** Breaker + retries + per-attempt timeout around `fn`; failures become AppErrors. */
  async attempt<T>(call: AiCall, fn: (signal: AbortSignal) => Promise<T>): Promise<T> {
    let attempts = 0;
    let outcome: Outcome<T>;
    try {
      outcome = await this.breaker.execute(async (): Promise<Outcome<T>> => {
        try {
          const value = await withRetry(
            (signal) => {
              attempts++;
              const scoped = call.signal ? AbortSignal.any([signal, call.signal]) : signal;
              return attemptScope.run({ signal: scoped, guard: this }, () => fn(scoped));
            },
            {
              attempts: this.policy.maxAttempts,
              baseDelayMs: this.policy.retryBaseDelayMs,
              timeoutMs: this.policy.timeoutMs,
              retryable,
              signal: call.signal,
              sleep: this.sleep,
            },
          );
          return { ok: true, value };
        } catch (error) {
          // Only service failures open the circuit; client errors and caller aborts pass through.
          if (retryable(error) && !isAbort(error, call.signal)) throw error;
          return { ok: false, error };
        }
      });
    } catch (error) {
      throw this.toAppError(error, call, attempts);
    }
    if (!outcome.ok) throw isAbort(outcome.error, call.signal) ? outcome.error : this.toAppError(outcome.error, call, attempts);
    return outcome.value;
  }

  /**
   * Guard a stream: admission and the breaker/retry/timeout cover opening it and its first item
   * (nothing has reached the caller yet, so a retry is safe); after that each item must arrive
   * within the timeout, and a failure mid-stream goes to the caller as AI_SERVICE_UNAVAILABLE.
   * `observe` sees every item; `measure` turns what it saw into usage when the stream ends.
   */
  async *stream<T>(
    call: AiCall,
    open: (signal: AbortSignal) => AsyncIterator<T>,
    observe: (item: T) => void,
    measure: () => TokenCount,
  ): AsyncGenerator<T> {
    const tenantId = await this.admit(call);
    const first = await this.attempt(call, async (signal) => {
      // Our own switch too, so an idle timeout after the first item can cancel the request.
      const abort = new AbortController();
      const scope = { signal: AbortSignal.any([signal, abort.signal]), guard: this };
      const iterator = inAttemptScope(scope, () => open(scope.signal));
      const next = await inAttemptScope(scope, () => iterator.next());
      return { iterator, next, scope, abort };
    });
    const { iterator, scope, abort } = first;
    let next = first.next;
    let finished = false;
    try {
      while (!next.done) {
        observe(next.value);
        yield next.value;
        try {
          next = await withTimeout(() => inAttemptScope(scope, () => iterator.next()), this.policy.timeoutMs, call.signal);
        } catch (error) {
          abort.abort(error);
          if (isAbort(error, call.signal)) throw error;
          throw this.toAppError(error, call, 1);
        }
      }
      finished = true;
    } finally {
      // not awaited: after a timeout the provider's pending `next` may never settle
      if (!finished) void iterator.return?.(undefined)?.catch(() => {});
      await this.record(tenantId, call, measure());
    }
  }

  /** Usage is recorded even for streams the caller stopped early: the provider charged for them. */
  private async record(tenantId: string, call: AiCall, count: TokenCount): Promise<void> {
    const usage: AiUsage = {
      provider: this.provider,
      model: call.model,
      operation: call.operation,
      ...count,
      cost: costOf(count, call.operation, this.policy.pricing),
    };
    try {
      await this.usage.recordUsage(tenantId, usage);
    } catch (err) {
      // The provider already answered (and charged); failing the call now would waste it.
      this.logger?.error({ err, tenantId, usage }, 'could not record AI usage');
    }
  }

  private toAppError(error: unknown, call: AiCall, attempts: number): unknown {
    if (error instanceof AppError) return error;
    if (isAbort(error, call.signal)) return error;
    const status = providerErrorStatus(error);
    const what = `${this.provider} ${call.operation} (${call.model})`;
    const tries = attempts > 1 ? ` after ${attempts} attempts` : '';
    const reason =
      error instanceof TimeoutError
        ? `timed out${tries} (${this.policy.timeoutMs} ms per attempt)`
        : status !== undefined
          ? `failed with HTTP ${status}${tries}`
          : `failed${tries}: ${String((error as Error)?.message ?? error).slice(0, 200)}`;
    return new AppError('AI_SERVICE_UNAVAILABLE', `${what} ${reason}`, {
      cause: error,
      details: { provider: this.provider, model: call.model, operation: call.operation, attempts, ...(status !== undefined ? { status } : {}) },
    });
  }
}
