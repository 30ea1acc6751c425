import type { ColumnKind, ColumnValues } from './encoder.ts';

/**
 * Single-column statistics of the leakage audit computed from ONE pass over a column: numbers are
 * split by class and each class sorted once (native typed-array sorts), categories are counted
 * per level once. Every AUC is then a Mann–Whitney U summed over tie groups, whose terms are
 * whole or half numbers, so each equals — to the last bit — the rank AUC of the per-row scores
 * the definitions describe (see leakage.ts; `column-signals.test.ts` checks this against them).
 */

export const MISSING_LEVEL = '(empty)';

export function levelOf(v: unknown): string {
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

/**
 * AUC of rows scored by groups: group g has `pos[g]` positive and `count[g] − pos[g]` negative
 * rows, all scored `score[g]`. Equal scores tie (½). NaN when a class is absent.
 */
function aucOfGroups(score: ArrayLike<number>, count: ArrayLike<number>, pos: ArrayLike<number>): number {
  const order: number[] = [];
  let positives = 0;
  let total = 0;
  for (let g = 0; g < count.length; g++) {
    if (count[g] === 0) continue;
    order.push(g);
    positives += pos[g];
    total += count[g];
  }
  const negatives = total - positives;
  if (positives === 0 || negatives === 0) return Number.NaN;
  order.sort((a, b) => score[a] - score[b]);
  let u = 0;
  let below = 0;
  for (let k = 0; k < order.length; ) {
    let p = 0;
    let q = 0;
    let m = k;
    while (m < order.length && score[order[m]] === score[order[k]]) {
      p += pos[order[m]];
      q += count[order[m]] - pos[order[m]];
      m++;
    }
    u += p * (below + 0.5 * q);
    below += q;
    k = m;
  }
  return u / (positives * negatives);
}

/** Rows scored by their group's conversion rate (groups rarer than `minCount` pooled into one rate), as an AUC. */
export function groupRateAuc(count: ArrayLike<number>, pos: ArrayLike<number>, minCount: number): number {
  let rareN = 0;
  let rareP = 0;
  for (let g = 0; g < count.length; g++) {
    if (count[g] < minCount) {
      rareN += count[g];
      rareP += pos[g];
    }
  }
  const score = new Float64Array(count.length);
  for (let g = 0; g < count.length; g++) score[g] = count[g] < minCount ? rareP / rareN : pos[g] / count[g];
  return aucOfGroups(score, count, pos);
}

/** AUC of "is this cell empty?" from the empty and filled rows' counts. */
export function flagAuc(empty: number, emptyPos: number, filled: number, filledPos: number): number {
  return aucOfGroups([1, 0], [empty, filled], [emptyPos, filledPos]);
}

/** Index of the first entry of the ascending array `s` that is ≥ x (or > x when `strict`). */
function lowerBound(s: Float64Array, x: number, strict = false): number {
  let lo = 0;
  let hi = s.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (s[mid] < x || (strict && s[mid] === x)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** A numeric column split by class, each part sorted ascending, missing (NaN) rows counted apart. */
export interface SortedNumbers {
  pos: Float64Array;
  neg: Float64Array;
  missingPos: number;
  missingNeg: number;
}

export function sortNumbers(values: ColumnValues, y: ArrayLike<number>): SortedNumbers {
  const n = y.length;
  const x = values instanceof Float64Array ? values : Float64Array.from({ length: n }, (_, i) => numberOf(values[i]));
  let positives = 0;
  let missingPos = 0;
  let missingNeg = 0;
  for (let i = 0; i < n; i++) {
    if (y[i] === 1) positives++;
    if (Number.isNaN(x[i])) {
      if (y[i] === 1) missingPos++;
      else missingNeg++;
    }
  }
  const pos = new Float64Array(positives - missingPos);
  const neg = new Float64Array(n - positives - missingNeg);
  let p = 0;
  let q = 0;
  for (let i = 0; i < n; i++) {
    if (Number.isNaN(x[i])) continue;
    if (y[i] === 1) pos[p++] = x[i];
    else neg[q++] = x[i];
  }
  return { pos: pos.sort(), neg: neg.sort(), missingPos, missingNeg };
}

/** Mann–Whitney U of the filled values (positive beats negative; ties ½), by merging the two sorted classes. */
function filledU(s: SortedNumbers): number {
  const { pos, neg } = s;
  let u = 0;
  let below = 0;
  for (let k = 0; k < pos.length; ) {
    const v = pos[k];
    while (below < neg.length && neg[below] < v) below++;
    let equal = below;
    while (equal < neg.length && neg[equal] === v) equal++;
    let m = k;
    while (m < pos.length && pos[m] === v) m++;
    u += (m - k) * (below + 0.5 * (equal - below));
    k = m;
  }
  return u;
}

/**
 * AUCs of the values with every missing row placed at `at` (−MAX_VALUE: missing ranks lowest;
 * +MAX_VALUE: highest), for each `at`. NaN when a class is absent.
 */
export function aucsWithMissingAt(s: SortedNumbers, at: readonly number[]): number[] {
  const positives = s.pos.length + s.missingPos;
  const negatives = s.neg.length + s.missingNeg;
  if (positives === 0 || negatives === 0) return at.map(() => Number.NaN);
  const base = filledU(s);
  return at.map((v) => {
    const negBelow = lowerBound(s.neg, v);
    const negEqual = lowerBound(s.neg, v, true) - negBelow;
    const posBelow = lowerBound(s.pos, v);
    const posEqual = lowerBound(s.pos, v, true) - posBelow;
    const posAbove = s.pos.length - posBelow - posEqual;
    const u =
      base +
      s.missingPos * (negBelow + 0.5 * negEqual) + // missing positives against filled negatives
      s.missingNeg * (posAbove + 0.5 * posEqual) + // filled positives against missing negatives
      0.5 * s.missingPos * s.missingNeg;
    return u / (positives * negatives);
  });
}

/**
 * About `bins` quantile bins of the filled values (equal size, a bin only ends where the value
 * changes) plus one bin for the missing rows: each bin's rows and positives.
 */
export function quantileBinCounts(s: SortedNumbers, bins: number): { count: Float64Array; pos: Float64Array } {
  const filled = s.pos.length + s.neg.length;
  const size = Math.max(1, Math.ceil(filled / bins));
  const count: number[] = [0];
  const pos: number[] = [0];
  let g = 0;
  let inBin = 0;
  let prev = Number.NaN;
  let i = 0;
  let j = 0;
  for (let k = 0; k < filled; k++) {
    const fromPos = j >= s.neg.length || (i < s.pos.length && s.pos[i] <= s.neg[j]);
    const v = fromPos ? s.pos[i++] : s.neg[j++];
    if (inBin >= size && v !== prev) {
      g++;
      inBin = 0;
      count.push(0);
      pos.push(0);
    }
    count[g]++;
    if (fromPos) pos[g]++;
    inBin++;
    prev = v;
  }
  count.push(s.missingPos + s.missingNeg);
  pos.push(s.missingPos);
  return { count: Float64Array.from(count), pos: Float64Array.from(pos) };
}

/** Each level's rows and positives, levels in order of first appearance (missing cells are MISSING_LEVEL). */
export function levelCounts(values: ColumnValues, y: ArrayLike<number>): { levels: string[]; count: Float64Array; pos: Float64Array } {
  const ids = new Map<string, number>();
  const count: number[] = [];
  const pos: number[] = [];
  for (let i = 0; i < y.length; i++) {
    const level = levelOf(values[i]);
    let id = ids.get(level);
    if (id === undefined) {
      ids.set(level, (id = ids.size));
      count.push(0);
      pos.push(0);
    }
    count[id]++;
    pos[id] += y[i];
  }
  return { levels: [...ids.keys()], count: Float64Array.from(count), pos: Float64Array.from(pos) };
}

export type { ColumnKind };
