import type { DateOrder } from '../../csv/date-order.ts';
import { type CsvColumnSchema, inferColumn, type TypedColumn } from './column-inference.ts';
import { type CsvDelimiter, type CsvSource, type CsvTable, readCsv } from './csv-table.ts';
import { DatasetError } from './dataset-error.ts';
import type { ColumnSpec, ColumnValues } from './encoder.ts';
import type { GradientBoostingOptions } from './gbt.model.ts';
import { evaluationSteps, type EvaluationReport, finishTraining, type PhaseFn, type PreparedData, type ProgressFn, runEvaluation } from './pipeline.ts';
import { createScorer, type ScoredLead, type RawRecord } from './scorer.ts';
import { checkClasses, parseTargetColumn } from './target.ts';
import type { ColumnReport, TrainedModel } from './trained-model.schema.ts';

export interface EvaluateCsvOptions {
  /** A file path, `{ path }`, `{ text }`, or CSV text itself (a string with a line break). */
  csv: CsvSource;
  /** Outcome column: 1/0, yes/no, true/false, y/n, won/lost. Rows with an empty outcome are skipped. */
  target: string;
  /** Values of `target` that count as the outcome (e.g. `customer` of a lifecycle stage); every other value is 0 unless `negative` is given. */
  positive?: string[];
  /** With `positive`: the values that count as not converted; rows with any other value are skipped as still open. */
  negative?: string[];
  /** Row identifier column, dropped from the features. */
  id?: string;
  exclude?: string[];
  /** Date/number column giving when each lead arrived: folds then train on the past and test on the future. */
  timeColumn?: string;
  /**
   * Column naming each row's fold (any labels, one fold per distinct value): cross-validation then
   * uses exactly these folds, e.g. to compare with another tool on identical splits.
   */
  foldColumn?: string;
  folds?: number;
  seed?: number;
  /** How slashed dates are read in every date column (`--date-format`), overriding detection. */
  dateFormat?: DateOrder;
  /** Decides date columns whose values fit both day/month orders (e.g. en-GB: 03/04 is 3 April). */
  locale?: string;
  /** Columns known when a lead is scored: a leakage suspicion is still reported, but they are never left out. */
  keep?: string[];
  delimiter?: CsvDelimiter;
  onProgress?: ProgressFn;
  /** Called as each phase of the run ends (benchmarks time them). */
  onPhase?: PhaseFn;
  /** Overrides of the trees' defaults, for tuning studies on a tuning split. */
  gbt?: GradientBoostingOptions;
}

export interface TrainCsvResult {
  /** Plain JSON: store it, and reload with `createScorer(trained)`. */
  trained: TrainedModel;
  report: EvaluationReport;
  /** Score one raw record (column name → cell text) with the trained model. */
  scoreRow: (record: RawRecord) => ScoredLead;
}

interface PreparedCsv {
  data: PreparedData;
  schema: CsvColumnSchema[];
  target: string;
}

function resolveColumn(table: CsvTable, name: string, field: string): number {
  let idx = table.header.indexOf(name);
  if (idx < 0) {
    const wanted = name.trim().toLowerCase();
    idx = table.header.findIndex((h) => h.toLowerCase() === wanted);
  }
  if (idx < 0) {
    const shown = table.header.length > 30 ? [...table.header.slice(0, 30), `… (${table.header.length - 30} more)`] : table.header;
    throw new DatasetError(field, `column "${name}" not found; available: ${shown.join(', ')}`);
  }
  return idx;
}

/**
 * Large data: from this many rows, an evaluation whose folds were not asked for uses
 * LARGE_EVALUATION_FOLDS outer folds instead of 5. Each test fold then still holds ≥ 16,000
 * rows, so every fold's AUC is precise to about ±0.005, and the two worker threads of a 2-core
 * machine need two rounds of folds instead of three (with smaller training parts).
 */
export const LARGE_EVALUATION_ROWS = 50_000;
export const LARGE_EVALUATION_FOLDS = 3;
const DEFAULT_FOLDS = 5;

/** The outer folds of an evaluation: as asked, else 5, or LARGE_EVALUATION_FOLDS from LARGE_EVALUATION_ROWS rows on. */
export function outerFolds(requested: number | undefined, rows: number): { folds: number; note: string | null } {
  if (requested !== undefined) return { folds: requested, note: null };
  if (rows < LARGE_EVALUATION_ROWS) return { folds: DEFAULT_FOLDS, note: null };
  return {
    folds: LARGE_EVALUATION_FOLDS,
    note: `${LARGE_EVALUATION_FOLDS} outer folds instead of ${DEFAULT_FOLDS}: with ${rows} rows (≥ ${LARGE_EVALUATION_ROWS}) each test fold is large enough, and training takes about half the time; pass folds ${DEFAULT_FOLDS} to insist.`,
  };
}

function checkFolds(folds: number): void {
  if (!Number.isInteger(folds) || folds < 2 || folds > 20) throw new DatasetError('folds', `must be an integer from 2 to 20, got ${folds}`);
}

/**
 * Pick the target, drop id/excluded/unusable columns, and type every remaining column. With
 * `consume`, each raw column is released once typed, which lowers peak memory on big uploads.
 */
export function prepareCsvTable(table: CsvTable, options: Omit<EvaluateCsvOptions, 'csv'>, consume = false): PreparedCsv {
  const folds = options.folds ?? 5;
  checkFolds(folds);
  const targetIdx = resolveColumn(table, options.target, 'target');
  const idIdx = options.id === undefined ? -1 : resolveColumn(table, options.id, 'id');
  const excluded = new Set((options.exclude ?? []).map((name) => resolveColumn(table, name, 'exclude')));
  const timeIdx = options.timeColumn === undefined ? -1 : resolveColumn(table, options.timeColumn, 'timeColumn');
  const foldIdx = options.foldColumn === undefined ? -1 : resolveColumn(table, options.foldColumn, 'foldColumn');
  if (foldIdx >= 0 && foldIdx === timeIdx) throw new DatasetError('foldColumn', 'cannot be the time column as well');
  const target = parseTargetColumn(table.columns[targetIdx], 'target', { positive: options.positive, negative: options.negative });
  const { positives } = checkClasses(target.y, folds);
  const notes: string[] = [];
  const kept = new Set((options.keep ?? []).map((k) => k.trim().toLowerCase()));
  if (target.missing > 0) notes.push(`${target.missing} row(s) with an empty "${table.header[targetIdx]}" were skipped (outcome not known yet).`);
  const openRows = target.open ? [...target.open.values()].reduce((a, b) => a + b, 0) : 0;
  if (target.open) {
    const values = [...target.open].map(([value, rows]) => `"${value}" (${rows})`).join(', ');
    notes.push(`${openRows} row(s) whose "${table.header[targetIdx]}" is neither outcome were skipped as still open: ${values}.`);
  }

  const reports: ColumnReport[] = [];
  const specs: ColumnSpec[] = [];
  const schema: CsvColumnSchema[] = [];
  const columns: Record<string, ColumnValues> = {};
  let times: Float64Array | null = null;
  let timesAreDates = false;
  let foldIds: Int32Array | null = null;
  const report = (col: TypedColumn, role: ColumnReport['role'], note?: string): void => {
    reports.push({ name: col.schema.name, type: col.schema.type, missing: col.missing, role, ...(note ? { note } : {}) });
  };
  table.header.forEach((name, c) => {
    if (c === targetIdx) {
      reports.push({ name, type: 'boolean', missing: target.missing + openRows, role: 'target', note: `${positives} positive of ${target.y.length}` });
      return;
    }
    const cells = target.kept.length === table.columns[c].length ? table.columns[c] : Array.from(target.kept, (r) => table.columns[c][r]);
    const col = inferColumn(name, cells, { override: options.dateFormat, locale: options.locale });
    if (consume) table.columns[c] = [];
    if (c === idIdx) return report(col, 'id');
    if (excluded.has(c)) return report(col, 'excluded');
    if (c === foldIdx) {
      foldIds = foldAssignment(name, cells);
      reports.push({ name, type: 'categorical', missing: 0, role: 'fold', note: `${new Set(foldIds).size} folds given by this column` });
      return;
    }
    if (c === timeIdx) {
      if (col.schema.type !== 'date' && col.schema.type !== 'numeric') {
        throw new DatasetError('timeColumn', `column "${name}" is not a date or a number`);
      }
      times = col.values as Float64Array;
      timesAreDates = col.schema.type === 'date';
      return report(col, 'time', 'used to order folds in time, not as a feature');
    }
    if (col.placeholders && !col.drop) {
      const described = [...col.placeholders].map(([text, count]) => `${count} "${text}"`).join(', ');
      notes.push(`"${name}": ${described} read as missing (a placeholder for "nothing chosen", like a blank cell).`);
    }
    if (col.codedMissing && !col.drop) {
      const code = col.schema.missingCode!;
      const share = Math.round((100 * col.codedMissing) / cells.length);
      notes.push(
        `"${name}": ${col.codedMissing} "${code}" (${share}% of rows) read as missing — a code for "none" or "not applicable" (${code < 0 ? 'the only negative value' : 'far above every other value'}), not an amount; a missing-value indicator keeps what it says.`,
      );
    }
    if (col.drop === 'id' && kept.has(name.toLowerCase())) {
      notes.push(`"${name}" looks like an identifier (${col.note}) but is kept as a feature (--keep).`);
      delete col.drop;
    }
    if (col.drop) {
      report(col, col.drop === 'id' ? 'id' : 'dropped', col.note);
      notes.push(`"${name}" was dropped: ${col.note}.`);
      return;
    }
    report(col, 'feature', col.note);
    specs.push({ name, kind: col.schema.type === 'categorical' ? 'categorical' : col.schema.type === 'boolean' ? 'boolean' : 'numeric' });
    schema.push(col.schema);
    columns[name] = col.values;
  });
  return {
    data: { specs, columns, y: target.y, times, foldIds, columnReports: reports, notes, timeColumn: timeIdx >= 0 ? table.header[timeIdx] : undefined, timesAreDates },
    schema,
    target: table.header[targetIdx],
  };
}

/** Fold labels → 0..k-1 in order of first appearance; 2 to 20 folds, no empty cells. */
function foldAssignment(name: string, cells: readonly string[]): Int32Array {
  const ids = new Map<string, number>();
  const out = new Int32Array(cells.length);
  cells.forEach((raw, r) => {
    const label = (raw ?? '').trim();
    if (!label) throw new DatasetError('foldColumn', `column "${name}" is empty on data row ${r + 1}; every row needs a fold`, r + 2);
    let id = ids.get(label);
    if (id === undefined) ids.set(label, (id = ids.size));
    out[r] = id;
  });
  if (ids.size < 2 || ids.size > 20) throw new DatasetError('foldColumn', `column "${name}" has ${ids.size} distinct values; folds must number 2 to 20`);
  return out;
}

function leakageOptions(data: PreparedData, options: EvaluateCsvOptions): { keep: string[] } {
  const names = data.specs.map((s) => s.name);
  const keep = (options.keep ?? []).map((wanted) => {
    const found = names.find((n) => n === wanted) ?? names.find((n) => n.toLowerCase() === wanted.trim().toLowerCase());
    if (!found) throw new DatasetError('keep', `column "${wanted}" is not a feature column; features: ${names.slice(0, 30).join(', ')}`);
    return found;
  });
  return { keep };
}

async function prepare(options: EvaluateCsvOptions): Promise<PreparedCsv> {
  const table = await readCsv(options.csv, { delimiter: options.delimiter });
  options.onPhase?.('read_csv');
  const prepared = prepareCsvTable(table, options, true);
  options.onPhase?.('infer_columns');
  return prepared;
}

/**
 * Cross-validate logistic regression and gradient-boosted trees on a CSV export and report the
 * better one: AUC (mean ± std over folds), log loss, accuracy, top factors, leakage warnings and
 * how every column was read.
 */
export async function evaluateCsv(options: EvaluateCsvOptions): Promise<EvaluationReport> {
  const { data } = await prepare(options);
  const { folds, note } = outerFolds(options.folds, data.y.length);
  if (note) data.notes.push(note);
  const run = await runEvaluation(data, { folds, seed: options.seed ?? 42, gbt: options.gbt, onProgress: options.onProgress, onPhase: options.onPhase, leakage: leakageOptions(data, options), fitFinal: false });
  return run.report;
}

/** `evaluateCsv`, then calibrate the chosen model on its out-of-fold predictions and fit it on every row. */
export async function trainCsv(options: EvaluateCsvOptions): Promise<TrainCsvResult> {
  const { data, schema, target } = await prepare(options);
  const { folds, note } = outerFolds(options.folds, data.y.length);
  if (note) data.notes.push(note);
  const seed = options.seed ?? 42;
  const run = await runEvaluation(data, { folds, seed, gbt: options.gbt, onProgress: options.onProgress, onPhase: options.onPhase, extraSteps: 1, leakage: leakageOptions(data, options) });
  const total = evaluationSteps(run.report.validation.folds) + 1;
  const trained = finishTraining(run, { target, seed, schema, onProgress: options.onProgress, progressTotal: total });
  options.onPhase?.('finish');
  const scorer = createScorer(trained);
  return { trained, report: run.report, scoreRow: (record) => scorer.scoreRow(record) };
}
