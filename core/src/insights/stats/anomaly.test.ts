import { describe, expect, it } from 'vitest';
import { detectAnomalies } from './anomaly.ts';
import { dailySeries, WEEKDAY_PATTERN } from './test-data.fixture.ts';

describe('seasonal robust anomaly scores', () => {
  it('finds a planted spike and a planted drop on a strongly weekly series, and nothing else', () => {
    const y = dailySeries(7, 120, { noise: 2, weekly: WEEKDAY_PATTERN, slope: 0.05 });
    y[50] += 25;
    y[90] -= 20;
    const r = detectAnomalies(y, { period: 7 });
    expect(r.anomalies.map((a) => [a.index, a.direction])).toEqual([
      [50, 'HIGH'],
      [90, 'LOW'],
    ]);
    expect(r.anomalies[0].expected).toBeCloseTo(y[50] - 25, -1);
  });

  it('does not flag the ordinary weekend dip that a non-seasonal detector would', () => {
    const y = dailySeries(8, 84, { noise: 1, weekly: WEEKDAY_PATTERN });
    expect(detectAnomalies(y, { period: 7 }).anomalies).toEqual([]);
    expect(detectAnomalies(y, { period: 1 }).anomalies.length).toBeGreaterThan(0);
  });

  it('stays quiet on flat noisy data: series with any flag at about the family rate (1%)', () => {
    let seriesFlagged = 0;
    for (let seed = 1; seed <= 100; seed++) if (detectAnomalies(dailySeries(seed, 90, { noise: 4 }), { period: 7 }).anomalies.length) seriesFlagged++;
    // expectation 1 of 100; Poisson(1) exceeds 4 with probability < 0.4%
    expect(seriesFlagged).toBeLessThanOrEqual(4);
    expect(detectAnomalies(dailySeries(3, 365, { noise: 4, weekly: WEEKDAY_PATTERN }), { period: 7 }).anomalies).toEqual([]);
  });

  it('uses the scale floor when counts are mostly equal', () => {
    const y = Array.from({ length: 28 }, () => 1);
    y[10] = 2;
    expect(detectAnomalies(y, { period: 7, minScale: 1 }).anomalies).toEqual([]);
    expect(() => detectAnomalies(y, { period: 0 })).toThrow(/period/);
  });
});
