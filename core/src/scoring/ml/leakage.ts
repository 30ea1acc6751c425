import { aucsWithMissingAt, flagAuc, groupRateAuc, levelCounts, MISSING_LEVEL, numberOf, quantileBinCounts, sortNumbers } from './column-signals.ts';
import type { ColumnKind, ColumnValues } from './encoder.ts';

export { numberOf };

/**
 * Evidence that a column holds information recorded after the outcome. Strong signals flag a
 * column on their own; moderate ones need a second signal (another moderate one, or a name
 * that usually means "after the fact"); the name alone never flags anything.
 */
export type LeakageSignalKind =
  | 'single_column_auc'
  | 'pure_level'
  | 'missingness'
  | 'after_time'
  | 'importance'
  | 'drop_column'
  | 'name';

export interface LeakageEvidence {
  kind: LeakageSignalKind;
  strength: 'strong' | 'moderate' | 'weak';
  /** A sentence with the numbers. */
  detail: string;
  value?: number;
}

export interface LeakageWarning {
  column: string;
  /** The strongest signal, which names the kind of leak. */
  kind: LeakageSignalKind;
  /** A sentence for the user: what was seen. */
  reason: string;
  /** What to do about it. */
  fix: string;
  evidence: LeakageEvidence[];
  /** The user said the column is known at scoring time (`--keep`): warned about, never dropped. */
  kept?: boolean;
  auc?: number;
  level?: string;
  rows?: number;
  rate?: number;
}

export interface LeakageColumn {
  name: string;
  kind: ColumnKind;
  values: ColumnValues;
  /** Dates (epoch days) can be compared with the time column. */
  isDate?: boolean;
}

/**
 * The audit's three single-column signals of one column, from one sort (numbers) or one count of
 * levels (categories): its AUC alone, the AUC of its emptiness, and (categories) its pure levels.
 */
export interface ColumnSignals {
  auc: number;
  missing: { auc: number; share: number };
  pure: PureLevel[];
}

export function columnSignals(kind: ColumnKind, values: ColumnValues, y: ArrayLike<number>, minCount = 10, pureMinRows = 30): ColumnSignals {
  const n = y.length;
  if (kind === 'categorical') {
    const { levels, count, pos } = levelCounts(values, y);
    const empty = levels.indexOf(MISSING_LEVEL);
    const emptyRows = empty < 0 ? 0 : count[empty];
    const emptyPos = empty < 0 ? 0 : pos[empty];
    let positives = 0;
    for (let g = 0; g < pos.length; g++) positives += pos[g];
    return {
      auc: groupRateAuc(count, pos, minCount),
      missing: missingness(emptyRows, emptyPos, n, positives),
      pure: pureOf(levels, count, pos, n, positives, pureMinRows),
    };
  }
  const sorted = sortNumbers(values, y);
  // Missing values tried at both ends (a field only filled for won deals is as leaky as its values).
  const candidates = aucsWithMissingAt(sorted, [-Number.MAX_VALUE, Number.MAX_VALUE]);
  if (n >= 200) {
    const { count, pos } = quantileBinCounts(sorted, 10);
    candidates.push(groupRateAuc(count, pos, Math.max(minCount, Math.ceil(n / 50))));
  }
  const positives = sorted.pos.length + sorted.missingPos;
  return {
    auc: candidates.reduce((best, a) => (Math.abs(a - 0.5) > Math.abs(best - 0.5) ? a : best)),
    missing: missingness(sorted.missingPos + sorted.missingNeg, sorted.missingPos, n, positives),
    pure: [],
  };
}

function missingness(empty: number, emptyPos: number, n: number, positives: number): { auc: number; share: number } {
  const share = empty / Math.max(1, n);
  if (share < 0.05 || share > 0.95) return { auc: Number.NaN, share };
  return { auc: flagAuc(empty, emptyPos, n - empty, positives - emptyPos), share };
}

/**
 * AUC of one column used alone, as the stronger of two readings: numbers ranked by value with
 * missing values tried at both ends (a field only filled for won deals is as leaky as its
 * values) and numbers cut into ~10 quantile bins scored by each bin's conversion rate (catches a
 * non-monotone relation, e.g. a call length that is short for both "no" and "no answer");
 * categories rank by each level's conversion rate, levels rarer than `minCount` pooled.
 */
export function singleColumnAuc(kind: ColumnKind, values: ColumnValues, y: ArrayLike<number>, minCount = 10): number {
  return columnSignals(kind, values, y, minCount).auc;
}

/** AUC of "is this cell empty?" alone; NaN when the column is (almost) always or never empty. */
export function missingnessAuc(kind: ColumnKind, values: ColumnValues, y: ArrayLike<number>): { auc: number; share: number } {
  return columnSignals(kind, values, y).missing;
}

/** log P(X ≤ k) for X ~ Binomial(n, p), summed in log space (k is small here). */
function logBinomialCdf(k: number, n: number, p: number): number {
  if (p <= 0) return 0;
  if (p >= 1) return k >= n ? 0 : Number.NEGATIVE_INFINITY;
  let logTerm = n * Math.log1p(-p); // P(X = 0)
  let total = logTerm;
  for (let j = 1; j <= k; j++) {
    logTerm += Math.log((n - j + 1) / j) + Math.log(p) - Math.log1p(-p);
    total = Math.max(total, logTerm) + Math.log1p(Math.exp(-Math.abs(total - logTerm)));
  }
  return total;
}

export interface PureLevel {
  level: string;
  rows: number;
  rate: number;
}

/**
 * Levels (≥ `minRows` rows) converting ≤ 1% or ≥ 99% while the base rate is moderate (5–95%),
 * at a rate that would arise by chance with probability below 0.001 (binomial tail), so an
 * honest 30-row level at a 5% base rate is not accused. Largest three.
 */
export function pureLevels(values: ColumnValues, y: ArrayLike<number>, minRows = 30): PureLevel[] {
  const { levels, count, pos } = levelCounts(values, y);
  let positives = 0;
  for (let g = 0; g < pos.length; g++) positives += pos[g];
  return pureOf(levels, count, pos, y.length, positives, minRows);
}

function pureOf(levels: readonly string[], count: Float64Array, pos: Float64Array, n: number, positives: number, minRows: number): PureLevel[] {
  const base = positives / n;
  if (base < 0.05 || base > 0.95) return [];
  const maxChance = Math.log(0.001);
  return levels
    .map((level, g) => ({ level, rows: count[g], rate: pos[g] / count[g], positives: pos[g] }))
    .filter(({ rows, positives: p, rate }) => {
      if (rows < minRows) return false;
      if (rate <= 0.01) return logBinomialCdf(p, rows, base) < maxChance;
      if (rate >= 0.99) return logBinomialCdf(rows - p, rows, 1 - base) < maxChance;
      return false;
    })
    .sort((a, b) => b.rows - a.rows)
    .slice(0, 3)
    .map(({ level, rows, rate }) => ({ level, rows, rate }));
}

/** Share of a date column's filled values that are later than the row's own time (both in epoch days). */
export function afterTimeShare(values: ColumnValues, times: ArrayLike<number>): { share: number; rows: number } {
  let present = 0;
  let after = 0;
  const numberAt = (i: number): number => (values instanceof Float64Array ? values[i] : numberOf(values[i]));
  for (let i = 0; i < times.length; i++) {
    const v = numberAt(i);
    if (Number.isNaN(v) || Number.isNaN(times[i])) continue;
    present++;
    // A day's grace: a time-of-day in one column and a bare date in the other is not "after".
    if (v > times[i] + 1) after++;
  }
  return { share: present === 0 ? 0 : after / present, rows: present };
}

/** Names that usually mean "known only after the outcome": a weak signal that never flags alone. */
const AFTER_THE_FACT =
  /(duration|length of call|call length|last[ _-]?(activity|contact|touch|modified|updated|notable)|stage|status|tags?\b|quality|rating|grade|reason|\bwon\b|\blost\b|closed?|outcome|result|converted|churn|cancel|renewal|refund)/i;

export function afterTheFactName(name: string): boolean {
  return AFTER_THE_FACT.test(name);
}
