import { describe, expect, it } from 'vitest';
import type { Classifier } from './classifier.ts';
import { stratifiedHoldout } from './cross-validate.ts';
import { createMatrix, matrixRow } from './feature-matrix.ts';
import { GradientBoostedTrees } from './gbt.model.ts';
import { LogisticRegression } from './logistic-regression.model.ts';
import { rocAuc } from './metrics.ts';
import { modelFromJSON } from './scorer.ts';
import { plantedMatrix } from './test-data.fixture.ts';
import type { ModelJSON } from './trained-model.schema.ts';

const makers: [string, () => Classifier][] = [
  ['logistic regression', () => new LogisticRegression()],
  ['gradient-boosted trees', () => new GradientBoostedTrees()],
];

function holdoutAuc(make: () => Classifier, signal: boolean, seed: number): { auc: number; model: Classifier } {
  const { m, y } = plantedMatrix(4000, seed, signal);
  const split = stratifiedHoldout(y, 0.3, seed);
  const model = make().fit(m, y, split.train);
  return { auc: rocAuc(Array.from(split.test, (i) => y[i]), model.predictRawMatrix(m, split.test)), model };
}

describe.each(makers)('%s', (_name, make) => {
  it('recovers a planted signal on held-out rows', () => {
    expect(holdoutAuc(make, true, 11).auc).toBeGreaterThan(0.8);
  });

  it('scores pure noise at about 0.5', () => {
    const { auc } = holdoutAuc(make, false, 12);
    expect(auc).toBeGreaterThan(0.42);
    expect(auc).toBeLessThan(0.58);
  });

  it('explains every prediction exactly: base + Σ contributions = raw log-odds', () => {
    const { m, y } = plantedMatrix(1500, 13);
    const model = make().fit(m, y);
    for (let i = 0; i < 200; i++) {
      const x = matrixRow(m, i);
      const { base, values } = model.featureContributions(x);
      const raw = model.predictRaw(x);
      expect(Math.abs(base + values.reduce((a, b) => a + b, 0) - raw)).toBeLessThan(1e-9);
      const grouped = model.contributions(x);
      expect(grouped.raw).toBe(raw);
      expect(Math.abs(grouped.base + grouped.contributions.reduce((a, c) => a + c.contribution, 0) - raw)).toBeLessThan(1e-9);
      expect(model.predictProba(x)).toBeCloseTo(1 / (1 + Math.exp(-raw)), 12);
    }
  });

  it('gives the planted features the largest contributions', () => {
    const { m, y } = plantedMatrix(3000, 14);
    const model = make().fit(m, y);
    const total = new Float64Array(m.cols);
    for (let i = 0; i < 500; i++) {
      const { values } = model.featureContributions(matrixRow(m, i));
      values.forEach((v, j) => (total[j] += Math.abs(v)));
    }
    // x0 (weight 1.5) and x1 (1.0) matter more than the pure-noise x5.
    expect(total[0]).toBeGreaterThan(3 * total[5]);
    expect(total[1]).toBeGreaterThan(3 * total[5]);
  });

  it('round-trips through JSON with identical predictions', () => {
    const { m, y } = plantedMatrix(1500, 15);
    const model = make().fit(m, y);
    const restored = modelFromJSON(JSON.parse(JSON.stringify(model.toJSON())) as ModelJSON);
    expect(Array.from(restored.predictRawMatrix(m))).toEqual(Array.from(model.predictRawMatrix(m)));
    expect(restored.contributions(matrixRow(m, 3))).toEqual(model.contributions(matrixRow(m, 3)));
  });

  it('sums one-hot features back to their column', () => {
    const n = 600;
    const m = createMatrix(n, ['size', 'src=web', 'src=event', 'src=__other__'], ['size', 'src', 'src', 'src']);
    const y = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      const level = i % 3;
      m.data.set([i % 17, level === 0 ? 1 : 0, level === 1 ? 1 : 0, level === 2 ? 1 : 0], i * 4);
      y[i] = (level === 0 && i % 5 !== 0) || i % 7 === 0 ? 1 : 0;
    }
    const model = make().fit(m, y);
    const explanation = model.contributions(matrixRow(m, 0));
    expect(explanation.contributions.map((c) => c.name)).toEqual(['size', 'src']);
    const { values } = model.featureContributions(matrixRow(m, 0));
    expect(explanation.contributions[1].contribution).toBeCloseTo(values[1] + values[2] + values[3], 12);
  });
});

describe('LogisticRegression', () => {
  it('chooses a stronger penalty for few noisy rows than for many clean ones', () => {
    const small = plantedMatrix(120, 21, false);
    const big = plantedMatrix(4000, 22, true);
    const a = new LogisticRegression().fit(small.m, small.y);
    const b = new LogisticRegression().fit(big.m, big.y);
    expect(a.regularisation).toBeGreaterThan(b.regularisation);
  });

  it('puts the base at the average lead: a row at the feature means contributes nothing', () => {
    const { m, y } = plantedMatrix(500, 23);
    const model = new LogisticRegression({ lambda: 0.01 }).fit(m, y);
    const means = new Float64Array(m.cols);
    for (let i = 0; i < m.rows; i++) for (let j = 0; j < m.cols; j++) means[j] += m.data[i * m.cols + j] / m.rows;
    const { base, values } = model.featureContributions(means);
    values.forEach((v) => expect(Math.abs(v)).toBeLessThan(1e-12));
    expect(model.predictRaw(means)).toBeCloseTo(base, 12);
  });
});

describe('GradientBoostedTrees', () => {
  it('uses the interaction a linear model cannot see', () => {
    // Outcome depends only on x3·x4: LR is near 0.5, trees are not.
    const n = 6000;
    const { m } = plantedMatrix(n, 31, false);
    const y = new Uint8Array(n);
    for (let i = 0; i < n; i++) y[i] = m.data[i * 6 + 3] * m.data[i * 6 + 4] > 0 ? 1 : 0;
    const split = stratifiedHoldout(y, 0.3, 31);
    const yTest = Array.from(split.test, (i) => y[i]);
    const gbt = new GradientBoostedTrees().fit(m, y, split.train);
    const lr = new LogisticRegression().fit(m, y, split.train);
    expect(rocAuc(yTest, gbt.predictRawMatrix(m, split.test))).toBeGreaterThan(0.9);
    expect(rocAuc(yTest, lr.predictRawMatrix(m, split.test))).toBeLessThan(0.6);
  });

  it('stops early on large data and keeps the best round', () => {
    const { m, y } = plantedMatrix(12_000, 32, false);
    const model = new GradientBoostedTrees().fit(m, y);
    expect(model.iterations).toBeLessThan(100);
  });

  it('respects min samples per leaf and max leaves', () => {
    const { m, y } = plantedMatrix(2000, 33);
    const json = new GradientBoostedTrees({ maxLeafNodes: 4, maxIterations: 5 }).fit(m, y).toJSON();
    expect(json.trees).toHaveLength(5);
    for (const t of json.trees) expect(t.feature.filter((f) => f < 0).length).toBeLessThanOrEqual(4);
  });

  it('rejects malformed stored trees', () => {
    const { m, y } = plantedMatrix(500, 34);
    const json = new GradientBoostedTrees({ maxIterations: 2 }).fit(m, y).toJSON();
    json.trees[0].left[0] = 0; // a cycle
    expect(() => GradientBoostedTrees.fromJSON(json)).toThrow(/malformed/);
  });
});
