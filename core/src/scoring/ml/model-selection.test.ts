import { describe, expect, it } from 'vitest';
import { BlendModel } from './blend.model.ts';
import { stratifiedHoldout } from './cross-validate.ts';
import { createMatrix, type FeatureMatrix, matrixRow } from './feature-matrix.ts';
import { GradientBoostedTrees } from './gbt.model.ts';
import { LogisticRegression } from './logistic-regression.model.ts';
import { sigmoid } from './math.ts';
import { rocAuc } from './metrics.ts';
import { selectModel } from './model-selection.ts';
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
