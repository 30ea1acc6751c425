import { settlesWithin } from '@crm/core/contracts';

/** A long-running part of a process (outbox dispatcher, scheduler, workers, background agents). */
export interface Service {
  name: string;
  start(): Promise<void>;
  /** Must return promptly: stop taking work, finish or abandon what is in flight. */
  stop(): Promise<void>;
  /**
   * Take no new work from now on (abort a background loop between its batches): called on every
   * service at once when the shutdown begins, before the stops in reverse order, so a loop's batch
   * in progress ends while the services stopped before it return. Must not throw or wait.
   */
  halt?(): void;
  /** A service the platform can run without: a failed start is logged and reported by /health, not fatal. */
  optional?: boolean;
  /** What it is doing now, in a few words, for /health (e.g. "loading: vectors 4000/20387", "loaded"). */
  detail?(): string | undefined;
}

/** Start services in order; on a failure stop the ones already started (reverse order) and rethrow. */
export async function startAll(
  services: readonly Service[],
  onStarted?: (s: Service) => void,
  onOptionalFailed?: (s: Service, err: unknown) => void,
): Promise<Service[]> {
  const started: Service[] = [];
  try {
    for (const s of services) {
      if (s.optional) {
        try {
          await s.start();
        } catch (err) {
          onOptionalFailed?.(s, err);
          continue;
        }
      } else await s.start();
      started.push(s);
      onStarted?.(s);
    }
  } catch (err) {
    await stopAll(started);
    throw err;
  }
  return started;
}

export interface StopAllOptions {
  /**
   * One budget shared by all the stops (ms): each service's stop gets what is left of it, and a
   * stop still running when it is spent is left behind (its work is abandoned with the process).
   * Omitted: every stop is awaited to its end.
   */
  budgetMs?: number;
  onError?: (s: Service, err: unknown) => void;
  /** Each stop that returned (or failed) in time, with how long it took. */
  onStopped?: (s: Service, ms: number) => void;
  /** A stop still running when the budget ran out; `budgetMs` is what it had left to return in. */
  onLate?: (s: Service, budgetMs: number) => void;
}

/** A stop past the budget still gets this long: a service that would return at once is not reported late. */
const LAST_CHANCE_MS = 50;

/**
 * Stop in reverse order (every service halted first); one failing stop does not keep the others
 * running, and with `budgetMs` one slow stop does not keep the process from exiting: once the
 * budget is spent, the services not stopped yet are all asked to stop at once and given a moment.
 */
export async function stopAll(services: readonly Service[], options: StopAllOptions | ((s: Service, err: unknown) => void) = {}): Promise<void> {
  const { budgetMs, onError, onStopped, onLate } = typeof options === 'function' ? { onError: options } : options;
  const deadline = budgetMs === undefined ? undefined : performance.now() + budgetMs;
  const order = [...services].reverse();
  for (const s of order) {
    try {
      s.halt?.();
    } catch (err) {
      onError?.(s, err);
    }
  }
  const stop = (s: Service) => {
    const began = performance.now();
    const done = Promise.resolve()
      .then(() => s.stop())
      .then(
        () => true,
        (err: unknown) => {
          onError?.(s, err);
          return true;
        },
      );
    return { began, done };
  };
  let i = 0;
  for (; i < order.length; i++) {
    const s = order[i];
    const left = deadline === undefined ? Infinity : deadline - performance.now();
    if (left <= 0) break;
    const { began, done } = stop(s);
    if (await (left === Infinity ? done : settlesWithin(done, left))) onStopped?.(s, performance.now() - began);
    else onLate?.(s, left);
  }
  // the budget is spent: the rest stop side by side, in one last moment
  const rest = order.slice(i).map((s) => ({ s, ...stop(s) }));
  const settled = new Set<Service>();
  for (const r of rest) void r.done.then(() => settled.add(r.s));
  if (rest.length) await settlesWithin(Promise.all(rest.map((r) => r.done)), LAST_CHANCE_MS);
  for (const r of rest) {
    if (settled.has(r.s)) onStopped?.(r.s, performance.now() - r.began);
    else onLate?.(r.s, LAST_CHANCE_MS);
  }
}
