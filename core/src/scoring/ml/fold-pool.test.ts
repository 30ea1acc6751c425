import { describe, expect, it } from 'vitest';
import type { ColumnValues } from './encoder.ts';
import { FOLD_WORKER_SLOT, memberFromJSON, type MemberJSON } from './fold-pool.ts';
import { createMatrix } from './feature-matrix.ts';
import { refitMember } from './model-selection.ts';
import { sigmoid } from './math.ts';
import { type PreparedData, runEvaluation } from './pipeline.ts';
import { createRandom, normal } from './random.ts';

/** 2,400 rows of five numeric columns and one categorical, with a linear part and a threshold AND. */
function prepared(n: number, seed: number): PreparedData {
  const random = createRandom(seed);
  const cols = ['a', 'b', 'c', 'd', 'e'].map(() => new Float64Array(n));
  const region = new Array<string>(n);
  const y = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    for (const c of cols) c[i] = normal(random);
    region[i] = ['north', 'south', 'east', 'west'][Math.floor(random() * 4)];
    const z = 1.1 * cols[0][i] - 0.7 * cols[1][i] + (cols[2][i] > 0.5 && cols[3][i] < 0 ? 2 : -0.8) + (region[i] === 'east' ? 0.6 : 0);
    y[i] = random() < sigmoid(z) ? 1 : 0;
  }
  const columns: Record<string, ColumnValues> = { a: cols[0], b: cols[1], c: cols[2], d: cols[3], e: cols[4], region };
  return {
    specs: [...['a', 'b', 'c', 'd', 'e'].map((name) => ({ name, kind: 'numeric' as const })), { name: 'region', kind: 'categorical' as const }],
    columns,
    y,
    times: null,
    columnReports: [],
    notes: [],
  };
}

describe('outer folds in worker threads', () => {
  it('gives exactly the report and final model of the single-threaded run (inner CV and hold-out selection)', async () => {
    const data = prepared(2400, 5);
    // 1,000,000: every selection by inner CV, the final one queued beside the folds; 1500: hold-outs, outer-CV choice.
    for (const [holdoutFrom, models] of [[1_000_000, undefined], [1_000_000, ['blend' as const]], [1500, undefined]] as const) {
      const options = { folds: 3, seed: 42, holdoutFrom, leakage: false as const, ...(models ? { models: [...models] } : {}) };
      const serial = await runEvaluation(data, { ...options, workers: 1 });
      const progress: string[] = [];
      const pooled = await runEvaluation(data, { ...options, workers: 2, parallelFrom: 0, onProgress: (_d, _t, label) => progress.push(label) });
      expect(pooled.report.notes.join(' ')).not.toMatch(/unavailable/);
      expect(pooled.report).toEqual(serial.report);
      expect(pooled.finalModel!.toJSON()).toEqual(serial.finalModel!.toJSON());
      const lean = await runEvaluation(data, { ...options, workers: 1, fitFinal: false });
      expect(lean.report).toEqual(serial.report);
      expect(Array.from(pooled.chosenOof)).toEqual(Array.from(serial.chosenOof));
      expect(progress).toHaveLength(4);
      expect(progress.filter((l) => /^fold \d\/3: /.test(l))).toHaveLength(3);
    }
  }, 120_000);

  it('gives the single-threaded final model whichever kind is chosen (final refit in workers, trees grown ahead and cut)', async () => {
    const data = prepared(2400, 7);
    for (const models of [['gradient_boosted_trees', 'blend'], ['blend'], ['logistic_regression', 'gradient_boosted_trees'], ['logistic_regression']] as const) {
      const options = { folds: 3, seed: 42, holdoutFrom: 1500, leakage: false as const, models: [...models] };
      const serial = await runEvaluation(data, { ...options, workers: 1 });
      const pooled = await runEvaluation(data, { ...options, workers: 2, parallelFrom: 0 });
      expect(serial.report.selection.method).toBe('outer_cv');
      expect(pooled.report).toEqual(serial.report);
      expect(pooled.finalModel!.toJSON()).toEqual(serial.finalModel!.toJSON());
      // An evaluation that only reports skips the final refit and its refits ahead: the same report.
      const lean = await runEvaluation(data, { ...options, workers: 2, parallelFrom: 0, fitFinal: false });
      expect(lean.report).toEqual(serial.report);
      expect(lean.finalModel).toBeNull();
    }
  }, 240_000);

  it('trees refitted with more rounds and cut to fewer are the trees refitted with fewer', () => {
    const r = createRandom(8);
    const n = 600;
    const m = createMatrix(n, ['a', 'b', 'c']);
    const y = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < 3; j++) m.data[i * 3 + j] = normal(r);
      y[i] = r() < sigmoid(m.data[i * 3] - m.data[i * 3 + 1] * m.data[i * 3 + 2]) ? 1 : 0;
    }
    const rows = Uint32Array.from({ length: n }, (_, i) => i);
    const refit = (gbtRounds: number) => refitMember(m, y, rows, { kind: 'gradient_boosted_trees', seed: 3, lrLambda: null, gbtRounds }).toJSON() as MemberJSON;
    const long = refit(25);
    expect((long as { trees: unknown[] }).trees).toHaveLength(25);
    expect(memberFromJSON(long, 12).toJSON()).toEqual(refit(12));
  });

  it('falls back to this thread, with a note, when the worker file cannot be loaded', async () => {
    const data = prepared(900, 6);
    const slot = globalThis as Record<symbol, unknown>;
    slot[FOLD_WORKER_SLOT] = new URL('./no-such-worker.js', import.meta.url).href;
    try {
      const options = { folds: 3, seed: 42, leakage: false as const };
      const pooled = await runEvaluation(data, { ...options, workers: 2, parallelFrom: 0 });
      const serial = await runEvaluation(data, { ...options, workers: 1 });
      expect(pooled.report.notes.join(' ')).toMatch(/Worker threads were unavailable \(.*no-such-worker/);
      expect(pooled.report.auc).toBe(serial.report.auc);
      expect(pooled.report.candidates).toEqual(serial.report.candidates);
    } finally {
      delete slot[FOLD_WORKER_SLOT];
    }
  }, 120_000);
});
