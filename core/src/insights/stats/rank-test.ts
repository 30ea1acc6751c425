import { median, twoSidedP } from './distributions.ts';
import { requireFinite } from './stats-error.ts';

export interface RankTest {
  /** U statistic of sample A. */
  u: number;
  z: number;
  pValue: number;
  /** Probability that a random A value exceeds a random B value (ties count half). */
  commonLanguage: number;
  medianA: number;
  medianB: number;
}

/**
 * Mann–Whitney U test (normal approximation with tie correction): do durations such as days to
 * close or hours to reply differ between two periods? Rank-based, so a few months-long outliers do
 * not decide it.
 */
export function mannWhitney(a: ArrayLike<number>, b: ArrayLike<number>): RankTest {
  requireFinite('a', a, 1);
  requireFinite('b', b, 1);
  const all = [...Array.from(a, (v) => ({ v, g: 0 })), ...Array.from(b, (v) => ({ v, g: 1 }))].sort((x, y) => x.v - y.v);
  const n1 = a.length;
  const n2 = b.length;
  const n = n1 + n2;
  let rankSumA = 0;
  let tieTerm = 0;
  for (let i = 0; i < n; ) {
    let j = i;
    while (j + 1 < n && all[j + 1].v === all[i].v) j++;
    const rank = (i + j + 2) / 2;
    const t = j - i + 1;
    tieTerm += t ** 3 - t;
    for (let k = i; k <= j; k++) if (all[k].g === 0) rankSumA += rank;
    i = j + 1;
  }
  const u = rankSumA - (n1 * (n1 + 1)) / 2;
  const mu = (n1 * n2) / 2;
  const variance = ((n1 * n2) / 12) * (n + 1 - tieTerm / (n * (n - 1) || 1));
  const z = variance > 0 ? (u - mu - Math.sign(u - mu) * 0.5) / Math.sqrt(variance) : 0;
  return { u, z, pValue: variance > 0 ? twoSidedP(z) : 1, commonLanguage: u / (n1 * n2), medianA: median(a), medianB: median(b) };
}
