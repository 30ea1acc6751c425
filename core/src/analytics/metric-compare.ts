/**
 * Period-over-period tests that turn two numbers into the Metric's change, trend and confidence.
 * The trend is UP/DOWN only when the difference is significant at 5%; confidence is 1 − p.
 */
import { compareProportions, mannWhitney, median, twoSidedP } from '../insights/stats/index.ts';
import type { Metric, TrendDirection } from './analytics.schema.ts';

const ALPHA = 0.05;

type Compared = Pick<Metric, 'change' | 'trend' | 'confidence'>;

function direction(pValue: number, diff: number): TrendDirection {
  return pValue < ALPHA && diff !== 0 ? (diff > 0 ? 'UP' : 'DOWN') : 'STABLE';
}

function relative(now: number, before: number): number | undefined {
  return before !== 0 ? (now - before) / Math.abs(before) : undefined;
}

/** Counts over equal-length periods: conditional binomial test of now vs before (Poisson rates). */
export function compareCounts(now: number, before: number): Compared {
  const total = now + before;
  const z = total > 0 ? (now - before) / Math.sqrt(total) : 0;
  const p = total > 0 ? twoSidedP(z) : 1;
  return { change: relative(now, before), trend: direction(p, now - before), confidence: 1 - p };
}

export function compareRates(now: { successes: number; trials: number }, before: { successes: number; trials: number }): Compared {
  if (now.trials < 1 || before.trials < 1) return { change: undefined, trend: 'STABLE', confidence: 0 };
  const c = compareProportions(now, before);
  return { change: relative(c.rateA, c.rateB), trend: direction(c.pValue, c.difference), confidence: 1 - c.pValue };
}

/** Durations (days to close, hours to reply): rank test on the samples, change of the medians. */
export function compareSamples(now: number[], before: number[]): Compared {
  if (!now.length || !before.length) return { change: undefined, trend: 'STABLE', confidence: 0 };
  const t = mannWhitney(now, before);
  return { change: relative(median(now), median(before)), trend: direction(t.pValue, t.medianA - t.medianB), confidence: 1 - t.pValue };
}

/** Means with standard deviations (sentiment): Welch z. */
export function compareMeans(now: { n: number; mean: number; sd: number }, before: { n: number; mean: number; sd: number }): Compared {
  if (now.n < 2 || before.n < 2) return { change: undefined, trend: 'STABLE', confidence: 0 };
  const se = Math.sqrt(now.sd ** 2 / now.n + before.sd ** 2 / before.n);
  const p = se > 0 ? twoSidedP((now.mean - before.mean) / se) : 1;
  // Sentiment crosses zero, so an absolute change is the honest one here.
  return { change: now.mean - before.mean, trend: direction(p, now.mean - before.mean), confidence: 1 - p };
}
