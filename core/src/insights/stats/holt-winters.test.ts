import { describe, expect, it } from 'vitest';
import { holtWinters } from './holt-winters.ts';
import { dailySeries, WEEKDAY_PATTERN } from './test-data.fixture.ts';

describe('additive Holt–Winters with prediction intervals', () => {
  it('tracks level, trend and the weekly pattern', () => {
    const y = dailySeries(1, 140, { level: 40, slope: 0.1, noise: 1, weekly: WEEKDAY_PATTERN });
    const f = holtWinters(y, { period: 7, horizon: 7 });
    for (const s of f.steps) {
      const truth = 40 + 0.1 * (140 + s.step - 1) + WEEKDAY_PATTERN[(140 + s.step - 1) % 7];
      expect(Math.abs(s.mean - truth)).toBeLessThan(3);
    }
    expect(f.sigma).toBeGreaterThan(0.7);
    expect(f.sigma).toBeLessThan(1.6);
  });

  it('intervals cover held-out days and weeks at about the stated rate', () => {
    let inside80 = 0;
    let inside95 = 0;
    let total = 0;
    let weeksInside = 0;
    const runs = 120;
    for (let seed = 1; seed <= runs; seed++) {
      const y = dailySeries(seed, 126 + 14, { level: 30, slope: 0.05, noise: 3, weekly: WEEKDAY_PATTERN });
      const train = y.slice(0, 126);
      const held = y.slice(126);
      const f95 = holtWinters(train, { period: 7, horizon: 14, level: 0.95 });
      const f80 = holtWinters(train, { period: 7, horizon: 14, level: 0.8 });
      held.forEach((v, i) => {
        total++;
        if (v >= f95.steps[i].low && v <= f95.steps[i].high) inside95++;
        if (v >= f80.steps[i].low && v <= f80.steps[i].high) inside80++;
      });
      const week = holtWinters(train, { period: 7, horizon: 7, level: 0.9 });
      const actual = held.slice(0, 7).reduce((s, v) => s + v, 0);
      if (actual >= week.total.low && actual <= week.total.high) weeksInside++;
    }
    expect(inside95 / total).toBeGreaterThan(0.9);
    expect(inside95 / total).toBeLessThan(0.99);
    expect(inside80 / total).toBeGreaterThan(0.72);
    expect(inside80 / total).toBeLessThan(0.88);
    expect(weeksInside / runs).toBeGreaterThan(0.8);
    expect(weeksInside / runs).toBeLessThan(0.98);
  });

  it('needs three seasons and a sane horizon', () => {
    expect(() => holtWinters([1, 2, 3, 4, 5, 6, 7, 8], { period: 7, horizon: 7 })).toThrow(/series: needs at least 21/);
    expect(() => holtWinters(new Array(30).fill(1), { period: 7, horizon: 0 })).toThrow(/horizon/);
  });
});
