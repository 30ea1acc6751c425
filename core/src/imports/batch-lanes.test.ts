import { describe, expect, it } from 'vitest';
import { createBatchLanes } from './batch-lanes.ts';

const tick = () => new Promise((r) => setTimeout(r, 1));

describe('createBatchLanes', () => {
  it('batches, keeps one batch in flight per lane, and runs a key’s batches in order', async () => {
    const seen: string[][] = [];
    let inflight = 0;
    let maxInflight = 0;
    const lanes = createBatchLanes<{ k: string; v: number }>({
      lanes: 2,
      batchSize: 3,
      key: (x) => x.k,
      flush: async (items) => {
        inflight++;
        maxInflight = Math.max(maxInflight, inflight);
        await tick();
        seen.push(items.map((x) => `${x.k}=${x.v}`));
        inflight--;
      },
    });
    const replaced: boolean[] = [];
    for (let i = 0; i < 40; i++) replaced.push(await lanes.add({ k: `key${i % 13}`, v: i }));
    await lanes.finish();
    const flat = seen.flat();
    // every row lands once per batch it was in; the last value of each key is the last one written
    const last = new Map<string, number>();
    for (const s of flat) {
      const [k, v] = s.split('=');
      expect(Number(v)).toBeGreaterThan(last.get(k) ?? -1);
      last.set(k, Number(v));
    }
    for (let k = 0; k < 13; k++) expect(last.get(`key${k}`)).toBe(39 - ((39 - k) % 13));
    expect(flat.length + replaced.filter(Boolean).length).toBe(40);
    expect(maxInflight).toBeLessThanOrEqual(2);
    expect(maxInflight).toBe(2);
  });

  it('without a key keeps every row, in order, in one lane', async () => {
    const seen: number[] = [];
    const lanes = createBatchLanes<number>({ lanes: 4, batchSize: 4, flush: async (xs) => void seen.push(...xs) });
    for (let i = 0; i < 10; i++) expect(await lanes.add(i)).toBe(false);
    await lanes.finish();
    expect(seen).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  it('stops at the first failed batch, waits for the batches in flight and rethrows', async () => {
    let done = 0;
    const lanes = createBatchLanes<number>({
      lanes: 1,
      batchSize: 2,
      flush: async (xs) => {
        await tick();
        if (xs[0] === 2) throw new Error('batch 2 failed');
        done++;
      },
    });
    const err = await (async () => {
      for (let i = 0; i < 20; i++) await lanes.add(i);
      await lanes.finish();
    })().catch((e: Error) => e);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toBe('batch 2 failed');
    expect(done).toBe(1);
  });
});
