import { describe, expect, it } from 'vitest';
import { settlesWithin } from './settles-within.ts';

describe('settlesWithin', () => {
  it('is true for a promise that resolves or rejects before the time is up, and for none at all', async () => {
    expect(await settlesWithin(Promise.resolve('x'), 1_000)).toBe(true);
    expect(await settlesWithin(Promise.reject(new Error('gone')), 1_000)).toBe(true);
    expect(await settlesWithin(undefined, 0)).toBe(true);
  });

  it('is false for a promise still pending when the time is up, and does not swallow its later outcome', async () => {
    let resolve!: (v: string) => void;
    const pending = new Promise<string>((r) => (resolve = r));
    expect(await settlesWithin(pending, 5)).toBe(false);
    resolve('late');
    expect(await pending).toBe('late');
  });
});
