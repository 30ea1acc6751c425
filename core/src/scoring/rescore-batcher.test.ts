import { describe, expect, it } from 'vitest';
import { createRescoreBatcher } from './rescore-batcher.ts';

function deferred() {
  let resolve!: () => void;
  let reject!: (err: Error) => void;
  const promise = new Promise<void>((res, rej) => ((resolve = res), (reject = rej)));
  return { promise, resolve, reject };
}

describe('rescore batcher', () => {
  it('runs contacts handed out together as one batch per tenant', async () => {
    const runs: [string, string[]][] = [];
    const rescore = createRescoreBatcher(async (tenantId, ids) => void runs.push([tenantId, ids]));
    await Promise.all([rescore('t1', 'a'), rescore('t1', 'b'), rescore('t2', 'c'), rescore('t1', 'a')]);
    expect(runs).toEqual([
      ['t1', ['a', 'b']],
      ['t2', ['c']],
    ]);
  });

  it('queues contacts that arrive while a batch runs into the next one, after it', async () => {
    const runs: string[][] = [];
    const gate = deferred();
    const rescore = createRescoreBatcher(async (_t, ids) => {
      runs.push(ids);
      if (runs.length === 1) await gate.promise;
    });
    const first = rescore('t', 'a');
    await new Promise((r) => setImmediate(r));
    await new Promise((r) => setImmediate(r));
    expect(runs).toEqual([['a']]);
    const later = [rescore('t', 'b'), rescore('t', 'c')];
    await new Promise((r) => setTimeout(r, 20));
    expect(runs).toEqual([['a']]); // still waiting for the running batch
    gate.resolve();
    await Promise.all([first, ...later]);
    expect(runs).toEqual([['a'], ['b', 'c']]);
  });

  it('fails every event of a failed batch and recovers for the next', async () => {
    let fail = true;
    const rescore = createRescoreBatcher(async () => {
      if (fail) throw new Error('database down');
    });
    const results = await Promise.allSettled([rescore('t', 'a'), rescore('t', 'b')]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    expect((results[0] as PromiseRejectedResult).reason.message).toBe('database down');
    fail = false;
    await expect(rescore('t', 'c')).resolves.toBeUndefined();
  });
});
