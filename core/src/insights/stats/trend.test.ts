import { describe, expect, it } from 'vitest';
import { StatsError } from './stats-error.ts';
import { dailySeries, WEEKDAY_PATTERN } from './test-data.fixture.ts';
import { mannKendall } from './trend.ts';

describe('Mann–Kendall with Sen slope', () => {
  it('finds a planted upward trend and recovers its slope within the interval', () => {
    const y = dailySeries(1, 90, { slope: 0.15, noise: 3 });
    const t = mannKendall(y);
    expect(t.direction).toBe('UP');
    expect(t.pValue).toBeLessThan(0.001);
    expect(t.slopeLow).toBeLessThan(0.15);
    expect(t.slopeHigh).toBeGreaterThan(0.15);
    expect(t.slope).toBeCloseTo(0.15, 1);
  });

  it('finds a downward trend despite a weekly pattern and one huge spike', () => {
    const y = dailySeries(2, 120, { slope: -0.1, noise: 2, weekly: WEEKDAY_PATTERN });
    y[60] += 500;
    const t = mannKendall(y);
    expect(t.direction).toBe('DOWN');
    expect(t.slope).toBeLessThan(0);
  });

  it('calls flat noisy series STABLE at about the stated false-positive rate', () => {
    let flagged = 0;
    for (let seed = 100; seed < 300; seed++) if (mannKendall(dailySeries(seed, 60, { noise: 5 })).direction !== 'STABLE') flagged++;
    // alpha = 0.05 over 200 independent series: expect ~10, well inside 2..22
    expect(flagged).toBeGreaterThan(1);
    expect(flagged).toBeLessThan(22);
  });

  it('handles ties (all equal ⇒ no trend) and rejects bad input by name', () => {
    expect(mannKendall([3, 3, 3, 3, 3]).direction).toBe('STABLE');
    expect(() => mannKendall([1, 2, Number.NaN, 4])).toThrow(StatsError);
    expect(() => mannKendall([1, 2])).toThrow(/series: needs at least 4/);
  });
});
