import { describe, expect, it } from 'vitest';
import { accuracy, brierScore, calibrationTable, logLoss, pairedAucDifference, rocAuc } from './metrics.ts';
import { createRandom } from './random.ts';

describe('rocAuc', () => {
  it('equals the share of (positive, negative) pairs the positive wins, ties as ½, on data full of ties', () => {
    const random = createRandom(3);
    for (let t = 0; t < 20; t++) {
      const n = 50 + Math.floor(random() * 200);
      const y = Array.from({ length: n }, () => (random() < 0.3 ? 1 : 0));
      // Few distinct values (many ties), negative zeros, infinities.
      const s = Array.from({ length: n }, () => [-0, 0, 1, 2, 2.5, -1, Infinity, -Infinity][Math.floor(random() * 8)]);
      let wins = 0;
      let pairs = 0;
      for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) if (y[i] === 1 && y[j] === 0) {
        pairs++;
        wins += s[i] > s[j] ? 1 : s[i] === s[j] ? 0.5 : 0;
      }
      expect(rocAuc(y, s)).toBe(wins / pairs);
    }
  });

  it('counts tied scores as half a correct pair', () => {
    // Positives 0.35, 0.8, 0.4 against negatives 0.1, 0.4, 0.4:
    // 0.35 beats 1; 0.8 beats 3; 0.4 beats 1 and ties 2 (2 × 0.5) → 6 of 9 pairs.
    expect(rocAuc([0, 0, 1, 1, 0, 1], [0.1, 0.4, 0.35, 0.8, 0.4, 0.4])).toBeCloseTo(6 / 9, 12);
  });

  it('is 1 for perfect ranking, 0 for reversed and 0.5 when every score ties', () => {
    expect(rocAuc([0, 0, 1, 1], [1, 2, 3, 4])).toBe(1);
    expect(rocAuc([1, 1, 0, 0], [1, 2, 3, 4])).toBe(0);
    expect(rocAuc([1, 0, 1, 0], [7, 7, 7, 7])).toBe(0.5);
  });

  it('matches the O(n²) pair count on random data with many ties', () => {
    const y: number[] = [];
    const s: number[] = [];
    for (let i = 0; i < 300; i++) {
      y.push((i * 7919) % 3 === 0 ? 1 : 0);
      s.push(((i * 104729) % 17) / 17);
    }
    let wins = 0;
    let pairs = 0;
    for (let i = 0; i < y.length; i++) {
      for (let j = 0; j < y.length; j++) {
        if (y[i] !== 1 || y[j] !== 0) continue;
        pairs++;
        wins += s[i] > s[j] ? 1 : s[i] === s[j] ? 0.5 : 0;
      }
    }
    expect(rocAuc(y, s)).toBeCloseTo(wins / pairs, 12);
  });

  it('is NaN with a single class', () => {
    expect(rocAuc([1, 1], [0.2, 0.3])).toBeNaN();
  });
});

describe('logLoss, accuracy, brier', () => {
  it('match hand-computed values', () => {
    // −(ln 0.9 + ln 0.8 + ln 0.6) / 3
    expect(logLoss([1, 0, 1], [0.9, 0.2, 0.6])).toBeCloseTo((0.105360516 + 0.223143551 + 0.510825624) / 3, 8);
    expect(accuracy([1, 0, 1, 0], [0.9, 0.2, 0.4, 0.5])).toBe(0.5);
    expect(brierScore([1, 0], [0.9, 0.2])).toBeCloseTo((0.01 + 0.04) / 2, 12);
  });

  it('clips probabilities of exactly 0 or 1 instead of returning Infinity', () => {
    expect(Number.isFinite(logLoss([1, 0], [0, 1]))).toBe(true);
  });
});

describe('calibrationTable', () => {
  it('bins predictions into ten equal-width bins with observed rates', () => {
    const table = calibrationTable([0, 1, 1, 0, 1], [0.05, 0.15, 0.12, 0.95, 1]);
    expect(table).toHaveLength(10);
    expect(table[0]).toMatchObject({ count: 1, meanPredicted: 0.05, observedRate: 0 });
    expect(table[1].count).toBe(2);
    expect(table[1].meanPredicted).toBeCloseTo(0.135, 12);
    expect(table[1].observedRate).toBe(1);
    expect(table[5]).toMatchObject({ count: 0, meanPredicted: null, observedRate: null });
    expect(table[9]).toMatchObject({ count: 2, observedRate: 0.5 });
  });
});

describe('pairedAucDifference (DeLong)', () => {
  /** The textbook O(n²) placements: ψ = 1 if the positive scores higher, ½ on a tie. */
  function bruteForce(y: number[], a: number[], b: number[]): { aucA: number; aucB: number; se: number } {
    const pos = y.flatMap((v, i) => (v === 1 ? [i] : []));
    const neg = y.flatMap((v, i) => (v === 0 ? [i] : []));
    const psi = (p: number, q: number) => (p > q ? 1 : p === q ? 0.5 : 0);
    const v10 = (s: number[]) => pos.map((i) => neg.reduce((t, j) => t + psi(s[i], s[j]), 0) / neg.length);
    const v01 = (s: number[]) => neg.map((j) => pos.reduce((t, i) => t + psi(s[i], s[j]), 0) / pos.length);
    const variance = (xs: number[]) => {
      const mu = xs.reduce((t, x) => t + x, 0) / xs.length;
      return xs.reduce((t, x) => t + (x - mu) ** 2, 0) / (xs.length - 1);
    };
    const [pa, pb, na, nb] = [v10(a), v10(b), v01(a), v01(b)];
    const mean = (xs: number[]) => xs.reduce((t, x) => t + x, 0) / xs.length;
    return {
      aucA: mean(pa),
      aucB: mean(pb),
      se: Math.sqrt(variance(pa.map((x, k) => x - pb[k])) / pos.length + variance(na.map((x, k) => x - nb[k])) / neg.length),
    };
  }

  it('matches the O(n²) DeLong computation on random scores with ties', () => {
    const random = createRandom(11);
    const y: number[] = [];
    const a: number[] = [];
    const b: number[] = [];
    for (let i = 0; i < 400; i++) {
      const label = random() < 0.3 ? 1 : 0;
      y.push(label);
      const signal = label + random();
      a.push(Math.round(signal * 10) / 10); // coarse: many ties
      b.push(signal + 0.8 * random());
    }
    const fast = pairedAucDifference(y, a, b);
    const slow = bruteForce(y, a, b);
    expect(fast.aucA).toBeCloseTo(rocAuc(y, a), 12);
    expect(fast.aucB).toBeCloseTo(rocAuc(y, b), 12);
    expect(fast.se).toBeCloseTo(slow.se, 12);
    expect(fast.se).toBeGreaterThan(0);
  });

  it('is 0 for identical scores and NaN with one class', () => {
    expect(pairedAucDifference([0, 1, 0, 1], [1, 2, 3, 4], [1, 2, 3, 4]).se).toBe(0);
    expect(pairedAucDifference([1, 1], [1, 2], [2, 1]).se).toBeNaN();
  });
});
