import { mad, median, normalQuantile } from './distributions.ts';
import { requireFinite, StatsError } from './stats-error.ts';

export interface AnomalyPoint {
  index: number;
  value: number;
  /** trend + seasonal: what the point "should" have been. */
  expected: number;
  /** Robust z-score of the remainder. */
  score: number;
  direction: 'HIGH' | 'LOW';
}

export interface AnomalyResult {
  scores: number[];
  expected: number[];
  anomalies: AnomalyPoint[];
  /** The |score| above which a point is flagged (depends on the series length, see `familyAlpha`). */
  threshold: number;
  /** Robust scale of the remainder the scores are divided by. */
  scale: number;
}

export interface AnomalyOptions {
  /** Season length in steps (7 for daily data with a weekly cycle); 1 = no seasonality. */
  period?: number;
  /**
   * Chance of flagging at least one point in a series with no anomaly, if remainders were normal.
   * The per-point threshold is Bonferroni-corrected for the series length so long flat series stay quiet.
   */
  familyAlpha?: number;
  /** Lower bound on the remainder scale, e.g. sqrt(level) for small counts where the MAD can be 0. */
  minScale?: number;
}

/**
 * Centred rolling median that leaves the point itself out: with the point inside, the median
 * often IS the point, so remainders pile up at zero and the MAD (and every threshold) shrinks.
 */
function rollingMedianLoo(xs: ArrayLike<number>, half: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < xs.length; i++) {
    // At the ends the window slides inwards instead of shrinking, so it still holds every phase
    // of the season equally often and a weekend does not drag the trend down.
    const lo = Math.max(0, Math.min(i - half, xs.length - 2 * half - 1));
    const window: number[] = [];
    for (let j = lo; j < Math.min(xs.length, lo + 2 * half + 1); j++) if (j !== i) window.push(xs[j]);
    out.push(median(window));
  }
  return out;
}

/**
 * Seasonality-aware robust anomaly scores ("STL-lite"): trend = centred rolling median over two
 * seasons, seasonal = median of the detrended values per phase, remainder = value − trend −
 * seasonal, score = remainder / (1.4826 · MAD). Medians everywhere, so the spike being looked for
 * does not inflate the baseline that is supposed to expose it.
 */
export function detectAnomalies(series: ArrayLike<number>, options: AnomalyOptions = {}): AnomalyResult {
  const period = options.period ?? 1;
  if (!Number.isInteger(period) || period < 1) throw new StatsError('period', 'must be a whole number of steps ≥ 1');
  requireFinite('series', series, Math.max(8, 3 * period));
  const familyAlpha = options.familyAlpha ?? 0.01;
  if (!(familyAlpha > 0 && familyAlpha < 1)) throw new StatsError('familyAlpha', 'must be between 0 and 1');
  const n = series.length;
  // 2·period neighbours = every phase exactly twice once the point itself is left out.
  const half = period > 1 ? period : 3;
  const trend = rollingMedianLoo(series, half);
  const detrended = Array.from({ length: n }, (_, i) => series[i] - trend[i]);
  // Seasonal effect per point = median of the other detrended values of its phase (leave-one-out
  // again, for the same reason as the trend), re-centred so the seasonal part sums to ~0.
  const seasonalAt = new Array<number>(n).fill(0);
  if (period > 1) {
    const phaseMedians: number[] = [];
    for (let p = 0; p < period; p++) {
      const idx: number[] = [];
      for (let i = p; i < n; i += period) idx.push(i);
      phaseMedians.push(median(idx.map((i) => detrended[i])));
      for (const i of idx) seasonalAt[i] = median(idx.filter((j) => j !== i).map((j) => detrended[j]));
    }
    const centre = median(phaseMedians);
    for (let i = 0; i < n; i++) seasonalAt[i] -= centre;
  }
  const expected = Array.from({ length: n }, (_, i) => trend[i] + seasonalAt[i]);
  const remainder = Array.from({ length: n }, (_, i) => series[i] - expected[i]);
  const centre = median(remainder);
  const scale = Math.max(1.4826 * mad(remainder, centre), options.minScale ?? 0, 1e-9);
  const scores = remainder.map((r) => (r - centre) / scale);
  const threshold = normalQuantile(1 - familyAlpha / (2 * n));
  const anomalies: AnomalyPoint[] = [];
  scores.forEach((score, index) => {
    if (Math.abs(score) > threshold) {
      anomalies.push({ index, value: series[index], expected: expected[index], score, direction: score > 0 ? 'HIGH' : 'LOW' });
    }
  });
  return { scores, expected, anomalies, threshold, scale };
}
