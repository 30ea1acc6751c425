import type { ColumnKind, ColumnValues } from './encoder.ts';
import { rocAuc } from './metrics.ts';

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

const MISSING_LEVEL = '(empty)';

function levelOf(v: unknown): string {
  if (v == null || (typeof v === 'number' && Number.isNaN(v))) return MISSING_LEVEL;
  const s = String(v).trim();
  return s === '' ? MISSING_LEVEL : s;
}

export function numberOf(v: unknown): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (typeof v === 'string' && v.trim() !== '') return Number(v);
  return Number.NaN;
}

/** Scores rows by their group's conversion rate (groups rarer than `minCount` pooled), then AUC. */
function groupRateAuc(groups: ArrayLike<number>, groupCount: number, y: ArrayLike<number>, minCount: number): number {
  const count = new Float64Array(groupCount);
  const pos = new Float64Array(groupCount);
  for (let i = 0; i < y.length; i++) {
    count[groups[i]]++;
    pos[groups[i]] += y[i];
  }
  let rareN = 0;
  let rareP = 0;
  for (let g = 0; g < groupCount; g++) {
    if (count[g] < minCount) {
      rareN += count[g];
      rareP += pos[g];
    }
  }
  const score = new Float64Array(y.length);
  for (let i = 0; i < y.length; i++) {
    const g = groups[i];
    score[i] = count[g] < minCount ? rareP / rareN : pos[g] / count[g];
  }
  return rocAuc(y, score);
}

/** Quantile bins (about `bins` of equal size, ties kept together); missing values get their own bin. */
function quantileBins(x: Float64Array, bins: number): { groups: Int32Array; count: number } {
  const order = Array.from({ length: x.length }, (_, i) => i).filter((i) => !Number.isNaN(x[i]));
  order.sort((a, b) => x[a] - x[b]);
  const groups = new Int32Array(x.length).fill(-1);
  const size = Math.max(1, Math.ceil(order.length / bins));
  let g = 0;
  let inBin = 0;
  for (let k = 0; k < order.length; k++) {
    if (inBin >= size && x[order[k]] !== x[order[k - 1]]) {
      g++;
      inBin = 0;
    }
    groups[order[k]] = g;
    inBin++;
  }
  const count = g + 2;
  for (let i = 0; i < x.length; i++) if (groups[i] < 0) groups[i] = count - 1;
  return { groups, count };
}

/**
 * AUC of one column used alone, as the stronger of two readings: numbers ranked by value with
 * missing values tried at both ends (a field only filled for won deals is as leaky as its
 * values) and numbers cut into ~10 quantile bins scored by each bin's conversion rate (catches a
 * non-monotone relation, e.g. a call length that is short for both "no" and "no answer");
 * categories rank by each level's conversion rate, levels rarer than `minCount` pooled.
 */
export function singleColumnAuc(kind: ColumnKind, values: ColumnValues, y: ArrayLike<number>, minCount = 10): number {
  const n = y.length;
  if (kind === 'categorical') {
    const ids = new Map<string, number>();
    const groups = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      const level = levelOf(values[i]);
      let id = ids.get(level);
      if (id === undefined) ids.set(level, (id = ids.size));
      groups[i] = id;
    }
    return groupRateAuc(groups, ids.size, y, minCount);
  }
  const x = new Float64Array(n);
  const low = new Float64Array(n);
  const high = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    x[i] = numberOf(values[i]);
    low[i] = Number.isNaN(x[i]) ? -Number.MAX_VALUE : x[i];
    high[i] = Number.isNaN(x[i]) ? Number.MAX_VALUE : x[i];
  }
  const candidates = [rocAuc(y, low), rocAuc(y, high)];
  if (n >= 200) {
    const { groups, count } = quantileBins(x, 10);
    candidates.push(groupRateAuc(groups, count, y, Math.max(minCount, Math.ceil(n / 50))));
  }
  return candidates.reduce((best, a) => (Math.abs(a - 0.5) > Math.abs(best - 0.5) ? a : best));
}

/** AUC of "is this cell empty?" alone; NaN when the column is (almost) always or never empty. */
export function missingnessAuc(kind: ColumnKind, values: ColumnValues, y: ArrayLike<number>): { auc: number; share: number } {
  const n = y.length;
  const flag = new Float64Array(n);
  let missing = 0;
  for (let i = 0; i < n; i++) {
    const v = values[i];
    const empty = kind === 'categorical' ? levelOf(v) === MISSING_LEVEL : Number.isNaN(numberOf(v));
    flag[i] = empty ? 1 : 0;
    missing += flag[i];
  }
  const share = missing / Math.max(1, n);
  if (share < 0.05 || share > 0.95) return { auc: Number.NaN, share };
  return { auc: rocAuc(y, flag), share };
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
  const n = y.length;
  let positives = 0;
  for (let i = 0; i < n; i++) positives += y[i];
  const base = positives / n;
  if (base < 0.05 || base > 0.95) return [];
  const stats = new Map<string, [number, number]>();
  for (let i = 0; i < n; i++) {
    const level = levelOf(values[i]);
    const s = stats.get(level) ?? [0, 0];
    s[0]++;
    s[1] += y[i];
    stats.set(level, s);
  }
  const maxChance = Math.log(0.001);
  return [...stats]
    .filter(([, [count, pos]]) => {
      if (count < minRows) return false;
      const rate = pos / count;
      if (rate <= 0.01) return logBinomialCdf(pos, count, base) < maxChance;
      if (rate >= 0.99) return logBinomialCdf(count - pos, count, 1 - base) < maxChance;
      return false;
    })
    .sort((a, b) => b[1][0] - a[1][0])
    .slice(0, 3)
    .map(([level, [count, pos]]) => ({ level, rows: count, rate: pos / count }));
}

/** Share of a date column's filled values that are later than the row's own time (both in epoch days). */
export function afterTimeShare(values: ColumnValues, times: ArrayLike<number>): { share: number; rows: number } {
  let present = 0;
  let after = 0;
  for (let i = 0; i < times.length; i++) {
    const v = numberOf(values[i]);
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
