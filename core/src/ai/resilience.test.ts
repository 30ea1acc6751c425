import { describe, expect, it } from 'vitest';
import { CircuitBreaker, TimeoutError, isRetryable, resilientCall, withRetry, withTimeout } from './resilience.ts';

const noSleep = async () => {};

describe('withRetry', () => {
  it('retries transient failures up to 3 attempts, then gives up with the last error', async () => {
    let calls = 0;
    await expect(
      withRetry(async () => {
        calls++;
        throw Object.assign(new Error('503'), { status: 503 });
      }, { sleep: noSleep }),
    ).rejects.toThrow('503');
    expect(calls).toBe(3);
  });

  it('does not retry a client error', async () => {
    let calls = 0;
    await expect(
      withRetry(async () => {
        calls++;
        throw Object.assign(new Error('bad request'), { status: 400 });
      }, { sleep: noSleep }),
    ).rejects.toThrow('bad request');
    expect(calls).toBe(1);
  });

  it('succeeds on a later attempt and backs off exponentially', async () => {
    const delays: number[] = [];
    let calls = 0;
    const v = await withRetry(
      async () => {
        if (++calls < 3) throw new Error('flaky');
        return 'ok';
      },
      { baseDelayMs: 100, sleep: async (ms) => void delays.push(ms) },
    );
    expect(v).toBe('ok');
    expect(delays).toHaveLength(2);
    expect(delays[0]).toBeLessThanOrEqual(100);
    expect(delays[1]).toBeLessThanOrEqual(200);
  });

  it('times out a hung call', async () => {
    await expect(withTimeout(() => new Promise(() => {}), 20)).rejects.toBeInstanceOf(TimeoutError);
  });

  it('classifies errors', () => {
    expect(isRetryable(Object.assign(new Error(), { status: 429 }))).toBe(true);
    expect(isRetryable(Object.assign(new Error(), { status: 404 }))).toBe(false);
    expect(isRetryable(new Error('ECONNREFUSED'))).toBe(true);
  });
});

describe('CircuitBreaker', () => {
  it('opens after consecutive failures, fails fast, probes once after the pause and closes on success', async () => {
    let now = 0;
    const b = new CircuitBreaker({ name: 'vertex', failureThreshold: 2, resetAfterMs: 1000, now: () => now });
    const fail = () => Promise.reject(new Error('down'));
    await expect(b.execute(fail)).rejects.toThrow('down');
    await expect(b.execute(fail)).rejects.toThrow('down');
    expect(b.state).toBe('open');
    let called = false;
    await expect(b.execute(async () => (called = true))).rejects.toMatchObject({ code: 'AI_SERVICE_UNAVAILABLE', retryAfter: 1 });
    expect(called).toBe(false);
    now = 1500;
    expect(b.state).toBe('half-open');
    await expect(b.execute(async () => 'up')).resolves.toBe('up');
    expect(b.state).toBe('closed');
  });

  it('a failed probe re-opens the circuit', async () => {
    let now = 0;
    const b = new CircuitBreaker({ name: 'x', failureThreshold: 1, resetAfterMs: 100, now: () => now });
    await expect(b.execute(() => Promise.reject(new Error('down')))).rejects.toThrow();
    now = 200;
    await expect(b.execute(() => Promise.reject(new Error('still down')))).rejects.toThrow('still down');
    expect(b.state).toBe('open');
  });

  it('resilientCall counts one breaker failure per exhausted retry sequence', async () => {
    const b = new CircuitBreaker({ name: 'x', failureThreshold: 2 });
    let calls = 0;
    await expect(resilientCall(b, async () => (calls++, Promise.reject(new Error('e'))), { sleep: noSleep })).rejects.toThrow();
    expect(calls).toBe(3);
    expect(b.state).toBe('closed');
  });
});
