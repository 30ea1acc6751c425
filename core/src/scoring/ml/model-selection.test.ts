import { describe, expect, it } from 'vitest';
import { BlendModel } from './blend.model.ts';
import { stratifiedHoldout } from './cross-validate.ts';
import { createMatrix, type FeatureMatrix, matrixRow } from './feature-matrix.ts';
import { GradientBoostedTrees } from './gbt.model.ts';
import { LogisticRegression } from './logistic-regression.model.ts';
import { sigmoid } from './math.ts';
import { rocAuc } from './metrics.ts';
import { HOLDOUT_FRACTION, HOLDOUT_SELECTION_ROWS, holdoutSplit, selectModel } from './model-selection.ts';
import { runEvaluation } from './pipeline.ts';
import { createRandom, normal } from './random.ts';
import { modelFromJSON } from './scorer.ts';
import { ModelJSONSchema } from './trained-model.schema.ts';

/** n rows of 4 standard-normal features with labels drawn from sigmoid(z(x)). */
function dataset(n: number, seed: number, z: (x: Float64Array) => number): { m: FeatureMatrix; y: Uint8Array; rows: Uint32Array } {
  const random = createRandom(seed);
  const m = createMatrix(n, ['a', 'b', 'c', 'd']);
  const y = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const x = matrixRow(m, i);
    for (let j = 0; j < 4; j++) x[j] = normal(random);
    y[i] = random() < sigmoid(z(x)) ? 1 : 0;
  }
  return { m, y, rows: Uint32Array.from({ length: n }, (_, i) => i) };
}

const linear = (x: Float64Array) => 1.2 * x[0] - 0.8 * x[1] + 0.4 * x[2];
// Same sign of a and b → likely positive: no single feature, and no linear combination, says anything.
const xor = (x: Float64Array) => (x[0] * x[1] > 0 ? 2.5 : -2.5);
const threshold = (x: Float64Array) => (x[0] > 0.8 && x[1] < 0 ? 3 : -1.5);

function holdoutAuc(model: { fit: (m: FeatureMatrix, y: Uint8Array, rows: Uint32Array) => { predictRawMatrix: (m: FeatureMatrix, rows: Uint32Array) => Float64Array } }, seed: number, z: (x: Float64Array) => number): number {
  const { m, y } = dataset(3000, seed, z);
  const split = stratifiedHoldout(y, 0.3, seed);
  return rocAuc(Array.from(split.test, (i) => y[i]), model.fit(m, y, split.train).predictRawMatrix(m, split.test));
}

describe('gradient-boosted trees', () => {
  it('learns XOR and threshold structure that logistic regression cannot', () => {
    // The threshold data's best possible AUC is about 0.75 (most rows sit at one base rate).
    for (const [z, seed, floor] of [[xor, 1, 0.8], [threshold, 2, 0.68]] as const) {
      const gbt = holdoutAuc(new GradientBoostedTrees({ maxDepth: 3, subsample: 0.8 }), seed, z);
      const lr = holdoutAuc(new LogisticRegression(), seed, z);
      expect(gbt).toBeGreaterThan(floor);
      expect(gbt).toBeGreaterThan(lr + 0.03);
    }
  });

  it('is deterministic for a seed, subsampling included, and differs with another seed', () => {
    const { m, y } = dataset(800, 3, xor);
    const fit = (seed: number) => JSON.stringify(new GradientBoostedTrees({ subsample: 0.7, seed, maxIterations: 20 }).fit(m, y).toJSON().trees);
    expect(fit(7)).toBe(fit(7));
    expect(fit(8)).not.toBe(fit(7));
  });

  it('stops early on its validation fold when more rounds stop helping, and keeps the best round', () => {
    const { m, y } = dataset(1500, 4, linear);
    const stopped = new GradientBoostedTrees({ earlyStopping: true, maxIterations: 500, learningRate: 0.3, patience: 5 }).fit(m, y);
    const full = new GradientBoostedTrees({ earlyStopping: false, maxIterations: 500, learningRate: 0.3 }).fit(m, y);
    expect(stopped.iterations).toBeLessThan(100);
    expect(full.iterations).toBe(500);
  });
});

describe('blend', () => {
  it('explains every prediction exactly (factors sum to the log-odds) and survives JSON', () => {
    const { m, y } = dataset(1200, 5, threshold);
    const blend = new BlendModel(9).fit(m, y);
    const again = modelFromJSON(ModelJSONSchema.parse(JSON.parse(JSON.stringify(blend.toJSON()))));
    for (let i = 0; i < 100; i++) {
      const x = matrixRow(m, i);
      const { base, values } = blend.featureContributions(x);
      expect(base + values.reduce((a, v) => a + v, 0)).toBeCloseTo(blend.predictRaw(x), 10);
      expect(again.predictRaw(x)).toBeCloseTo(blend.predictRaw(x), 12);
    }
  });
});

describe('selectModel (inner CV on the training rows, 1-SE rule)', () => {
  it('picks logistic regression on linear data, where trees are no better than one standard error', () => {
    const { m, y, rows } = dataset(1500, 6, linear);
    const { selection, models } = selectModel(m, y, rows, { seed: 42 });
    expect(selection.chosen).toBe('logistic_regression');
    expect(selection.innerFolds).toBe(3);
    expect(selection.candidates.map((c) => c.model)).toEqual(['logistic_regression', 'gradient_boosted_trees', 'blend']);
    expect(selection.reason).toMatch(/logistic_regression/);
    expect([...models.keys()].sort()).toEqual(['blend', 'gradient_boosted_trees', 'logistic_regression']);
  });

  it('picks a tree model on XOR data, and says why', () => {
    const { m, y, rows } = dataset(1500, 7, xor);
    const { selection } = selectModel(m, y, rows, { seed: 42 });
    expect(selection.chosen).not.toBe('logistic_regression');
    const auc = (k: string) => selection.candidates.find((c) => c.model === k)!.auc!;
    expect(auc(selection.chosen)).toBeGreaterThan(auc('logistic_regression') + 0.1);
    expect(selection.reason).toContain(selection.chosen);
  });

  it('uses only the rows it is given', () => {
    const { m, y } = dataset(1000, 8, linear);
    const half = Uint32Array.from({ length: 500 }, (_, i) => i);
    const a = selectModel(m, y, half, { seed: 1 });
    // Scrambling the labels of the other rows changes nothing.
    const y2 = Uint8Array.from(y, (v, i) => (i < 500 ? v : 1 - v));
    const b = selectModel(m, y2, half, { seed: 1 });
    expect(b.selection).toEqual(a.selection);
  });
});

describe('selection on one hold-out (large data)', () => {
  it('from HOLDOUT_SELECTION_ROWS rows on, fits each member once and picks by the DeLong 1-SE rule on a 10% hold-out', () => {
    expect([HOLDOUT_SELECTION_ROWS, HOLDOUT_FRACTION]).toEqual([20_000, 0.1]);
    const { m, y, rows } = dataset(4000, 6, linear);
    const { selection, models, fittedOn, gbtRounds, lrLambda } = selectModel(m, y, rows, { seed: 42, holdoutFrom: 2000 });
    expect(selection).toMatchObject({ method: 'holdout', innerFolds: 1 });
    expect(selection.reason).toMatch(/400-row hold-out/);
    // Linear data: logistic regression is as good as anything (on 400 rows the three are within noise, 0.816–0.819).
    const aucs = selection.candidates.map((c) => c.auc!);
    expect(aucs[0]).toBeGreaterThan(Math.max(...aucs) - 0.01);
    expect(selection.chosen).not.toBe('blend');
    expect(fittedOn).toBe('train_part');
    expect(gbtRounds).toBeGreaterThan(0);
    expect(lrLambda).toBeGreaterThan(0);
    expect([...models.keys()].sort()).toEqual(['blend', 'gradient_boosted_trees', 'logistic_regression']);
  });

  it('picks a tree model on XOR data; below the threshold it keeps inner k-fold CV', () => {
    const { m, y, rows } = dataset(4000, 7, xor);
    const big = selectModel(m, y, rows, { seed: 42, holdoutFrom: 2000 });
    expect(big.selection.method).toBe('holdout');
    expect(big.selection.chosen).not.toBe('logistic_regression');
    const small = selectModel(m, y, rows.subarray(0, 1500), { seed: 42, holdoutFrom: 2000 });
    expect(small.selection).toMatchObject({ method: 'inner_cv', innerFolds: 3 });
    expect(small.fittedOn).toBe('all');
  });

  it('is deterministic for a seed and uses only the rows it is given', () => {
    const { m, y } = dataset(3000, 8, threshold);
    const rows = Uint32Array.from({ length: 2500 }, (_, i) => i);
    const a = selectModel(m, y, rows, { seed: 3, holdoutFrom: 2000 });
    const y2 = Uint8Array.from(y, (v, i) => (i < 2500 ? v : 1 - v));
    const b = selectModel(m, y2, rows, { seed: 3, holdoutFrom: 2000 });
    expect(b.selection).toEqual(a.selection);
    expect(b.gbtRounds).toBe(a.gbtRounds);
  });

  it('holds out a stratified tenth, or with arrival times the newest tenth', () => {
    const { y, rows } = dataset(3000, 9, linear);
    const strat = holdoutSplit(y, rows, { seed: 1 })!;
    expect(strat.test.length).toBe(300);
    const rate = (r: Uint32Array) => r.reduce((t, i) => t + y[i], 0) / r.length;
    expect(Math.abs(rate(strat.test) - rate(rows))).toBeLessThan(0.002);
    // Times run backwards: the newest rows are the first ones.
    const times = Float64Array.from(rows, (i) => 3000 - i);
    const timed = holdoutSplit(y, rows, { seed: 1, times })!;
    expect(timed.test.length).toBe(300);
    expect(Math.max(...timed.test)).toBe(299);
    expect(timed.train.length).toBe(2700);
  });

  it('an evaluation whose outer folds all used a hold-out chooses from the outer folds and refits only the chosen kind', async () => {
    const { m, y } = dataset(3000, 10, threshold);
    const columns = Object.fromEntries(['a', 'b', 'c', 'd'].map((name, j) => [name, Float64Array.from({ length: 3000 }, (_, i) => m.data[i * 4 + j])]));
    const specs = ['a', 'b', 'c', 'd'].map((name) => ({ name, kind: 'numeric' as const }));
    const run = await runEvaluation({ specs, columns, y, times: null, columnReports: [], notes: [] }, { folds: 3, seed: 42, holdoutFrom: 1500, leakage: false });
    const { selection, candidates } = run.report;
    expect(selection.method).toBe('outer_cv');
    expect(selection.outerPicks).toHaveLength(3);
    // The 1-SE rule on the outer folds' AUCs.
    const best = candidates.reduce((p, c) => (c.auc > p.auc ? c : p));
    const se = best.aucStd / Math.sqrt(best.foldAucs.length);
    expect(run.report.model).toBe(candidates.find((c) => c.auc >= best.auc - se)!.model);
    expect(selection.reason).toMatch(/3 outer folds/);
    expect(run.finalModel!.kind).toBe(run.report.model);
    for (let i = 0; i < 50; i++) {
      const x = matrixRow(run.matrix, i);
      const e = run.finalModel!.contributions(x);
      expect(e.base + e.contributions.reduce((t, c) => t + c.contribution, 0)).toBeCloseTo(e.raw, 9);
    }
  });
});
