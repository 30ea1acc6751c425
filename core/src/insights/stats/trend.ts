import { median, normalQuantile, twoSidedP } from './distributions.ts';
import { requireFinite, StatsError } from './stats-error.ts';

export type TrendDirection = 'UP' | 'DOWN' | 'STABLE';

export interface TrendTest {
  /** Mann–Kendall S statistic: concordant minus discordant pairs. */
  s: number;
  /** Normal approximation of S with the tie-corrected variance and continuity correction. */
  z: number;
  pValue: number;
  /** Kendall's tau-a: S over the number of pairs, in [-1, 1]. */
  tau: number;
  /** Sen's slope: median of pairwise slopes, in units per step. */
  slope: number;
  /** Confidence interval of Sen's slope (Gilbert 1987) at `level`. */
  slopeLow: number;
  slopeHigh: number;
  level: number;
  direction: TrendDirection;
  n: number;
}

/**
 * Mann–Kendall test for a monotonic trend with Sen's slope. Non-parametric: no normality, robust to
 * outliers, so a single spike does not make a trend. `direction` is UP/DOWN only when the two-sided
 * p-value is below `alpha`. O(n²) pairs, fine for the few hundred points of a daily or weekly series.
 */
export function mannKendall(series: ArrayLike<number>, options: { alpha?: number; level?: number } = {}): TrendTest {
  requireFinite('series', series, 4);
  const alpha = options.alpha ?? 0.05;
  const level = options.level ?? 0.95;
  if (!(alpha > 0 && alpha < 1)) throw new StatsError('alpha', 'must be between 0 and 1');
  if (!(level > 0 && level < 1)) throw new StatsError('level', 'must be between 0 and 1');
  const n = series.length;
  let s = 0;
  const slopes: number[] = [];
  for (let i = 0; i < n - 1; i++) {
    for (let j = i + 1; j < n; j++) {
      const d = series[j] - series[i];
      s += Math.sign(d);
      slopes.push(d / (j - i));
    }
  }
  const ties = new Map<number, number>();
  for (let i = 0; i < n; i++) ties.set(series[i], (ties.get(series[i]) ?? 0) + 1);
  let tieTerm = 0;
  for (const t of ties.values()) tieTerm += t * (t - 1) * (2 * t + 5);
  const variance = (n * (n - 1) * (2 * n + 5) - tieTerm) / 18;
  const z = variance <= 0 ? 0 : s > 0 ? (s - 1) / Math.sqrt(variance) : s < 0 ? (s + 1) / Math.sqrt(variance) : 0;
  const pValue = variance <= 0 ? 1 : twoSidedP(z);

  slopes.sort((a, b) => a - b);
  const pairs = slopes.length;
  const slope = median(slopes);
  // Ranks of the CI bounds among the ordered pairwise slopes.
  const c = normalQuantile(1 - (1 - level) / 2) * Math.sqrt(Math.max(variance, 0));
  const lowRank = Math.max(0, Math.floor((pairs - c) / 2) - 1);
  const highRank = Math.min(pairs - 1, Math.ceil((pairs + c) / 2));
  const direction: TrendDirection = pValue < alpha ? (s > 0 ? 'UP' : 'DOWN') : 'STABLE';
  return { s, z, pValue, tau: s / pairs, slope, slopeLow: slopes[lowRank], slopeHigh: slopes[highRank], level, direction, n };
}
