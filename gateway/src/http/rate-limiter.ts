/**
 * The gateway's request counters: a fixed window per key (the first request of a key starts its
 * window; the window's requests are counted; past `max` a request is refused until the window ends),
 * the semantics of @fastify/rate-limit's local store. In memory the counting is synchronous: the
 * plugin's limiter cost a few promises, an argument array and a result object per call, twice per
 * request (~3% of a GET by id's CPU). With Redis (several replicas share the counts) the plugin's
 * Redis store still does the counting.
 */

/** One counted request: whether it is over the limit, and in how many seconds the window ends. */
export interface RateLimitHit {
  exceeded: boolean;
  /** Whole seconds until the key's window ends (≥ 1 when exceeded). */
  retryAfter: number;
}

export interface RateLimiter {
  readonly max: number;
  readonly windowMs: number;
  /** Counts one request of `key`; a promise only when the counts live elsewhere (Redis). */
  hit(key: string): RateLimitHit | Promise<RateLimitHit>;
}

/** In memory: always synchronous. */
export interface MemoryRateLimiter extends RateLimiter {
  hit(key: string): RateLimitHit;
}

interface Window {
  count: number;
  /** When the window started (ms since the epoch). */
  start: number;
}

/**
 * Fixed-window counters in a Map bounded at `maxKeys` keys (the plugin's local store keeps 5,000
 * per limiter). A key whose window restarts is re-inserted, so insertion order is window-start
 * order: when the map is full, windows that have ended are dropped first, then the oldest.
 */
export function memoryRateLimiter(max: number, windowMs: number, maxKeys = 5000, now: () => number = Date.now): MemoryRateLimiter {
  if (!Number.isInteger(max) || max < 0) throw new Error(`rate limit max must be a whole number ≥ 0; got ${max}`);
  if (!Number.isFinite(windowMs) || windowMs <= 0) throw new Error(`rate limit window must be > 0 ms; got ${windowMs}`);
  const windows = new Map<string, Window>();
  const evict = (t: number) => {
    for (const [key, w] of windows) {
      if (w.start + windowMs <= t) windows.delete(key);
      else break; // insertion order is window-start order: the rest are younger
    }
    if (windows.size >= maxKeys) windows.delete(windows.keys().next().value!);
  };
  return {
    max,
    windowMs,
    hit(key) {
      const t = now();
      let w = windows.get(key);
      if (!w || w.start + windowMs <= t) {
        if (w) windows.delete(key);
        else if (windows.size >= maxKeys) evict(t);
        w = { count: 0, start: t };
        windows.set(key, w);
      }
      const count = ++w.count;
      if (count <= max) return NOT_EXCEEDED;
      return { exceeded: true, retryAfter: Math.max(1, Math.ceil((w.start + windowMs - t) / 1000)) };
    },
  };
}

/** Shared: a request under the limit allocates nothing. */
const NOT_EXCEEDED: RateLimitHit = Object.freeze({ exceeded: false, retryAfter: 0 });
