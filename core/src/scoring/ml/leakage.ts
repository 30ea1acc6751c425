import type { ColumnKind, ColumnValues } from './encoder.ts';
import { rocAuc } from './metrics.ts';

export interface LeakageWarning {
  column: string;
  /** A sentence for the user. */
  reason: string;
  kind: 'single_column_auc' | 'pure_level';
  auc?: number;
  level?: string;
  rows?: number;
  rate?: number;
}

export interface LeakageColumn {
  name: string;
  kind: ColumnKind;
  values: ColumnValues;
}

export interface LeakageOptions {
  /** A column alone with AUC ≥ this (or ≤ 1 − this) is flagged. Default 0.97. */
  aucThreshold?: number;
  /** Levels need this many rows to be judged. Default 30. */
  minLevelRows?: number;
  /** A level converting ≤ this or ≥ 1 − this is "pure". Default 0.01. */
  pureRate?: number;
  /** Pure levels are only meaningful when the base rate is inside [this, 1 − this]. Default 0.05. */
  baseRateBounds?: number;
  /** ...and when a rate that extreme would arise by chance with probability below this. Default 0.001. */
  maxChance?: number;
}

const MISSING_LEVEL = '(empty)';

function levelOf(v: unknown): string {
  if (v == null || (typeof v === 'number' && Number.isNaN(v))) return MISSING_LEVEL;
  const s = String(v).trim();
  return s === '' ? MISSING_LEVEL : s;
}

function numberOf(v: unknown): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (typeof v === 'string' && v.trim() !== '') return Number(v);
  return Number.NaN;
}

/**
 * AUC of one column used alone. Numbers rank by value with missing values tried at both ends
 * (a field that is only filled for won deals is as leaky as its values); categories rank by each
 * level's conversion rate, levels rarer than `minCount` pooled.
 */
export function singleColumnAuc(kind: ColumnKind, values: ColumnValues, y: ArrayLike<number>, minCount = 10): number {
  const n = y.length;
  if (kind === 'categorical') {
    const stats = new Map<string, [number, number]>();
    const levels: string[] = new Array(n);
    for (let i = 0; i < n; i++) {
      levels[i] = levelOf(values[i]);
      const s = stats.get(levels[i]) ?? [0, 0];
      s[0]++;
      s[1] += y[i];
      stats.set(levels[i], s);
    }
    let rareN = 0;
    let rareP = 0;
    for (const [c, p] of stats.values()) {
      if (c < minCount) {
        rareN += c;
        rareP += p;
      }
    }
    const score = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const [c, p] = stats.get(levels[i])!;
      score[i] = c < minCount ? rareP / rareN : p / c;
    }
    return rocAuc(y, score);
  }
  const low = new Float64Array(n);
  const high = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const v = numberOf(values[i]);
    low[i] = Number.isNaN(v) ? -Number.MAX_VALUE : v;
    high[i] = Number.isNaN(v) ? Number.MAX_VALUE : v;
  }
  const a = rocAuc(y, low);
  const b = rocAuc(y, high);
  return Math.abs(a - 0.5) >= Math.abs(b - 0.5) ? a : b;
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

const pct = (x: number): string => `${(x * 100).toFixed(1)}%`;

/**
 * Columns that look filled in after the outcome: a column that alone predicts the outcome almost
 * perfectly, or a level (≥ 30 rows) that converts ~0% or ~100% while the overall base rate is
 * moderate. The level rule also asks that such a rate be implausible by chance (binomial tail
 * < 0.001), so an honest level with 30 rows and a 5% base rate is not accused. Warnings name
 * columns; nothing is dropped automatically.
 */
export function detectLeakage(columns: readonly LeakageColumn[], y: ArrayLike<number>, options: LeakageOptions = {}): LeakageWarning[] {
  const aucThreshold = options.aucThreshold ?? 0.97;
  const minRows = options.minLevelRows ?? 30;
  const pure = options.pureRate ?? 0.01;
  const bounds = options.baseRateBounds ?? 0.05;
  const maxChance = Math.log(options.maxChance ?? 0.001);
  const n = y.length;
  let positives = 0;
  for (let i = 0; i < n; i++) positives += y[i];
  const base = positives / n;
  const warnings: LeakageWarning[] = [];
  for (const col of columns) {
    const auc = singleColumnAuc(col.kind, col.values, y, Math.max(10, Math.ceil(0.01 * n)));
    if (auc >= aucThreshold || auc <= 1 - aucThreshold) {
      warnings.push({
        column: col.name,
        kind: 'single_column_auc',
        auc,
        reason: `"${col.name}" alone predicts the outcome almost perfectly (AUC ${auc.toFixed(3)}${auc < 0.5 ? ', inverted' : ''}). It is probably filled in after the outcome is known; exclude it unless its value exists when a lead is scored.`,
      });
      continue;
    }
    if (col.kind === 'numeric' || base < bounds || base > 1 - bounds) continue;
    const stats = new Map<string, [number, number]>();
    for (let i = 0; i < n; i++) {
      const level = levelOf(col.values[i]);
      const s = stats.get(level) ?? [0, 0];
      s[0]++;
      s[1] += y[i];
      stats.set(level, s);
    }
    const flagged = [...stats]
      .filter(([, [count, pos]]) => {
        if (count < minRows) return false;
        const rate = pos / count;
        if (rate <= pure) return logBinomialCdf(pos, count, base) < maxChance;
        if (rate >= 1 - pure) return logBinomialCdf(count - pos, count, 1 - base) < maxChance;
        return false;
      })
      .sort((a, b) => b[1][0] - a[1][0])
      .slice(0, 3);
    for (const [level, [count, pos]] of flagged) {
      const rate = pos / count;
      warnings.push({
        column: col.name,
        kind: 'pure_level',
        level,
        rows: count,
        rate,
        reason: `Rows with "${col.name}" = "${level}" (${count} rows) convert ${pct(rate)} against an overall ${pct(base)}. That value is probably set once the outcome is known; check that "${col.name}" exists when a lead is scored.`,
      });
    }
  }
  return warnings;
}
