import { describe, expect, it } from 'vitest';
import { DatasetError } from './dataset-error.ts';
import { evaluateCsv, trainCsv } from './evaluate-csv.ts';
import { createScorer, scoreRow } from './scorer.ts';
import { leadCsv } from './test-data.fixture.ts';

async function datasetError(promise: Promise<unknown>): Promise<DatasetError> {
  try {
    await promise;
  } catch (err) {
    expect(err).toBeInstanceOf(DatasetError);
    return err as DatasetError;
  }
  throw new Error('expected a DatasetError');
}

describe('evaluateCsv', () => {
  it('reads a CRM export, compares both models and reports metrics, factors and columns', async () => {
    const { text } = leadCsv(1500, 1);
    const progress: string[] = [];
    const report = await evaluateCsv({ csv: text, target: 'converted', folds: 3, onProgress: (d, t, label) => progress.push(`${d}/${t} ${label}`) });
    expect(report.rows).toBe(1500);
    expect(report.candidates.map((c) => c.model)).toEqual(['logistic_regression', 'gradient_boosted_trees', 'blend']);
    expect(report.auc).toBeGreaterThan(0.7);
    // The headline AUC is the nested-CV AUC of the selection procedure, with what it picked in each outer fold.
    expect(report.selection.outerPicks).toHaveLength(3);
    expect(report.selection.chosen).toBe(report.model);
    expect(report.selection.reason).toContain(report.model);
    expect(report.selection.candidates.map((c) => c.model)).toEqual(['logistic_regression', 'gradient_boosted_trees', 'blend']);
    expect(report.logLoss).toBeGreaterThan(0);
    expect(report.accuracy).toBeGreaterThan(0.5);
    expect(progress).toHaveLength(4);
    expect(progress[2]).toMatch(/^3\/4 fold 3\/3: inner CV chose /);
    expect(progress[3]).toMatch(/^4\/4 inner CV on all 1500 rows chose /);
    // The planted drivers lead the factors; importance shares sum to at most 1.
    expect(report.topFactors.slice(0, 3).map((f) => f.name)).toEqual(expect.arrayContaining(['Lead Source', 'Page Views']));
    expect(report.topFactors.reduce((a, f) => a + f.importance, 0)).toBeLessThanOrEqual(1 + 1e-9);
    const byName = Object.fromEntries(report.columns.map((c) => [c.name, c]));
    expect(byName['Lead ID']).toMatchObject({ role: 'id', type: 'numeric' });
    expect(byName['Email']).toMatchObject({ role: 'id', type: 'categorical' });
    expect(byName['Company Size']).toMatchObject({ role: 'feature', type: 'numeric' });
    expect(byName['Company Size'].missing).toBeGreaterThan(100);
    expect(byName['Opened Email']).toMatchObject({ role: 'feature', type: 'boolean' });
    expect(byName['Created']).toMatchObject({ role: 'feature', type: 'date' });
    expect(byName['Converted']).toMatchObject({ role: 'target' });
    expect(report.notes.join(' ')).toMatch(/"Email" was dropped/);
    expect(report.leakageWarnings).toEqual([]);
  });

  it('drops the id and excluded columns, and warns about leaky ones', async () => {
    const { text } = leadCsv(1200, 2, { leakyCopy: true, leakyStage: true, delimiter: ';' });
    const report = await evaluateCsv({ csv: { text }, target: 'Converted', id: 'Lead ID', exclude: ['Created'], folds: 3 });
    const roles = Object.fromEntries(report.columns.map((c) => [c.name, c.role]));
    expect(roles).toMatchObject({ 'Lead ID': 'id', Created: 'excluded' });
    expect(report.leakageWarnings.map((w) => w.column)).toEqual(expect.arrayContaining(['Outcome Copy', 'Stage']));
    expect(report.leakageWarnings.map((w) => w.column)).not.toContain('Page Views');
    expect(report.auc).toBeGreaterThan(0.95);
    expect(report.notes.join(' ')).toMatch(/Possible leakage/);
  });

  it('validates forward in time when given a time column', async () => {
    const { text } = leadCsv(900, 3);
    const report = await evaluateCsv({ csv: text, target: 'Converted', timeColumn: 'Created', folds: 3 });
    expect(report.validation).toEqual({ method: 'time_forward_chaining', folds: 3 });
    expect(report.columns.find((c) => c.name === 'Created')!.role).toBe('time');
    // The first time block is never tested.
    expect(report.calibration.reduce((a, b) => a + b.count, 0)).toBeLessThan(900);
  });

  it('uses the folds a fold column gives, exactly (to compare tools on identical splits)', async () => {
    const { text } = leadCsv(900, 6);
    const lines = text.trim().split('\n');
    // fold = data row index mod 4, labelled A..D
    const withFolds = [`${lines[0]},cv`, ...lines.slice(1).map((l, i) => `${l},${'ABCD'[i % 4]}`)].join('\n');
    const report = await evaluateCsv({ csv: withFolds, target: 'Converted', foldColumn: 'cv', folds: 3 });
    expect(report.validation).toEqual({ method: 'given_folds', folds: 4 });
    expect(report.columns.find((c) => c.name === 'cv')).toMatchObject({ role: 'fold' });
    expect(report.topFactors.map((f) => f.name)).not.toContain('cv');
    expect(report.auc).toBeGreaterThan(0.65);
    // every row is tested exactly once
    expect(report.calibration.reduce((a, b) => a + b.count, 0)).toBe(900);
    const bad = await datasetError(evaluateCsv({ csv: withFolds.replace(/,A$/m, ','), target: 'Converted', foldColumn: 'cv' }));
    expect(bad).toMatchObject({ field: 'foldColumn' });
    expect(bad.reason).toMatch(/empty on data row 1/);
    const one = await datasetError(evaluateCsv({ csv: withFolds.replace(/,[BCD]$/gm, ',A'), target: 'Converted', foldColumn: 'cv' }));
    expect(one.reason).toMatch(/1 distinct values; folds must number 2 to 20/);
  });

  it('skips a pipeline export\'s open stages and reads placeholders as missing (QA round 4: Maven sales_pipeline, X Education leads)', async () => {
    // deal_stage holds Won/Lost and the open stages Engaging/Prospecting; it was refused at the first open row
    const { text } = leadCsv(600, 7);
    const lines = text.trim().split('\n');
    const header = lines[0].split(',');
    const target = header.indexOf('Converted');
    const stages = lines.slice(1).map((l, i) => {
      const cells = l.split(',');
      cells[target] = i % 5 === 0 ? (i % 2 ? 'Engaging' : 'Prospecting') : cells[target] === 'won' ? 'Won' : 'Lost';
      return `${cells.join(',')},${i % 3 === 0 ? 'Select' : i % 3 === 1 ? 'Mumbai' : 'Thane'}`;
    });
    const csv = [`${lines[0]},City`, ...stages].join('\n');
    const report = await evaluateCsv({ csv, target: 'Converted', folds: 3 });
    expect(report.rows).toBe(480);
    expect(report.columns.find((c) => c.name === 'Converted')).toMatchObject({ role: 'target', missing: 120 });
    expect(report.notes).toContain('120 row(s) whose "Converted" is neither outcome were skipped as still open: "Prospecting" (60), "Engaging" (60).');
    expect(report.columns.find((c) => c.name === 'City')).toMatchObject({ type: 'categorical', missing: 160 });
    expect(report.notes).toContain('"City": 160 "Select" read as missing (a placeholder for "nothing chosen", like a blank cell).');
    // HubSpot's deal stages
    const hubspot = csv.replace(/,Won,/g, ',closedwon,').replace(/,Lost,/g, ',closedlost,');
    expect((await evaluateCsv({ csv: hubspot, target: 'Converted', folds: 3 })).rows).toBe(480);
    // open values without both outcomes, or too many of them, are still refused with the row
    const noLost = await datasetError(evaluateCsv({ csv: 'a,stage\n1,Won\n2,Engaging\n3,Won\n', target: 'stage' }));
    expect(noLost.reason).toMatch(/value "Engaging" in row 2 is not a binary outcome/);
    const many = ['a,stage', '1,Won', '2,Lost', ...Array.from({ length: 21 }, (_, i) => `${i + 3},stage ${i}`)].join('\n');
    expect((await datasetError(evaluateCsv({ csv: many, target: 'stage' }))).reason).toMatch(/21 values that are neither outcome, too many to be open stages/);
  });

  it('reads a lifecycle stage column as the target by the values named positive (and negative)', async () => {
    // HubSpot's "Lifecycle Stage": customer is the outcome; without --positive it was refused
    const { text } = leadCsv(600, 11);
    const lines = text.trim().split('\n');
    const target = lines[0].split(',').indexOf('Converted');
    const stages = lines.slice(1).map((l, i) => {
      const cells = l.split(',');
      cells[target] = cells[target] === 'won' ? 'Customer' : ['lead', 'subscriber', 'opportunity'][i % 3]!;
      return cells.join(',');
    });
    const csv = [lines[0], ...stages].join('\n');
    expect((await datasetError(evaluateCsv({ csv, target: 'Converted', folds: 3 }))).reason).toMatch(/is not a binary outcome/);
    const all = await evaluateCsv({ csv, target: 'Converted', positive: ['customer'], folds: 3 });
    expect(all.rows).toBe(600);
    expect(all.positives).toBe(stages.filter((l) => l.split(',')[target] === 'Customer').length);
    // with negative values named, the other stages are still open and skipped
    const named = await evaluateCsv({ csv, target: 'Converted', positive: ['Customer'], negative: ['lead', 'subscriber'], folds: 3 });
    expect(named.rows).toBe(600 - stages.filter((l) => l.split(',')[target] === 'opportunity').length);
    expect(named.notes.join(' ')).toMatch(/neither outcome were skipped as still open: "opportunity"/);
    const absent = await datasetError(evaluateCsv({ csv, target: 'Converted', positive: ['evangelist'], folds: 3 }));
    expect(absent).toMatchObject({ field: 'positive' });
    expect(absent.reason).toMatch(/no row has the value "evangelist"; the column holds "[A-Za-z]+", /);
    expect(await datasetError(evaluateCsv({ csv, target: 'Converted', negative: ['lead'], folds: 3 }))).toMatchObject({ field: 'negative' });
    expect((await datasetError(evaluateCsv({ csv, target: 'Converted', positive: ['customer'], negative: ['Customer'], folds: 3 }))).reason).toMatch(/both a positive and a negative/);
  });

  describe('bad CSVs throw DatasetError naming the field and reason', () => {
    const good = leadCsv(300, 4).text;
    it.each([
      ['empty file', { csv: { text: '' }, target: 'Converted' }, 'csv', /empty/],
      ['missing target', { csv: good, target: 'Outcome' }, 'target', /column "Outcome" not found; available: Lead ID, Email, /],
      ['missing id column', { csv: good, target: 'Converted', id: 'Key' }, 'id', /not found/],
      ['single class', { csv: 'a,won\n1,yes\n2,yes\n3,Y\n', target: 'won' }, 'target', /only one class/],
      ['non-binary target', { csv: 'a,won\n1,yes\n2,maybe\n', target: 'won' }, 'target', /value "maybe" in row 2 is not a binary outcome/],
      ['too few positives', { csv: ['a,won', ...Array.from({ length: 40 }, (_, i) => `${i},${i < 6 ? 1 : 0}`)].join('\n'), target: 'won' }, 'target', /only 6 rows are positive/],
      ['bad folds', { csv: good, target: 'Converted', folds: 1 }, 'folds', /integer from 2 to 20/],
    ])('%s', async (_name, options, field, reason) => {
      const err = await datasetError(evaluateCsv(options));
      expect(err.field).toBe(field);
      expect(err.reason).toMatch(reason);
    });

    it('reports the row of a bad target value', async () => {
      const err = await datasetError(evaluateCsv({ csv: 'a,won\n1,yes\n2,no\n3,perhaps\n', target: 'won' }));
      expect(err.row).toBe(3);
    });
  });
});

describe('trainCsv and scoring', () => {
  it('trains a storable model whose reloaded scorer gives identical, explained scores', async () => {
    const { text } = leadCsv(1500, 5);
    const progress: number[][] = [];
    const { trained, report, scoreRow: score } = await trainCsv({ csv: text, target: 'Converted', folds: 3, onProgress: (d, t) => progress.push([d, t]) });
    expect(progress.at(-1)).toEqual([5, 5]);
    expect(trained.selection).toMatchObject({ chosen: report.model, innerFolds: 3 });
    expect(trained.modelKind).toBe(report.model);
    expect(trained.summary).toMatchObject({ rows: 1500, positives: report.positives });
    expect(trained.featureImportance.reduce((a, f) => a + f.importance, 0)).toBeCloseTo(1, 9);
    expect(trained.schema!.map((c) => c.name)).toEqual(['Page Views', 'Company Size', 'Lead Source', 'Industry', 'Opened Email', 'Created']);

    const lead = { 'Page Views': '40', 'Company Size': 'N/A', 'Lead Source': 'Referral', Industry: 'Retail', 'Opened Email': 'yes', Created: '2024-06-01' };
    const cold = { ...lead, 'Page Views': '0', 'Lead Source': 'Cold Call', 'Opened Email': 'no' };
    const hot = score(lead);
    expect(hot.score).toBe(Math.round(hot.probability * 100));
    expect(hot.score).toBeGreaterThan(score(cold).score);
    expect(hot.confidence).toBeGreaterThan(0);
    expect(hot.confidence).toBeLessThanOrEqual(1);
    // Explanations speak in the user's columns and add up to the calibrated log-odds.
    expect(hot.contributions.map((c) => c.name).sort()).toEqual([...trained.schema!.map((c) => c.name)].sort());
    expect(hot.contributions.find((c) => c.name === 'Lead Source')).toMatchObject({ value: 'Referral' });
    const sum = hot.base + hot.contributions.reduce((a, c) => a + c.contribution, 0);
    expect(sum).toBeCloseTo(Math.log(hot.probability / (1 - hot.probability)), 9);

    const stored = JSON.parse(JSON.stringify(trained));
    const reloaded = createScorer(stored);
    expect(reloaded.scoreRow(lead)).toEqual(hot);
    expect(scoreRow(stored, cold)).toEqual(score(cold));
    // Column names match case-insensitively; absent columns count as missing and lower confidence.
    const lower = Object.fromEntries(Object.entries(lead).map(([k, v]) => [k.toLowerCase(), v]));
    expect(reloaded.scoreRow(lower).probability).toBe(hot.probability);
    expect(reloaded.scoreRow({}).confidence).toBeLessThan(hot.confidence);
  });

  it('learns from a "none" code as a missing value with its indicator, and scores the code as missing (UCI pdays = -1)', async () => {
    // contacted before (pdays ≥ 0) converts 40%, the sooner the more; never contacted (-1) 10%
    let seed = 11;
    const rnd = () => ((seed = (seed * 16807) % 2147483647) / 2147483647);
    const rows = Array.from({ length: 1200 }, () => {
      const contacted = rnd() < 0.25;
      const pdays = contacted ? Math.floor(rnd() * 400) : -1;
      const p = contacted ? 0.6 - pdays / 1000 : 0.1;
      return `${pdays},${Math.floor(rnd() * 60) + 18},${rnd() < p ? 'yes' : 'no'}`;
    });
    const csv = ['pdays,age,y', ...rows].join('\n');
    const { trained, report, scoreRow: score } = await trainCsv({ csv, target: 'y', folds: 3 });
    const coded = rows.filter((r) => r.startsWith('-1,')).length;
    expect(report.columns.find((c) => c.name === 'pdays')).toMatchObject({ type: 'numeric', role: 'feature', missing: coded });
    expect(report.notes.find((n) => n.startsWith('"pdays"'))).toMatch(/^"pdays": \d+ "-1" \(\d+% of rows\) read as missing — a code for "none" or "not applicable" \(the only negative value\)/);
    expect(trained.schema!.find((c) => c.name === 'pdays')).toEqual({ name: 'pdays', type: 'numeric', missingCode: -1 });
    const never = score({ pdays: '-1', age: '40' });
    const blank = score({ pdays: '', age: '40' });
    expect(never.probability).toBe(blank.probability);
    expect(never.contributions.map((c) => c.contribution)).toEqual(blank.contributions.map((c) => c.contribution));
    // the explanation shows the cell as written
    expect(never.contributions.find((c) => c.name === 'pdays')).toMatchObject({ value: '-1' });
    expect(score({ pdays: '5', age: '40' }).probability).toBeGreaterThan(never.probability);
    // the stored model keeps the code
    expect(createScorer(JSON.parse(JSON.stringify(trained))).scoreRow({ pdays: '-1', age: '40' })).toEqual(never);
    // both models see "contacted before": AUC well above what age alone could give
    expect(report.auc).toBeGreaterThan(0.7);
  });

  it('refuses a corrupted stored model', () => {
    expect(() => createScorer({ format: 'crm-lead-scoring-model', version: 1 })).toThrow(DatasetError);
  });
});
