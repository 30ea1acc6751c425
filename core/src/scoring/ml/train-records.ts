import type { ModelKind } from './classifier.ts';
import { toTime, type TimeValue } from './cross-validate.ts';
import { DatasetError } from './dataset-error.ts';
import type { ColumnSpec, FeatureRecord, FeatureValue } from './encoder.ts';
import { evaluationSteps, type EvaluationReport, finishTraining, type PreparedData, type ProgressFn, runEvaluation } from './pipeline.ts';
import { checkClasses } from './target.ts';
import type { ColumnReport, TrainedModel } from './trained-model.schema.ts';

/** Training data as the CRM has it: typed records from a feature extractor plus known outcomes. */
export interface RecordsOptions {
  specs: readonly ColumnSpec[];
  rows: readonly FeatureRecord[];
  /** One outcome per row: 1/0 or true/false. */
  labels: ArrayLike<number | boolean>;
  /** Optional arrival time per row (Date, ISO string or number): folds then respect time order. */
  times?: readonly TimeValue[];
  /** Name of the outcome, stored with the model. Default "converted". */
  target?: string;
  folds?: number;
  seed?: number;
  /** Candidate model kinds for the inner-CV selection; default all. */
  models?: ModelKind[];
  onProgress?: ProgressFn;
}

function isMissing(v: FeatureValue): boolean {
  return v == null || (typeof v === 'number' && !Number.isFinite(v)) || (typeof v === 'string' && v.trim() === '');
}

function prepareRecords(options: RecordsOptions): PreparedData {
  const { specs, rows, labels } = options;
  const folds = options.folds ?? 5;
  if (labels.length !== rows.length) throw new DatasetError('labels', `${labels.length} labels for ${rows.length} rows`);
  const y = new Uint8Array(rows.length);
  for (let i = 0; i < rows.length; i++) {
    const v = labels[i];
    if (v === 1 || v === true) y[i] = 1;
    else if (v !== 0 && v !== false) throw new DatasetError('labels', `label ${String(v)} in row ${i + 1} is not 0/1 or true/false`, i + 1);
  }
  checkClasses(y, folds, 'labels');
  const columns: PreparedData['columns'] = {};
  const reports: ColumnReport[] = [];
  for (const spec of specs) {
    const values = rows.map((r) => r[spec.name]);
    columns[spec.name] = values;
    reports.push({ name: spec.name, type: spec.kind, missing: values.filter(isMissing).length, role: 'feature' });
  }
  let times: Float64Array | null = null;
  if (options.times) {
    if (options.times.length !== rows.length) throw new DatasetError('times', `${options.times.length} times for ${rows.length} rows`);
    times = Float64Array.from(options.times, toTime);
  }
  return { specs: [...specs], columns, y, times, columnReports: reports, notes: [] };
}

/** Cross-validated comparison of both model kinds on CRM records (see `evaluateCsv`). */
export async function evaluateRecords(options: RecordsOptions): Promise<EvaluationReport> {
  const run = await runEvaluation(prepareRecords(options), { folds: options.folds ?? 5, seed: options.seed ?? 42, models: options.models, onProgress: options.onProgress, fitFinal: false });
  return run.report;
}

/** Evaluate, calibrate and fit the chosen model on all records; returns storable JSON (score with `createScorer`). */
export async function trainRecords(options: RecordsOptions): Promise<{ trained: TrainedModel; report: EvaluationReport }> {
  const seed = options.seed ?? 42;
  const run = await runEvaluation(prepareRecords(options), { folds: options.folds ?? 5, seed, models: options.models, onProgress: options.onProgress, extraSteps: 1 });
  const total = evaluationSteps(run.report.validation.folds) + 1;
  const trained = finishTraining(run, { target: options.target ?? 'converted', seed, schema: null, onProgress: options.onProgress, progressTotal: total });
  return { trained, report: run.report };
}
