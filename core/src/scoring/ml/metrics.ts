/** Classification metrics on 0/1 labels and scores or probabilities. */

function checkLengths(y: ArrayLike<number>, s: ArrayLike<number>): void {
  if (y.length !== s.length) throw new Error(`labels (${y.length}) and predictions (${s.length}) differ in length`);
}

/**
 * Area under the ROC curve = P(score of a random positive > score of a random negative), ties
 * counting one half. Mann–Whitney rank sum with average ranks for tied scores: O(n log n).
 * NaN when only one class is present.
 */
export function rocAuc(y: ArrayLike<number>, scores: ArrayLike<number>): number {
  checkLengths(y, scores);
  const n = y.length;
  let positives = 0;
  let nan = false;
  for (let i = 0; i < n; i++) {
    if (y[i] === 1) positives++;
    if (Number.isNaN(scores[i])) nan = true;
  }
  const negatives = n - positives;
  if (positives === 0 || negatives === 0) return Number.NaN;
  if (nan) return rocAucByRanks(y, scores);
  // Mann–Whitney U by merging the sorted scores of each class (native numeric sorts, no comparator
  // callback): U counts every (positive, negative) pair the positive wins, ties as ½. U is a whole
  // or half number, as is the rank-sum form below, so both give the same double.
  const pos = new Float64Array(positives);
  const neg = new Float64Array(negatives);
  let p = 0;
  let q = 0;
  for (let i = 0; i < n; i++) {
    if (y[i] === 1) pos[p++] = scores[i];
    else neg[q++] = scores[i];
  }
  pos.sort();
  neg.sort();
  let u = 0;
  let below = 0; // negatives strictly below the current positive score
  let k = 0;
  while (k < positives) {
    const s = pos[k];
    while (below < negatives && neg[below] < s) below++;
    let equal = below;
    while (equal < negatives && neg[equal] === s) equal++;
    let m = k;
    while (m < positives && pos[m] === s) m++;
    u += (m - k) * (below + 0.5 * (equal - below));
    k = m;
  }
  return u / (positives * negatives);
}

/** The rank-sum form (average ranks for ties), used when a score is NaN (NaN order as a comparator sort leaves it). */
function rocAucByRanks(y: ArrayLike<number>, scores: ArrayLike<number>): number {
  const n = y.length;
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  order.sort((a, b) => scores[a] - scores[b]);
  let positives = 0;
  let rankSumPositives = 0;
  let i = 0;
  while (i < n) {
    let j = i + 1;
    while (j < n && scores[order[j]] === scores[order[i]]) j++;
    const averageRank = (i + 1 + j) / 2; // ranks i+1..j
    for (let k = i; k < j; k++) {
      if (y[order[k]] === 1) {
        positives++;
        rankSumPositives += averageRank;
      }
    }
    i = j;
  }
  const negatives = n - positives;
  if (positives === 0 || negatives === 0) return Number.NaN;
  return (rankSumPositives - (positives * (positives + 1)) / 2) / (positives * negatives);
}

/** Mean negative log-likelihood, probabilities clipped to [eps, 1 − eps]. */
export function logLoss(y: ArrayLike<number>, p: ArrayLike<number>, eps = 1e-15): number {
  checkLengths(y, p);
  let s = 0;
  for (let i = 0; i < y.length; i++) {
    const q = Math.min(1 - eps, Math.max(eps, p[i]));
    s -= y[i] === 1 ? Math.log(q) : Math.log(1 - q);
  }
  return s / y.length;
}

/** Share of rows where (p ≥ threshold) matches the label. */
export function accuracy(y: ArrayLike<number>, p: ArrayLike<number>, threshold = 0.5): number {
  checkLengths(y, p);
  let right = 0;
  for (let i = 0; i < y.length; i++) if ((p[i] >= threshold ? 1 : 0) === y[i]) right++;
  return right / y.length;
}

/** Mean squared error of probabilities. */
export function brierScore(y: ArrayLike<number>, p: ArrayLike<number>): number {
  checkLengths(y, p);
  let s = 0;
  for (let i = 0; i < y.length; i++) s += (p[i] - y[i]) ** 2;
  return s / y.length;
}

export interface CalibrationBin {
  /** Bin covers [from, to); the last bin includes 1. */
  from: number;
  to: number;
  count: number;
  /** null when the bin is empty. */
  meanPredicted: number | null;
  observedRate: number | null;
}

/** Reliability table over equal-width probability bins. */
export function calibrationTable(y: ArrayLike<number>, p: ArrayLike<number>, bins = 10): CalibrationBin[] {
  checkLengths(y, p);
  const count = new Float64Array(bins);
  const sumP = new Float64Array(bins);
  const sumY = new Float64Array(bins);
  for (let i = 0; i < y.length; i++) {
    const b = Math.min(bins - 1, Math.max(0, Math.floor(p[i] * bins)));
    count[b]++;
    sumP[b] += p[i];
    sumY[b] += y[i];
  }
  return Array.from({ length: bins }, (_, b) => ({
    from: b / bins,
    to: (b + 1) / bins,
    count: count[b],
    meanPredicted: count[b] > 0 ? sumP[b] / count[b] : null,
    observedRate: count[b] > 0 ? sumY[b] / count[b] : null,
  }));
}

function sortedFinite(xs: number[]): Float64Array {
  return Float64Array.from(xs).sort();
}

/** Number of entries of the ascending array `s` below x, and at or below x. */
function below(s: Float64Array, x: number): [number, number] {
  let lo = 0;
  let hi = s.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (s[mid] < x) lo = mid + 1;
    else hi = mid;
  }
  let upper = lo;
  let top = s.length;
  while (upper < top) {
    const mid = (upper + top) >> 1;
    if (s[mid] <= x) upper = mid + 1;
    else top = mid;
  }
  return [lo, upper];
}

/**
 * DeLong's standard error of AUC(a) − AUC(b) for two scores of the same rows (DeLong, DeLong &
 * Clarke-Pearson 1988): each positive's and each negative's placement values give the variance of
 * the paired difference, which is far smaller than either AUC's own error when the scores are
 * correlated. NaN when only one class is present. O(n log n).
 */
export function pairedAucDifference(y: ArrayLike<number>, a: ArrayLike<number>, b: ArrayLike<number>): { aucA: number; aucB: number; se: number } {
  checkLengths(y, a);
  checkLengths(y, b);
  const posA: number[] = [];
  const negA: number[] = [];
  const posB: number[] = [];
  const negB: number[] = [];
  for (let i = 0; i < y.length; i++) {
    if (y[i] === 1) {
      posA.push(a[i]);
      posB.push(b[i]);
    } else {
      negA.push(a[i]);
      negB.push(b[i]);
    }
  }
  const m = posA.length;
  const n = negA.length;
  if (m === 0 || n === 0) return { aucA: Number.NaN, aucB: Number.NaN, se: Number.NaN };
  const sNegA = sortedFinite(negA);
  const sNegB = sortedFinite(negB);
  const sPosA = sortedFinite(posA);
  const sPosB = sortedFinite(posB);
  // V10: share of negatives a positive outranks (ties ½); V01: share of positives outranking a negative.
  const v10 = (s: Float64Array, x: number): number => {
    const [lt, le] = below(s, x);
    return (lt + le) / 2 / n;
  };
  const v01 = (s: Float64Array, x: number): number => {
    const [lt, le] = below(s, x);
    return (m - (lt + le) / 2) / m;
  };
  const d10 = new Float64Array(m);
  const d01 = new Float64Array(n);
  let aucA = 0;
  let aucB = 0;
  for (let i = 0; i < m; i++) {
    const pa = v10(sNegA, posA[i]);
    const pb = v10(sNegB, posB[i]);
    aucA += pa;
    aucB += pb;
    d10[i] = pa - pb;
  }
  for (let j = 0; j < n; j++) d01[j] = v01(sPosA, negA[j]) - v01(sPosB, negB[j]);
  const variance = (xs: Float64Array): number => {
    if (xs.length < 2) return 0;
    let mu = 0;
    for (const x of xs) mu += x;
    mu /= xs.length;
    let s = 0;
    for (const x of xs) s += (x - mu) ** 2;
    return s / (xs.length - 1);
  };
  return { aucA: aucA / m, aucB: aucB / m, se: Math.sqrt(variance(d10) / m + variance(d01) / n) };
}
