import { holmAdjust, normalQuantile, twoSidedP } from './distributions.ts';
import { StatsError } from './stats-error.ts';

export interface Proportion {
  successes: number;
  trials: number;
}

export interface ProportionComparison {
  rateA: number;
  rateB: number;
  /** rateA − rateB. */
  difference: number;
  /** Newcombe hybrid-score interval of the difference at `level`. */
  low: number;
  high: number;
  /** rateA / rateB (Infinity when B never succeeds). */
  ratio: number;
  z: number;
  pValue: number;
  level: number;
}

function checkProportion(field: string, p: Proportion): void {
  if (!Number.isInteger(p.trials) || p.trials < 1) throw new StatsError(`${field}.trials`, 'must be a whole number ≥ 1');
  if (!Number.isInteger(p.successes) || p.successes < 0 || p.successes > p.trials) {
    throw new StatsError(`${field}.successes`, `must be a whole number between 0 and trials (${p.trials})`);
  }
}

/** Wilson score interval: well-behaved for small samples and rates near 0 or 1. */
export function wilsonInterval(p: Proportion, level = 0.95): { low: number; high: number } {
  checkProportion('proportion', p);
  const z = normalQuantile(1 - (1 - level) / 2);
  const n = p.trials;
  const phat = p.successes / n;
  const denom = 1 + (z * z) / n;
  const centre = (phat + (z * z) / (2 * n)) / denom;
  const half = (z * Math.sqrt((phat * (1 - phat)) / n + (z * z) / (4 * n * n))) / denom;
  return { low: Math.max(0, centre - half), high: Math.min(1, centre + half) };
}

/** Two-proportion z-test (pooled) with a Newcombe interval for the difference. */
export function compareProportions(a: Proportion, b: Proportion, level = 0.95): ProportionComparison {
  checkProportion('a', a);
  checkProportion('b', b);
  if (!(level > 0 && level < 1)) throw new StatsError('level', 'must be between 0 and 1');
  const rateA = a.successes / a.trials;
  const rateB = b.successes / b.trials;
  const pooled = (a.successes + b.successes) / (a.trials + b.trials);
  const se = Math.sqrt(pooled * (1 - pooled) * (1 / a.trials + 1 / b.trials));
  const z = se > 0 ? (rateA - rateB) / se : 0;
  const wa = wilsonInterval(a, level);
  const wb = wilsonInterval(b, level);
  const d = rateA - rateB;
  const low = d - Math.sqrt((rateA - wa.low) ** 2 + (wb.high - rateB) ** 2);
  const high = d + Math.sqrt((wa.high - rateA) ** 2 + (rateB - wb.low) ** 2);
  return { rateA, rateB, difference: d, low, high, ratio: rateB > 0 ? rateA / rateB : Infinity, z, pValue: se > 0 ? twoSidedP(z) : 1, level };
}

/**
 * Exact-ish permutation test of "A's rate differs from B's" for small samples where the normal
 * approximation is doubtful: shuffles the pooled outcomes `rounds` times with the given random source.
 */
export function permutationTest(a: Proportion, b: Proportion, random: () => number, rounds = 5000): number {
  checkProportion('a', a);
  checkProportion('b', b);
  const total = a.trials + b.trials;
  const successes = a.successes + b.successes;
  const observed = Math.abs(a.successes / a.trials - b.successes / b.trials);
  let extreme = 0;
  for (let r = 0; r < rounds; r++) {
    // Drawing A's successes without replacement from the pooled urn is the same as a shuffle.
    let left = successes;
    let remaining = total;
    let inA = 0;
    for (let i = 0; i < a.trials; i++) {
      if (random() < left / remaining) {
        inA++;
        left--;
      }
      remaining--;
    }
    const diff = Math.abs(inA / a.trials - (successes - inA) / b.trials);
    if (diff >= observed - 1e-12) extreme++;
  }
  return (extreme + 1) / (rounds + 1);
}

export interface SegmentInput extends Proportion {
  key: string;
}

export interface SegmentUplift extends ProportionComparison {
  key: string;
  trials: number;
  successes: number;
  /** Holm-adjusted p-value over all segments compared in one call. */
  adjustedP: number;
  /** 1 − adjustedP: how sure we are the segment really differs from the rest. */
  confidence: number;
}

/**
 * Each segment against everyone else (rate ratio, difference with CI, p-value), Holm-adjusted
 * because looking at ten sources at once makes one of them look special by chance.
 */
export function segmentUplift(segments: readonly SegmentInput[], level = 0.95): SegmentUplift[] {
  if (segments.length < 2) throw new StatsError('segments', 'needs at least two segments to compare');
  const totalS = segments.reduce((s, x) => s + x.successes, 0);
  const totalN = segments.reduce((s, x) => s + x.trials, 0);
  const raw = segments.map((seg) => {
    const rest = { successes: totalS - seg.successes, trials: totalN - seg.trials };
    if (rest.trials < 1) throw new StatsError('segments', `segment ${seg.key} holds every trial; nothing to compare against`);
    return { seg, cmp: compareProportions(seg, rest, level) };
  });
  const adjusted = holmAdjust(raw.map((r) => r.cmp.pValue));
  return raw.map(({ seg, cmp }, i) => ({ ...cmp, key: seg.key, trials: seg.trials, successes: seg.successes, adjustedP: adjusted[i], confidence: 1 - adjusted[i] }));
}
