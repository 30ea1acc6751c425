import { describe, expect, it } from 'vitest';
import { memoryRateLimiter } from './rate-limiter.ts';

/** A clock the test moves by hand. */
const clock = (start = 1_000_000) => {
  const c = { t: start, now: () => c.t };
  return c;
};

describe('memoryRateLimiter', () => {
  it('lets max requests of a key through per window, refuses the next with the seconds left, and starts over when the window ends', () => {
    const c = clock();
    const limit = memoryRateLimiter(3, 60_000, 100, c.now);
    expect([1, 2, 3].map(() => limit.hit('key:a'))).toEqual([1, 2, 3].map(() => ({ exceeded: false, retryAfter: 0 })));
    c.t += 20_500;
    expect(limit.hit('key:a')).toEqual({ exceeded: true, retryAfter: 40 }); // 39.5 s left, rounded up
    expect(limit.hit('key:b')).toEqual({ exceeded: false, retryAfter: 0 }); // another key has its own window
    c.t += 39_499;
    expect(limit.hit('key:a')).toEqual({ exceeded: true, retryAfter: 1 }); // 1 ms left: at least 1 s
    c.t += 1;
    expect(limit.hit('key:a')).toEqual({ exceeded: false, retryAfter: 0 }); // the window ended: a new one
    expect(limit.hit('key:a').exceeded).toBe(false);
    expect(limit.hit('key:a').exceeded).toBe(false);
    expect(limit.hit('key:a')).toEqual({ exceeded: true, retryAfter: 60 });
  });

  it('refuses every request with max 0', () => {
    const limit = memoryRateLimiter(0, 1000, 10, clock().now);
    expect(limit.hit('k')).toEqual({ exceeded: true, retryAfter: 1 });
  });

  it('keeps at most maxKeys keys: ended windows go first, then the oldest window', () => {
    const c = clock();
    const limit = memoryRateLimiter(1, 10_000, 2, c.now);
    limit.hit('a');
    c.t += 6_000;
    limit.hit('b');
    expect(limit.hit('b').exceeded).toBe(true);
    c.t += 5_000; // a's window has ended, b's has not
    limit.hit('c'); // full: a is dropped, b kept
    expect(limit.hit('b').exceeded).toBe(true);
    limit.hit('d'); // full, nothing ended: the oldest window (b) is dropped
    expect(limit.hit('b')).toEqual({ exceeded: false, retryAfter: 0 });
    expect(limit.hit('d').exceeded).toBe(true); // d was kept
  });

  it('says what is wrong with a bad limit', () => {
    expect(() => memoryRateLimiter(-1, 1000)).toThrow(/max must be a whole number ≥ 0; got -1/);
    expect(() => memoryRateLimiter(10, 0)).toThrow(/window must be > 0 ms; got 0/);
  });
});
