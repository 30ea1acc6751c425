import { describe, expect, it } from 'vitest';
import { compareProportions, permutationTest, segmentUplift, wilsonInterval } from './proportions.ts';
import { rng } from './test-data.fixture.ts';

/** Bernoulli successes out of n at rate p. */
function draw(random: () => number, n: number, p: number): number {
  let s = 0;
  for (let i = 0; i < n; i++) if (random() < p) s++;
  return s;
}

describe('proportion tests', () => {
  it('flags an underperforming rep against the rest of the team with a sensible confidence', () => {
    const random = rng(11);
    const rep = { successes: draw(random, 150, 0.1), trials: 150 };
    const team = { successes: draw(random, 450, 0.25), trials: 450 };
    const c = compareProportions(rep, team);
    expect(c.difference).toBeLessThan(0);
    expect(c.high).toBeLessThan(0);
    expect(c.pValue).toBeLessThan(0.01);
    expect(c.low).toBeLessThan(-0.15 + 0.1);
    const perm = permutationTest(rep, team, rng(3), 4000);
    expect(perm).toBeLessThan(0.01);
  });

  it('does not call equal reps different (p-values roughly uniform)', () => {
    const random = rng(5);
    let significant = 0;
    for (let k = 0; k < 200; k++) {
      const c = compareProportions({ successes: draw(random, 120, 0.2), trials: 120 }, { successes: draw(random, 360, 0.2), trials: 360 });
      if (c.pValue < 0.05) significant++;
    }
    expect(significant).toBeGreaterThan(2);
    expect(significant).toBeLessThan(22);
  });

  it('Wilson intervals cover the true rate at about the stated level', () => {
    const random = rng(9);
    let covered = 0;
    for (let k = 0; k < 1000; k++) {
      const w = wilsonInterval({ successes: draw(random, 40, 0.15), trials: 40 }, 0.9);
      if (w.low <= 0.15 && 0.15 <= w.high) covered++;
    }
    expect(covered / 1000).toBeGreaterThan(0.86);
    expect(covered / 1000).toBeLessThan(0.95);
  });

  it('finds the one segment that converts twice as well, and only it, after Holm adjustment', () => {
    const random = rng(21);
    const rates: Record<string, number> = { website: 0.1, linkedin: 0.1, webinar: 0.2, paid_search: 0.1, trade_show: 0.1, partner: 0.1 };
    const segments = Object.entries(rates).map(([key, p]) => ({ key, trials: 300, successes: draw(random, 300, p) }));
    const up = segmentUplift(segments);
    const winners = up.filter((s) => s.adjustedP < 0.05 && s.difference > 0).map((s) => s.key);
    expect(winners).toEqual(['webinar']);
    const webinar = up.find((s) => s.key === 'webinar')!;
    expect(webinar.ratio).toBeGreaterThan(1.5);
    expect(webinar.confidence).toBeGreaterThan(0.95);
  });

  it('rejects impossible counts naming the field', () => {
    expect(() => compareProportions({ successes: 5, trials: 3 }, { successes: 1, trials: 3 })).toThrow(/a\.successes/);
    expect(() => segmentUplift([{ key: 'x', successes: 1, trials: 2 }])).toThrow(/segments/);
  });
});
