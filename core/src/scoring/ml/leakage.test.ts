import { describe, expect, it } from 'vitest';
import { auditLeakage } from './leakage-audit.ts';
import { afterTheFactName, type LeakageColumn, missingnessAuc, singleColumnAuc } from './leakage.ts';
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

describe('auditLeakage (column signals)', async () => {
  const { y, columns } = data(2000, 9);
  const warnings = await auditLeakage({ columns, y });
  const byColumn = new Map(warnings.map((w) => [w.column, w]));

  it('flags a near copy of the target by its single-column AUC, with evidence and a fix', () => {
    const w = byColumn.get('Outcome Copy')!;
    expect(w).toMatchObject({ kind: 'single_column_auc' });
    expect(w.auc).toBeGreaterThan(0.97);
    expect(w.reason).toMatch(/predicts the outcome almost perfectly/);
    expect(w.fix).toMatch(/--exclude "Outcome Copy"/);
    expect(w.fix).toMatch(/--keep "Outcome Copy"/);
  });

  it('flags a field only filled in for one outcome by its missingness', () => {
    const w = byColumn.get('Closed At')!;
    expect(w.kind).toBe('missingness');
    expect(w.evidence.map((e) => e.kind)).toEqual(expect.arrayContaining(['missingness', 'single_column_auc']));
  });

  it('flags categorical levels converting 0% or 100%, naming them', () => {
    const w = byColumn.get('Stage')!;
    expect(w.kind).toBe('pure_level');
    expect(w.reason).toMatch(/"Closed Won" \(\d+ rows\) converts 100%/);
    expect(w.reason).toMatch(/"Closed Lost" \(\d+ rows\) converts 0%/);
  });

  it('leaves honest columns alone', () => {
    expect(byColumn.has('Page Views')).toBe(false);
    expect(byColumn.has('Lead Source')).toBe(false);
  });

  it('does not accuse a small pure level when the base rate makes it plausible by chance', async () => {
    // 30 rows with no conversion at a 5% base rate happen by chance 21% of the time.
    const yy = Uint8Array.from({ length: 1000 }, (_, i) => (i % 20 === 0 && i >= 40 ? 1 : 0));
    const level = Array.from({ length: 1000 }, (_, i) => (i < 30 ? 'small' : 'rest'));
    expect(await auditLeakage({ columns: [{ name: 'x', kind: 'categorical', values: level }], y: yy })).toEqual([]);
  });

  it('never flags a column for its name alone, but a name tips one moderate signal', async () => {
    const r = createRandom(3);
    const n = 1500;
    const yy = Uint8Array.from({ length: n }, () => (r() < 0.3 ? 1 : 0));
    const noise = (): Float64Array => Float64Array.from({ length: n }, () => normal(r));
    const cols = (name: string): LeakageColumn[] => [
      { name, kind: 'numeric', values: noise() },
      { name: 'a', kind: 'numeric', values: noise() },
      { name: 'b', kind: 'numeric', values: noise() },
    ];
    expect(await auditLeakage({ columns: cols('Deal Stage'), y: yy })).toEqual([]);
    const heavy = new Map([['Deal Stage', 0.7]]);
    expect(await auditLeakage({ columns: cols('Visits'), y: yy, importance: new Map([['Visits', 0.7]]) })).toEqual([]);
    const flagged = await auditLeakage({ columns: cols('Deal Stage'), y: yy, importance: heavy });
    expect(flagged.map((w) => [w.column, w.kind])).toEqual([['Deal Stage', 'importance']]);
  });

  it('runs drop-column CV on the top candidates and reports the AUC lost', async () => {
    const r = createRandom(4);
    const n = 1500;
    const yy = Uint8Array.from({ length: n }, () => (r() < 0.3 ? 1 : 0));
    const cols: LeakageColumn[] = ['x', 'Call Duration', 'z'].map((name) => ({ name, kind: 'numeric', values: Float64Array.from({ length: n }, () => normal(r)) }));
    const asked: string[] = [];
    const warnings = await auditLeakage({
      columns: cols,
      y: yy,
      importance: new Map([['Call Duration', 0.8]]),
      baselineAuc: 0.9,
      dropColumnAuc: async (c) => {
        asked.push(c);
        return c === 'Call Duration' ? 0.7 : 0.89;
      },
    });
    expect(asked[0]).toBe('Call Duration');
    const w = warnings.find((x) => x.column === 'Call Duration')!;
    expect(w.evidence.find((e) => e.kind === 'drop_column')!.detail).toMatch(/from 0\.900 to 0\.700/);
  });

  it('flags dates after the row time only when given a date time column', async () => {
    const n = 400;
    const yy = Uint8Array.from({ length: n }, (_, i) => i % 3 === 0 ? 1 : 0);
    const times = Float64Array.from({ length: n }, (_, i) => 19_000 + i);
    const later = Float64Array.from({ length: n }, (_, i) => 19_000 + i + 20);
    const cols: LeakageColumn[] = [{ name: 'Follow Up', kind: 'numeric', values: later, isDate: true }];
    expect(await auditLeakage({ columns: cols, y: yy })).toEqual([]);
    const w = await auditLeakage({ columns: cols, y: yy, times, timesAreDates: true, timeColumn: 'Created' });
    expect(w).toMatchObject([{ column: 'Follow Up', kind: 'after_time' }]);
    expect(w[0].reason).toMatch(/100% of 400 dated rows its date is after "Created"/);
  });
});

describe('single-column signals', () => {
  it('treats missing values as an extreme on the more telling side', () => {
    const y = [1, 1, 0, 0];
    expect(singleColumnAuc('numeric', Float64Array.from([5, 6, NaN, NaN]), y)).toBe(1);
    expect(singleColumnAuc('numeric', Float64Array.from([NaN, NaN, 5, 6]), y)).toBe(0);
  });

  it('sees a non-monotone numeric relation through its bins', () => {
    const r = createRandom(5);
    const x = Float64Array.from({ length: 2000 }, () => normal(r));
    const y = Uint8Array.from(x, (v) => (Math.abs(v) < 0.7 ? 1 : 0));
    expect(Math.abs(singleColumnAuc('numeric', x, y) - 0.5)).toBeGreaterThan(0.45);
  });

  it('measures emptiness alone, and ignores columns that are almost never empty', () => {
    const y = Uint8Array.from({ length: 100 }, (_, i) => (i < 50 ? 1 : 0));
    const grade = Array.from({ length: 100 }, (_, i) => (i < 45 ? 'A' : null));
    // Empty cells are the lost leads: emptiness ranks them low (an inverted AUC as strong as 0.95).
    expect(missingnessAuc('categorical', grade, y).auc).toBeCloseTo(0.05, 2);
    expect(Number.isNaN(missingnessAuc('categorical', Array.from({ length: 100 }, (_, i) => (i === 0 ? null : 'A')), y).auc)).toBe(true);
  });

  it('knows after-the-fact names', () => {
    for (const name of ['Call Duration', 'Last Activity', 'Lead Quality', 'Stage', 'Tags', 'Lost Reason', 'Closed Date']) expect(afterTheFactName(name)).toBe(true);
    for (const name of ['Page Views', 'Lead Source', 'Company Size', 'Country']) expect(afterTheFactName(name)).toBe(false);
  });
});
