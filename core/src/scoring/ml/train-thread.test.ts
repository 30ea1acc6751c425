import { isMainThread } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { DatasetError } from './dataset-error.ts';
import type { FeatureRecord } from './encoder.ts';
import { createRandom, normal } from './random.ts';
import { createScorer } from './scorer.ts';
import { trainRecordsInThread } from './train-thread.ts';
import { trainRecords } from './train-records.ts';

function records(n: number, seed: number): { rows: FeatureRecord[]; labels: number[]; times: Date[] } {
  const random = createRandom(seed);
  const rows: FeatureRecord[] = [];
  const labels: number[] = [];
  const times: Date[] = [];
  for (let i = 0; i < n; i++) {
    const opened = Math.floor(random() * 10);
    const source = ['WEBSITE', 'REFERRAL', 'EVENT'][Math.floor(random() * 3)];
    const z = 0.45 * opened + (source === 'REFERRAL' ? 0.9 : 0) - 2.6 + 0.3 * normal(random);
    rows.push({ opened: random() < 0.05 ? null : opened, source, hasPhone: random() < 0.6 });
    labels.push(random() < 1 / (1 + Math.exp(-z)) ? 1 : 0);
    times.push(new Date(Date.UTC(2025, 0, 1) + i * 3_600_000));
  }
  return { rows, labels, times };
}

const specs = [
  { name: 'opened', kind: 'numeric' as const },
  { name: 'source', kind: 'categorical' as const },
  { name: 'hasPhone', kind: 'boolean' as const },
];

describe('trainRecordsInThread', () => {
  it('fits in a worker thread: the same model and report as in this thread, progress reported here', async () => {
    expect(isMainThread).toBe(true);
    const data = { specs, ...records(600, 3), folds: 3, seed: 7, target: 'became_customer' };
    const progress: [number, number][] = [];
    const threaded = await trainRecordsInThread({ ...data, onProgress: (done, total) => progress.push([done, total]) });
    const local = await trainRecords(data);
    const plain = (t: typeof local.trained) => JSON.parse(JSON.stringify({ ...t, trainedAt: null })) as unknown;
    expect(plain(threaded.trained)).toEqual(plain(local.trained));
    expect(threaded.report.auc).toBe(local.report.auc);
    expect(threaded.report.model).toBe(local.report.model);
    expect(progress.length).toBeGreaterThan(2);
    expect(progress.at(-1)![0]).toBe(progress.at(-1)![1]);
    const scorer = createScorer(threaded.trained);
    expect(scorer.scoreRecord({ opened: 9, source: 'REFERRAL', hasPhone: true }).score).toBeGreaterThan(scorer.scoreRecord({ opened: 0, source: 'WEBSITE', hasPhone: false }).score);
  }, 120_000);

  it('a data problem found in the thread comes back as the same DatasetError', async () => {
    const { rows } = records(50, 4);
    const err = await trainRecordsInThread({ specs, rows, labels: rows.map(() => 1), folds: 3 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DatasetError);
    const local = await trainRecords({ specs, rows, labels: rows.map(() => 1), folds: 3 }).catch((e: unknown) => e);
    expect([(err as DatasetError).field, (err as DatasetError).reason]).toEqual([(local as DatasetError).field, (local as DatasetError).reason]);
  }, 120_000);

  it('an aborted fit ends its thread and rejects with the signal\'s reason (a stopping process does not wait for it)', async () => {
    const data = { specs, ...records(3000, 5), folds: 5, seed: 7, target: 'became_customer' };
    const stop = new AbortController();
    let progressed = 0;
    const fit = trainRecordsInThread(
      {
        ...data,
        // abort once the thread has started working
        onProgress: () => {
          if (++progressed === 1) stop.abort(new Error('stopping'));
        },
      },
      stop.signal,
    );
    await expect(fit).rejects.toThrow('stopping');
    expect(progressed).toBeGreaterThanOrEqual(1);
    // already aborted: refused before a thread starts
    await expect(trainRecordsInThread(data, stop.signal)).rejects.toThrow('stopping');
  }, 120_000);
});
