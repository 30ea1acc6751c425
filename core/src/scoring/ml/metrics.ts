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
