import { type Classifier, type ModelKind } from './classifier.ts';
import { crossValidate, type Fold, givenFolds, stratifiedKFold, timeSeriesFolds } from './cross-validate.ts';
import { PlattCalibrator } from './calibration.ts';
import { DatasetError } from './dataset-error.ts';
import { type ColumnSpec, type ColumnValues, Encoder } from './encoder.ts';
import { type FeatureMatrix, matrixRow } from './feature-matrix.ts';
import { GradientBoostedTrees } from './gbt.model.ts';
import { detectLeakage, type LeakageWarning } from './leakage.ts';
import { LogisticRegression } from './logistic-regression.model.ts';
import { sigmoid } from './math.ts';
import { accuracy, brierScore, type CalibrationBin, calibrationTable, logLoss } from './metrics.ts';
import { createRandom, shuffleInPlace } from './random.ts';
import type { CsvColumnSchema } from './column-inference.ts';
import type { ColumnReport, ImportanceFactor, TrainedModel } from './trained-model.schema.ts';

export type ProgressFn = (done: number, total: number, label: string) => void;

export interface CandidateResult {
  model: ModelKind;
  auc: number;
  aucStd: number;
  foldAucs: number[];
}

export interface EvaluationReport {
  /** Mean out-of-fold AUC of the chosen model, and its standard deviation across folds. */
  auc: number;
  aucStd: number;
  /** Out-of-fold log loss, accuracy (p ≥ 0.5) and Brier score of the chosen model (uncalibrated). */
  logLoss: number;
  accuracy: number;
  brier: number;
  rows: number;
  positives: number;
  model: ModelKind;
  candidates: CandidateResult[];
  /** Column importance (mean |contribution| share, summing to 1 over all columns), top 10. */
  topFactors: ImportanceFactor[];
  leakageWarnings: LeakageWarning[];
  columns: ColumnReport[];
  calibration: CalibrationBin[];
  validation: { method: 'stratified_kfold' | 'time_forward_chaining' | 'given_folds'; folds: number };
  notes: string[];
}

/** Typed feature columns and outcomes, however they were obtained (CSV, CRM records). */
export interface PreparedData {
  specs: ColumnSpec[];
  columns: Record<string, ColumnValues>;
  y: Uint8Array;
  /** When given, folds are forward-chaining in time instead of stratified-random. */
  times: Float64Array | null;
  /** When given, each row's fold (0..k-1), used as is. */
  foldIds?: Int32Array | null;
  columnReports: ColumnReport[];
  notes: string[];
}

export interface PipelineOptions {
  folds: number;
  seed: number;
  onProgress?: ProgressFn;
  /** Steps the caller will report after evaluation (e.g. the final fit), for the progress total. */
  extraSteps?: number;
  /** Candidate model kinds; default both. */
  models?: ModelKind[];
}

export interface EvaluationRun {
  report: EvaluationReport;
  encoder: Encoder;
  matrix: FeatureMatrix;
  y: Uint8Array;
  /** Out-of-fold log-odds of the chosen model (NaN where no fold predicted). */
  chosenOof: Float64Array;
}

/** A model of the given kind with this library's defaults. */
export function createClassifier(kind: ModelKind, seed = 42): Classifier {
  return kind === 'logistic_regression' ? new LogisticRegression({ seed }) : new GradientBoostedTrees({ seed });
}

/** GBT must beat LR by more than this AUC to be chosen: at a tie the simpler, smoother model wins. */
const PREFER_SIMPLER_MARGIN = 0.002;

/** Mean |per-column contribution| over the given rows, as shares summing to 1. */
export function columnImportance(model: Classifier, m: FeatureMatrix, rows: ArrayLike<number>): Map<string, number> {
  const sums = new Map<string, number>();
  for (let k = 0; k < rows.length; k++) {
    for (const c of model.contributions(matrixRow(m, rows[k])).contributions) {
      sums.set(c.name, (sums.get(c.name) ?? 0) + Math.abs(c.contribution));
    }
  }
  return sums;
}

function toFactors(sums: Map<string, number>): ImportanceFactor[] {
  let total = 0;
  for (const v of sums.values()) total += v;
  return [...sums]
    .map(([name, v]) => ({ name, importance: total > 0 ? v / total : 0 }))
    .sort((a, b) => b.importance - a.importance || (a.name < b.name ? -1 : 1));
}

function sampleRows(rows: ArrayLike<number>, max: number, seed: number): Uint32Array {
  const all = Uint32Array.from(rows);
  return all.length <= max ? all : shuffleInPlace(all, createRandom(seed)).slice(0, max);
}

/** Cross-validate every candidate on the same folds, pick one by AUC, and report. */
export async function runEvaluation(data: PreparedData, options: PipelineOptions): Promise<EvaluationRun> {
  const { y, specs, columns } = data;
  const n = y.length;
  if (specs.length === 0) throw new DatasetError('columns', 'no usable feature columns remain after dropping the target, id, excluded and unusable columns');
  const encoder = Encoder.fitColumns(specs, columns, n);
  const matrix = encoder.transformColumns(columns, n);
  const folds: Fold[] = data.foldIds
    ? givenFolds(data.foldIds)
    : data.times
      ? timeSeriesFolds(data.times, options.folds)
      : stratifiedKFold(y, options.folds, options.seed);
  if (folds.length < 2) throw new DatasetError('timeColumn', 'too few dated rows to form forward-chaining folds');
  const kinds = options.models ?? ['logistic_regression', 'gradient_boosted_trees'];
  const total = kinds.length * folds.length + (options.extraSteps ?? 0);
  let done = 0;
  const candidates: CandidateResult[] = [];
  const oofs = new Map<ModelKind, Float64Array>();
  const importance = new Map<ModelKind, Map<string, number>>();
  for (const kind of kinds) {
    const sums = new Map<string, number>();
    const cv = await crossValidate(() => createClassifier(kind, options.seed), matrix, y, folds, {
      onModel: (model, fold) => {
        for (const [name, v] of columnImportance(model, matrix, sampleRows(fold.test, 400, options.seed))) sums.set(name, (sums.get(name) ?? 0) + v);
      },
      onFold: (f, k) => options.onProgress?.(++done, total, `${kind} fold ${f}/${k}`),
    });
    candidates.push({ model: kind, auc: cv.auc, aucStd: cv.aucStd, foldAucs: cv.foldAucs });
    oofs.set(kind, cv.oofRaw);
    importance.set(kind, sums);
  }
  let chosen = candidates[0];
  for (const c of candidates.slice(1)) {
    const margin = c.model === 'gradient_boosted_trees' ? PREFER_SIMPLER_MARGIN : 0;
    if (c.auc > chosen.auc + margin || Number.isNaN(chosen.auc)) chosen = c;
  }
  const oof = oofs.get(chosen.model)!;
  const yTested: number[] = [];
  const pTested: number[] = [];
  for (let i = 0; i < n; i++) {
    if (Number.isNaN(oof[i])) continue;
    yTested.push(y[i]);
    pTested.push(sigmoid(oof[i]));
  }
  let positives = 0;
  for (let i = 0; i < n; i++) positives += y[i];
  const leakageWarnings = detectLeakage(
    specs.map((s) => ({ name: s.name, kind: s.kind, values: columns[s.name] })),
    y,
  );
  const report: EvaluationReport = {
    auc: chosen.auc,
    aucStd: chosen.aucStd,
    logLoss: logLoss(yTested, pTested),
    accuracy: accuracy(yTested, pTested),
    brier: brierScore(yTested, pTested),
    rows: n,
    positives,
    model: chosen.model,
    candidates,
    topFactors: toFactors(importance.get(chosen.model)!).slice(0, 10),
    leakageWarnings,
    columns: data.columnReports,
    calibration: calibrationTable(yTested, pTested),
    validation: { method: data.foldIds ? 'given_folds' : data.times ? 'time_forward_chaining' : 'stratified_kfold', folds: folds.length },
    notes: [...data.notes],
  };
  if (leakageWarnings.length > 0) {
    report.notes.push(`Possible leakage in ${[...new Set(leakageWarnings.map((w) => w.column))].map((c) => `"${c}"`).join(', ')}: the AUC above may be too good to be true.`);
  }
  return { report, encoder, matrix, y, chosenOof: oof };
}

export interface TrainOptions {
  target: string;
  seed: number;
  schema: CsvColumnSchema[] | null;
  onProgress?: ProgressFn;
  progressTotal?: number;
}

const orNull = (x: number): number | null => (Number.isFinite(x) ? x : null);

/** Calibrate on the chosen model's out-of-fold predictions, then fit it on every row. */
export function finishTraining(run: EvaluationRun, options: TrainOptions): TrainedModel {
  const { report, matrix, y } = run;
  const calibrator = PlattCalibrator.fit(run.chosenOof, y);
  const model = createClassifier(report.model, options.seed).fit(matrix, y);
  const total = options.progressTotal ?? 1;
  options.onProgress?.(total, total, `${report.model} fitted on all ${report.rows} rows`);
  const sample = sampleRows(Uint32Array.from({ length: matrix.rows }, (_, i) => i), 2000, options.seed);
  return {
    format: 'crm-lead-scoring-model',
    version: 1,
    modelKind: report.model,
    target: options.target,
    trainedAt: new Date().toISOString(),
    schema: options.schema,
    encoder: run.encoder.toJSON(),
    model: model.toJSON() as TrainedModel['model'],
    calibrator: calibrator.toJSON(),
    featureImportance: toFactors(columnImportance(model, matrix, sample)),
    metrics: {
      auc: orNull(report.auc),
      aucStd: orNull(report.aucStd),
      logLoss: orNull(report.logLoss),
      accuracy: orNull(report.accuracy),
      brier: orNull(report.brier),
    },
    summary: { rows: report.rows, positives: report.positives, columns: report.columns },
    leakageWarnings: report.leakageWarnings,
  };
}
