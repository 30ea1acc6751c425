import { describe, expect, it } from 'vitest';
import { crossValidate, stratifiedHoldout, stratifiedKFold, timeSeriesFolds, timeSplit } from './cross-validate.ts';
import { LogisticRegression } from './logistic-regression.model.ts';
import { plantedMatrix } from './test-data.fixture.ts';

describe('stratifiedKFold', () => {
  const y = Uint8Array.from({ length: 103 }, (_, i) => (i % 5 === 0 ? 1 : 0)); // 21 positives

  it('partitions every row into exactly one test fold, keeping the base rate', () => {
    const folds = stratifiedKFold(y, 5, 42);
    const seen = new Uint8Array(y.length);
    for (const f of folds) {
      for (const i of f.test) seen[i]++;
      expect(f.train.length + f.test.length).toBe(y.length);
      const positives = Array.from(f.test).filter((i) => y[i] === 1).length;
      expect(positives === 4 || positives === 5).toBe(true);
    }
    expect(Array.from(seen).every((c) => c === 1)).toBe(true);
  });

  it('is reproducible for a seed and different across seeds', () => {
    expect(stratifiedKFold(y, 5, 7)).toEqual(stratifiedKFold(y, 5, 7));
    expect(stratifiedKFold(y, 5, 7)[0].test).not.toEqual(stratifiedKFold(y, 5, 8)[0].test);
  });

  it('stratifiedHoldout keeps the class ratio', () => {
    const { train, test } = stratifiedHoldout(y, 0.2, 1);
    expect(train.length + test.length).toBe(103);
    expect(Array.from(test).filter((i) => y[i] === 1).length).toBe(4);
  });
});

describe('time-aware splits', () => {
  const rows = [
    { id: 1, created: '2024-03-01' },
    { id: 2, created: '2024-01-01' },
    { id: 3, created: null },
    { id: 4, created: '2024-02-01' },
    { id: 5, created: '2024-04-01' },
    { id: 6, created: '2024-05-01' },
  ];

  it('trains only on rows before the cutoff', () => {
    const split = timeSplit(rows, { timeColumn: 'created', cutoff: '2024-03-01' });
    expect(split.train).toEqual([1, 3]);
    expect(split.test).toEqual([0, 4, 5]);
    expect(split.undated).toEqual([2]);
  });

  it('defaults the cutoff so about 20% of dated rows are tested', () => {
    const split = timeSplit(rows, { timeColumn: 'created' });
    expect(split.test).toEqual([5]);
    expect(Math.max(...split.train.map((i) => Date.parse(rows[i].created!)))).toBeLessThan(split.cutoff);
  });

  it('forward-chaining folds never test on the past', () => {
    const times = Float64Array.from({ length: 60 }, (_, i) => (i * 37) % 60);
    times[5] = NaN;
    const folds = timeSeriesFolds(times, 4);
    expect(folds).toHaveLength(4);
    for (const f of folds) {
      const lastTrain = Math.max(...Array.from(f.train, (i) => times[i]));
      const firstTest = Math.min(...Array.from(f.test, (i) => times[i]));
      expect(lastTrain).toBeLessThan(firstTest);
      expect(Array.from(f.test)).not.toContain(5);
    }
  });
});

describe('crossValidate', () => {
  it('returns out-of-fold predictions for every row and per-fold AUCs', async () => {
    const { m, y } = plantedMatrix(800, 3);
    const progress: number[] = [];
    const result = await crossValidate(() => new LogisticRegression({ lambda: 0.01 }), m, y, stratifiedKFold(y, 4, 1), {
      onFold: (done) => progress.push(done),
    });
    expect(progress).toEqual([1, 2, 3, 4]);
    expect(result.foldAucs).toHaveLength(4);
    expect(Array.from(result.oofRaw).every(Number.isFinite)).toBe(true);
    expect(result.auc).toBeGreaterThan(0.75);
    expect(result.aucStd).toBeGreaterThan(0);
  });
});
