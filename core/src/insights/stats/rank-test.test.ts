import { describe, expect, it } from 'vitest';
import { mannWhitney } from './rank-test.ts';
import { gaussian, rng } from './test-data.fixture.ts';

describe('Mann–Whitney U', () => {
  it('detects slower closes (log-normal days) and stays calm on equal distributions', () => {
    const random = rng(4);
    const days = (mu: number, k: number) => Array.from({ length: k }, () => Math.exp(mu + 0.6 * gaussian(random)));
    const slower = mannWhitney(days(3.6, 80), days(3.2, 80));
    expect(slower.pValue).toBeLessThan(0.001);
    expect(slower.commonLanguage).toBeGreaterThan(0.6);
    expect(slower.medianA).toBeGreaterThan(slower.medianB);
    let significant = 0;
    for (let k = 0; k < 100; k++) if (mannWhitney(days(3, 40), days(3, 40)).pValue < 0.05) significant++;
    expect(significant).toBeLessThan(13);
  });

  it('handles all-tied samples', () => {
    expect(mannWhitney([1, 1, 1], [1, 1]).pValue).toBe(1);
  });
});
