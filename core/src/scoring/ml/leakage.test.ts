import { describe, expect, it } from 'vitest';
import { detectLeakage, type LeakageColumn, singleColumnAuc } from './leakage.ts';
import { createRandom, normal } from './random.ts';

function data(n: number, seed: number): { y: Uint8Array; columns: LeakageColumn[] } {
  const random = createRandom(seed);
  const y = new Uint8Array(n);
  const honestNumber = new Float64Array(n);
  const copy = new Float64Array(n);
  const closedAt = new Float64Array(n);
  const stage: (string | null)[] = [];
  const source: string[] = [];
  for (let i = 0; i < n; i++) {
    const s = ['web', 'event', 'referral', 'partner'][Math.floor(random() * 4)];
    honestNumber[i] = normal(random);
    const z = 0.8 * honestNumber[i] + (s === 'referral' ? 0.7 : 0) - 1;
    y[i] = random() < 1 / (1 + Math.exp(-z)) ? 1 : 0;
    copy[i] = random() < 0.01 ? 1 - y[i] : y[i];
    closedAt[i] = y[i] === 1 ? 19_800 + Math.floor(random() * 100) : Number.NaN; // only filled for won deals
    stage.push(y[i] === 1 ? (random() < 0.5 ? 'Closed Won' : 'Negotiation') : random() < 0.4 ? 'Closed Lost' : 'Negotiation');
    source.push(s);
  }
  return {
    y,
    columns: [
      { name: 'Page Views', kind: 'numeric', values: honestNumber },
      { name: 'Lead Source', kind: 'categorical', values: source },
      { name: 'Outcome Copy', kind: 'boolean', values: copy },
      { name: 'Closed At', kind: 'numeric', values: closedAt },
      { name: 'Stage', kind: 'categorical', values: stage },
    ],
  };
}

describe('detectLeakage', () => {
  const { y, columns } = data(2000, 9);
  const warnings = detectLeakage(columns, y);

  it('flags a near copy of the target by its single-column AUC', () => {
    const w = warnings.find((x) => x.column === 'Outcome Copy');
    expect(w).toMatchObject({ kind: 'single_column_auc' });
    expect(w!.auc).toBeGreaterThan(0.97);
    expect(w!.reason).toMatch(/alone predicts the outcome/);
  });

  it('flags a field that is only filled in for one outcome', () => {
    expect(warnings.find((x) => x.column === 'Closed At')).toMatchObject({ kind: 'single_column_auc' });
  });

  it('flags categorical levels converting 0% or 100%', () => {
    const stage = warnings.filter((x) => x.column === 'Stage');
    expect(stage.map((x) => x.level).sort()).toEqual(['Closed Lost', 'Closed Won']);
    expect(stage.find((x) => x.level === 'Closed Lost')!.rate).toBe(0);
    expect(stage[0].reason).toMatch(/convert/);
  });

  it('leaves honest columns alone', () => {
    const flagged = new Set(warnings.map((w) => w.column));
    expect(flagged.has('Page Views')).toBe(false);
    expect(flagged.has('Lead Source')).toBe(false);
  });

  it('does not accuse a small pure level when the base rate makes it plausible by chance', () => {
    // 30 rows with no conversion at a 5% base rate happen by chance 21% of the time.
    const yy = Uint8Array.from({ length: 1000 }, (_, i) => (i % 20 === 0 && i >= 40 ? 1 : 0));
    const level = Array.from({ length: 1000 }, (_, i) => (i < 30 ? 'small' : 'rest'));
    expect(detectLeakage([{ name: 'x', kind: 'categorical', values: level }], yy)).toEqual([]);
  });
});

describe('singleColumnAuc', () => {
  it('treats missing values as an extreme on the more telling side', () => {
    const y = [1, 1, 0, 0];
    expect(singleColumnAuc('numeric', Float64Array.from([5, 6, NaN, NaN]), y)).toBe(1);
    expect(singleColumnAuc('numeric', Float64Array.from([NaN, NaN, 5, 6]), y)).toBe(0);
  });
});
