import { describe, expect, it } from 'vitest';
import { evaluateCsv } from './evaluate-csv.ts';
import { sigmoid } from './math.ts';
import { createRandom, normal } from './random.ts';

type Plant = 'duration' | 'grade' | 'lastActivity';

const iso = (day: number): string => new Date(day * 86_400_000).toISOString().slice(0, 10);

/**
 * An honest lead export (page views, source, company size with gaps, opened email, country,
 * created date) plus the leaks real exports hide: the length of the call in which the lead said
 * yes, a grade a salesperson fills in only after talking to the lead, a last-activity date that
 * includes the closing activity, and a sequential lead number.
 */
function exportWith(plants: Plant[], n = 1500, seed = 11): string {
  const random = createRandom(seed);
  const header = ['Lead Number', 'Page Views', 'Lead Source', 'Company Size', 'Opened Email', 'Country', 'Created', 'Converted'];
  header.push(...plants.map((p) => ({ duration: 'Call Duration', grade: 'Lead Grade', lastActivity: 'Last Activity' })[p]));
  const lines = [header.join(',')];
  for (let i = 0; i < n; i++) {
    const views = Math.floor(Math.exp(1.5 + normal(random)));
    const source = ['Web', 'Referral', 'Event', 'Cold Call', 'Partner'][Math.floor(random() * 5)];
    const size = random() < 0.1 ? '' : String(Math.round(10 + 200 * random()));
    const opened = random() < 0.5;
    const created = 19_723 + Math.floor((i / n) * 360); // 2024, in file order
    const z = 0.5 * Math.log1p(views) + (source === 'Referral' ? 1 : source === 'Cold Call' ? -0.8 : 0) + (opened ? 0.6 : -0.2) - 1.5;
    const y = random() < sigmoid(z) ? 1 : 0;
    const row = [String(100_000 + i), String(views), source, size, opened ? 'Yes' : 'No', ['UK', 'FR', 'DE', 'US'][i % 4], iso(created), y ? 'won' : 'lost'];
    for (const p of plants) {
      if (p === 'duration') row.push(String(Math.round(Math.exp(4 + 0.6 * normal(random) + (y ? 1.2 : 0)))));
      if (p === 'grade') row.push(random() < (y ? 0.85 : 0.15) ? ['A', 'B', 'C'][Math.floor(random() * (y ? 2 : 3))] : '');
      if (p === 'lastActivity') row.push(iso(created + 1 + Math.floor(random() * (y ? 30 : 90))));
    }
    lines.push(row.join(','));
  }
  return `${lines.join('\n')}\n`;
}

const kinds = (r: Awaited<ReturnType<typeof evaluateCsv>>) => Object.fromEntries(r.leakageWarnings.map((w) => [w.column, w.kind]));

describe('leakage detection on planted leaks', () => {
  it('an honest export gets no warning, and its lead number is dropped as an id with a note', async () => {
    const r = await evaluateCsv({ csv: exportWith([]), target: 'Converted', folds: 3 });
    expect(r.leakageWarnings).toEqual([]);
    expect(r.withoutSuspects).toBeNull();
    expect(r.columns.find((c) => c.name === 'Lead Number')).toMatchObject({ role: 'id', note: expect.stringMatching(/identifier|sequence|rise/) });
    expect(r.notes.join(' ')).toMatch(/"Lead Number" was dropped/);
    expect(r.topFactors.map((f) => f.name)).not.toContain('Lead Number');
  });

  it('flags a numeric column recorded after the outcome and reports the AUC without it', async () => {
    const r = await evaluateCsv({ csv: exportWith(['duration']), target: 'Converted', folds: 3 });
    expect(kinds(r)).toEqual({ 'Call Duration': 'single_column_auc' });
    const w = r.leakageWarnings[0];
    expect(w.evidence.map((e) => e.kind)).toEqual(expect.arrayContaining(['single_column_auc', 'importance', 'drop_column', 'name']));
    expect(w.reason).toMatch(/far above every other column/);
    expect(r.withoutSuspects).toMatchObject({ excluded: ['Call Duration'] });
    expect(r.auc - r.withoutSuspects!.auc).toBeGreaterThan(0.1);
    expect(r.notes.join(' ')).toMatch(/Without "Call Duration" the AUC is 0\.\d{3}/);
  });

  it('flags a grade filled in after contact by its missingness', async () => {
    const r = await evaluateCsv({ csv: exportWith(['grade']), target: 'Converted', folds: 3 });
    expect(kinds(r)).toEqual({ 'Lead Grade': 'missingness' });
    expect(r.leakageWarnings[0].reason).toMatch(/empty in \d+% of rows, which convert \d+% against \d+% when filled/);
    expect(r.leakageWarnings[0].fix).toMatch(/only after contact/);
  });

  it('with --time, flags dates that fall after the row time', async () => {
    const csv = exportWith(['lastActivity']);
    const r = await evaluateCsv({ csv, target: 'Converted', folds: 3, timeColumn: 'Created' });
    expect(kinds(r)).toEqual({ 'Last Activity': 'after_time' });
    expect(r.leakageWarnings[0].reason).toMatch(/its date is after "Created"/);
  });

  it('--keep keeps a suspect in the model and skips the comparison', async () => {
    const r = await evaluateCsv({ csv: exportWith(['duration']), target: 'Converted', folds: 3, keep: ['call duration'] });
    expect(r.leakageWarnings).toMatchObject([{ column: 'Call Duration', kept: true }]);
    expect(r.withoutSuspects).toBeNull();
    await expect(evaluateCsv({ csv: exportWith([]), target: 'Converted', folds: 3, keep: ['Nope'] })).rejects.toMatchObject({ field: 'keep' });
  });
});
