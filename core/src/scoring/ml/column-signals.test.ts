import { describe, expect, it } from 'vitest';
import { columnSignals, pureLevels } from './leakage.ts';
import { rocAuc } from './metrics.ts';
import { createRandom, normal } from './random.ts';

// The definitions as they read, one score per row and a full AUC sort each (the audit's code before
// it sorted each column once): the one-sort signals must equal them to the last bit.
const levelOf = (v: unknown): string => (v == null || (typeof v === 'number' && Number.isNaN(v)) || String(v).trim() === '' ? '(empty)' : String(v).trim());

function rateAuc(groups: ArrayLike<number>, groupCount: number, y: ArrayLike<number>, minCount: number): number {
  const count = new Float64Array(groupCount);
  const pos = new Float64Array(groupCount);
  for (let i = 0; i < y.length; i++) {
    count[groups[i]]++;
    pos[groups[i]] += y[i];
  }
  let rareN = 0;
  let rareP = 0;
  for (let g = 0; g < groupCount; g++) if (count[g] < minCount) [rareN, rareP] = [rareN + count[g], rareP + pos[g]];
  return rocAuc(y, Float64Array.from({ length: y.length }, (_, i) => (count[groups[i]] < minCount ? rareP / rareN : pos[groups[i]] / count[groups[i]])));
}

function referenceNumeric(x: Float64Array, y: Uint8Array, minCount: number): { auc: number; missing: number } {
  const n = y.length;
  const low = Float64Array.from(x, (v) => (Number.isNaN(v) ? -Number.MAX_VALUE : v));
  const high = Float64Array.from(x, (v) => (Number.isNaN(v) ? Number.MAX_VALUE : v));
  const candidates = [rocAuc(y, low), rocAuc(y, high)];
  if (n >= 200) {
    const order = Array.from({ length: n }, (_, i) => i).filter((i) => !Number.isNaN(x[i]));
    order.sort((a, b) => x[a] - x[b]);
    const groups = new Int32Array(n).fill(-1);
    const size = Math.max(1, Math.ceil(order.length / 10));
    let g = 0;
    let inBin = 0;
    for (let k = 0; k < order.length; k++) {
      if (inBin >= size && x[order[k]] !== x[order[k - 1]]) [g, inBin] = [g + 1, 0];
      groups[order[k]] = g;
      inBin++;
    }
    for (let i = 0; i < n; i++) if (groups[i] < 0) groups[i] = g + 1;
    candidates.push(rateAuc(groups, g + 2, y, Math.max(minCount, Math.ceil(n / 50))));
  }
  const flag = Float64Array.from(x, (v) => (Number.isNaN(v) ? 1 : 0));
  const share = flag.reduce((a, b) => a + b, 0) / n;
  return {
    auc: candidates.reduce((best, a) => (Math.abs(a - 0.5) > Math.abs(best - 0.5) ? a : best)),
    missing: share < 0.05 || share > 0.95 ? Number.NaN : rocAuc(y, flag),
  };
}

function referenceCategorical(values: (string | null)[], y: Uint8Array, minCount: number): { auc: number; missing: number } {
  const ids = new Map<string, number>();
  const groups = Int32Array.from(values, (v) => {
    const level = levelOf(v);
    if (!ids.has(level)) ids.set(level, ids.size);
    return ids.get(level)!;
  });
  const flag = Float64Array.from(values, (v) => (levelOf(v) === '(empty)' ? 1 : 0));
  const share = flag.reduce((a, b) => a + b, 0) / y.length;
  return { auc: rateAuc(groups, ids.size, y, minCount), missing: share < 0.05 || share > 0.95 ? Number.NaN : rocAuc(y, flag) };
}

describe('columnSignals (one sort per column)', () => {
  const r = createRandom(11);
  const n = 3000;
  const y = Uint8Array.from({ length: n }, () => (r() < 0.3 ? 1 : 0));
  const numeric: Record<string, Float64Array> = {
    continuous: Float64Array.from(y, (v) => normal(r) + v),
    'heavy ties': Float64Array.from(y, (v) => Math.floor(r() * 4) + (v && r() < 0.2 ? 1 : 0)),
    'missing for won deals': Float64Array.from(y, (v) => (v && r() < 0.7 ? Number.NaN : Math.round(normal(r) * 3))),
    'extremes, zeros of both signs': Float64Array.from(y, (v, i) =>
      [Number.NaN, Infinity, -Infinity, Number.MAX_VALUE, -Number.MAX_VALUE, 0, -0][i % 9] ?? v + normal(r),
    ),
    'mostly missing': Float64Array.from(y, (v) => (r() < 0.97 ? Number.NaN : v + normal(r))),
    constant: new Float64Array(n).fill(2),
  };

  for (const [name, x] of Object.entries(numeric)) {
    it(`numbers, ${name}: the same AUC and missingness AUC as the per-row definitions`, () => {
      const got = columnSignals('numeric', x, y, 30);
      const want = referenceNumeric(x, y, 30);
      expect(got.auc).toBe(want.auc);
      expect(got.missing.auc).toBe(want.missing);
    });
  }

  it('numbers below 200 rows (no bins) and a single class give the same as the definitions', () => {
    const small = y.slice(0, 150);
    const x = numeric['heavy ties'].slice(0, 150);
    expect(columnSignals('numeric', x, small).auc).toBe(referenceNumeric(x, small, 10).auc);
    const ones = new Uint8Array(300).fill(1);
    expect(Number.isNaN(columnSignals('numeric', numeric.continuous.slice(0, 300), ones).auc)).toBe(true);
  });

  it('categories with rare levels, blanks and a literal "(empty)": same AUCs, pure levels in the same order', () => {
    const levels = Array.from({ length: n }, (_, i) => {
      const u = r();
      if (u < 0.1) return y[i] ? null : '  ';
      if (u < 0.12) return '(empty)';
      if (u < 0.2) return `rare ${Math.floor(r() * 40)}`;
      if (u < 0.3) return y[i] ? 'Closed Won' : 'Open';
      return ['a', 'b', ' c ', 'd'][Math.floor(r() * 4)];
    });
    const got = columnSignals('categorical', levels, y, 30);
    const want = referenceCategorical(levels, y, 30);
    expect(got.auc).toBe(want.auc);
    expect(got.missing.auc).toBe(want.missing);
    expect(got.pure).toEqual(pureLevels(levels, y));
    expect(got.pure.map((p) => p.level)).toContain('Closed Won');
  });
});
