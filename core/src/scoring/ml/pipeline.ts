import { type Classifier, MODEL_KINDS, type ModelKind } from './classifier.ts';
import { type Fold, givenFolds, stratifiedKFold, timeSeriesFolds } from './cross-validate.ts';
import { PlattCalibrator } from './calibration.ts';
import { DatasetError } from './dataset-error.ts';
import { type ColumnSpec, type ColumnValues, Encoder } from './encoder.ts';
import type { FeatureMatrix } from './feature-matrix.ts';
import { candidateFromJSON, defaultWorkers, PARALLEL_FOLDS_ROWS, shareData, TaskPool } from './fold-pool.ts';
import { columnImportance, sampleRows } from './fold-task.ts';
import { refitInPool, runOuterFolds } from './outer-folds.ts';
import { checkLeakage } from './leakage-check.ts';
import type { LeakageWarning } from './leakage.ts';
import { createClassifier } from './model-factory.ts';
import type { GradientBoostingOptions } from './gbt.model.ts';
import { mean, sigmoid, std } from './math.ts';
import { chooseFromOuterFolds, HOLDOUT_SELECTION_ROWS, refitChosen, type Selected, selectFromOuterFolds, selectModel } from './model-selection.ts';
import { accuracy, brierScore, type CalibrationBin, calibrationTable, logLoss, rocAuc } from './metrics.ts';
import type { CsvColumnSchema } from './column-inference.ts';
import type { ColumnReport, ImportanceFactor, ModelSelection, TrainedModel } from './trained-model.schema.ts';

export type ProgressFn = (done: number, total: number, label: string) => void;

/**
 * Phases of a training run, reported as each one ends (benchmarks time them with CPU and wall
 * clock between calls): read the CSV, type its columns, encode the matrix, the outer folds, the
 * final selection (and refit, unless it runs in worker threads), the leakage audit, the wait for
 * a final refit running in worker threads meanwhile, the evaluation without the suspects, and the
 * calibration, importance and model export of `finishTraining`.
 */
export type TrainingPhase = 'read_csv' | 'infer_columns' | 'encode' | 'outer_folds' | 'final_selection' | 'leakage_audit' | 'final_refit' | 'without_suspects' | 'finish';
export type PhaseFn = (phase: TrainingPhase) => void;

export interface CandidateResult {
  model: ModelKind;
  auc: number;
  aucStd: number;
  foldAucs: number[];
}

/** The same evaluation without the suspected columns, to show how much of the AUC they made. */
export interface WithoutSuspects {
  excluded: string[];
  auc: number;
  aucStd: number;
  logLoss: number;
  model: ModelKind;
  candidates: CandidateResult[];
  topFactors: ImportanceFactor[];
  selection: EvaluationSelection;
}

export interface EvaluationSelection extends ModelSelection {
  /** The kind inner CV chose inside each outer fold's training part. */
  outerPicks: ModelKind[];
}

/** Progress steps of one evaluation: one per outer fold and one for the final selection. */
export function evaluationSteps(folds: number): number {
  return folds + 1;
}

export interface EvaluationReport {
  /** Mean outer-fold AUC of the model selection procedure (nested CV), and its standard deviation across folds. */
  auc: number;
  aucStd: number;
  /** Out-of-fold log loss, accuracy (p ≥ 0.5) and Brier score of the selection procedure (uncalibrated). */
  logLoss: number;
  accuracy: number;
  brier: number;
  rows: number;
  positives: number;
  model: ModelKind;
  /** Outer-CV AUC of each candidate kind, for comparison with the selection's (`auc`). */
  candidates: CandidateResult[];
  /** Why `model` was chosen (inner CV on all rows), and what inner CV picked in each outer fold. */
  selection: EvaluationSelection;
  /** Column importance (mean |contribution| share, summing to 1 over all columns), top 10. */
  topFactors: ImportanceFactor[];
  leakageWarnings: LeakageWarning[];
  /** Set when leakage is suspected in a column not kept by the user; null otherwise. */
  withoutSuspects: WithoutSuspects | null;
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
  /** Name of the time column, and whether its values are dates (epoch days) comparable with date features. */
  timeColumn?: string;
  timesAreDates?: boolean;
}

export interface PipelineOptions {
  folds: number;
  seed: number;
  onProgress?: ProgressFn;
  /** Steps the caller will report after evaluation (e.g. the final fit), for the progress total. */
  extraSteps?: number;
  /** Overrides of the trees' defaults, for tuning studies (evals/src/scoring/compare-models.ts). */
  gbt?: GradientBoostingOptions;
  /** Candidate model kinds; default all (LR, GBT, blend). */
  models?: ModelKind[];
  /** Rows from which a selection uses one hold-out instead of inner k-fold CV (default HOLDOUT_SELECTION_ROWS; tests lower it). */
  holdoutFrom?: number;
  /** Leakage checks (default on); `keep` names columns known at scoring time, never dropped for a suspicion. */
  leakage?: false | { keep?: readonly string[]; compareWithout?: boolean };
  /**
   * Worker threads for the outer folds (default: one per core, at most one per fold, from
   * `parallelFrom` rows on); 1 runs every fold in this thread. Results are identical either way.
   */
  workers?: number;
  /** Rows from which the outer folds run in worker threads (default PARALLEL_FOLDS_ROWS). */
  parallelFrom?: number;
  /** Called as each phase ends (not for the evaluation without the suspects' own phases). */
  onPhase?: PhaseFn;
  /**
   * Fit the chosen kind on every row (default true). An evaluation that only reports (`evaluate`,
   * the comparison without the suspects) skips that refit: the report is the same without it.
   */
  fitFinal?: boolean;
}

export interface EvaluationRun {
  report: EvaluationReport;
  encoder: Encoder;
  matrix: FeatureMatrix;
  y: Uint8Array;
  /** Out-of-fold log-odds of the chosen model kind (NaN where no fold predicted). */
  chosenOof: Float64Array;
  /** The chosen kind, fitted on every row by the final selection; null with `fitFinal: false`. */
  finalModel: Classifier | null;
}

export { columnImportance, createClassifier };


function toFactors(sums: Map<string, number>): ImportanceFactor[] {
  let total = 0;
  for (const v of sums.values()) total += v;
  return [...sums]
    .map(([name, v]) => ({ name, importance: total > 0 ? v / total : 0 }))
    .sort((a, b) => b.importance - a.importance || (a.name < b.name ? -1 : 1));
}

/**
 * Nested cross-validation: in every outer fold, `selectModel` picks a kind by inner CV on the
 * training part only and all candidates are fitted there; the outer test part then scores each
 * candidate and the pick. The reported AUC is the pick's (the whole procedure's, so choosing costs
 * no optimism); the candidates' outer AUCs are shown beside it. Finally the same selection runs on
 * every row to choose, and fit, the model that is kept.
 */
export async function runEvaluation(data: PreparedData, options: PipelineOptions): Promise<EvaluationRun> {
  const { y, specs, columns } = data;
  const n = y.length;
  if (specs.length === 0) throw new DatasetError('columns', 'no usable feature columns remain after dropping the target, id, excluded and unusable columns');
  const encoder = Encoder.fitColumns(specs, columns, n);
  const matrix = encoder.transformColumns(columns, n);
  options.onPhase?.('encode');
  const folds: Fold[] = data.foldIds
    ? givenFolds(data.foldIds)
    : data.times
      ? timeSeriesFolds(data.times, options.folds)
      : stratifiedKFold(y, options.folds, options.seed);
  if (folds.length < 2) throw new DatasetError('timeColumn', 'too few dated rows to form forward-chaining folds');
  const kinds = MODEL_KINDS.filter((k) => (options.models ?? MODEL_KINDS).includes(k));
  const total = evaluationSteps(folds.length) + (options.extraSteps ?? 0);
  let done = 0;
  const selectOptions = { seed: options.seed, kinds, gbt: options.gbt, times: data.times && !data.foldIds ? data.times : null, holdoutFrom: options.holdoutFrom };
  const select = (rows: Uint32Array) => selectModel(matrix, y, rows, selectOptions);
  const oofs = new Map<ModelKind | 'selected', Float64Array>([...kinds, 'selected' as const].map((k) => [k, new Float64Array(n).fill(Number.NaN)]));
  const importance = new Map<ModelKind, Map<string, number>>(kinds.map((k) => [k, new Map()]));
  const foldAucs = new Map<ModelKind | 'selected', number[]>([...kinds, 'selected' as const].map((k) => [k, []]));
  const picks: ModelKind[] = [];
  const found = { onHoldout: 0, gbtRounds: [] as number[], lrLambdas: [] as number[] };
  const notes: string[] = [];
  const reportFold = (f: number, selection: ModelSelection) =>
    options.onProgress?.(++done, total, `fold ${f + 1}/${folds.length}: ${selection.method === 'holdout' ? 'inner hold-out' : 'inner CV'} chose ${selection.chosen}`);
  // Outer folds are independent: on larger data they run in worker threads (outer-folds.ts), each
  // the same runFold as here, and their outcomes are merged below in fold order either way.
  const workers = options.workers ?? defaultWorkers(folds.length);
  const pool = workers > 1 && n >= (options.parallelFrom ?? PARALLEL_FOLDS_ROWS) ? new TaskPool(shareData(matrix, y), workers) : null;
  try {
    // Small data (every selection by inner CV, none on a hold-out): the final selection on every
    // row does not depend on the folds, so it is queued beside them instead of running after them.
    const allRows = () => Uint32Array.from({ length: n }, (_, i) => i);
    const early = pool && n < (options.holdoutFrom ?? HOLDOUT_SELECTION_ROWS) ? pool.select(selectOptions) : null;
    early?.catch(() => undefined); // awaited below, after the folds
    const fitFinal = options.fitFinal !== false;
    const { outcomes, speculative } = await runOuterFolds(matrix, y, folds, selectOptions, pool, reportFold, fitFinal);
    if (pool?.workerError) notes.push(`Worker threads were unavailable (${pool.workerError}); the outer folds ran in one thread.`);
    for (let f = 0; f < folds.length; f++) {
      const fold = folds[f];
      const { selection, fittedOn, gbtRounds, lrLambda, candidates: fitted } = outcomes[f];
      picks.push(selection.chosen);
      if (fittedOn === 'train_part') found.onHoldout++;
      if (gbtRounds !== null) found.gbtRounds.push(gbtRounds);
      if (lrLambda !== null) found.lrLambdas.push(lrLambda);
      const yTest = Array.from(fold.test, (i) => y[i]);
      for (const { kind, raw, importance: columnSums } of fitted) {
        const targets = kind === selection.chosen ? [kind, 'selected' as const] : [kind];
        for (const t of targets) {
          fold.test.forEach((i, k) => (oofs.get(t)![i] = raw[k]));
          const auc = rocAuc(yTest, raw);
          if (!Number.isNaN(auc)) foldAucs.get(t)!.push(auc);
        }
        const sums = importance.get(kind)!;
        for (const [name, v] of columnSums) sums.set(name, (sums.get(name) ?? 0) + v);
      }
    }
    options.onPhase?.('outer_folds');
    // Large data (every outer fold selected on a hold-out): the outer folds already are a k-fold CV
    // of every candidate on all rows, so the final choice is read from them and only the chosen kind
    // is refitted (see selectFromOuterFolds) — in worker threads when there are some, while this
    // thread runs the leakage audit. Otherwise the selection runs again on every row.
    const outer = { kinds, foldAucs, oofRaw: oofs, gbtRounds: found.gbtRounds, lrLambdas: found.lrLambdas, seed: options.seed, gbt: options.gbt };
    let final: { selection: ModelSelection; model: Classifier | Promise<Classifier> | null };
    if (early) {
      const { selection, fittedOn, model } = await early;
      if (fittedOn !== 'all') throw new Error('the final selection of small data fitted on a hold-out');
      final = { selection, model: candidateFromJSON(model) };
    } else if (found.onHoldout !== folds.length) {
      const selected = select(allRows());
      final = fitFinal ? finalSelection(matrix, y, selected, options) : { selection: selected.selection, model: null };
    } else if (!fitFinal) final = { selection: chooseFromOuterFolds(y, outer).selection, model: null };
    else if (!pool) final = selectFromOuterFolds(matrix, y, outer);
    else {
      const { selection, refit } = chooseFromOuterFolds(y, outer);
      final = { selection, model: refitInPool(pool, selection.chosen, refit, speculative) };
    }
    const how = { outer_cv: 'the outer folds', holdout: `one hold-out of all ${n} rows`, inner_cv: `inner CV on all ${n} rows` }[final.selection.method ?? 'inner_cv'];
    options.onProgress?.(++done, total, `${how} chose ${final.selection.chosen}`);
    options.onPhase?.('final_selection');
    const candidates: CandidateResult[] = kinds.map((model) => {
      const aucs = foldAucs.get(model)!;
      return { model, auc: mean(aucs), aucStd: std(aucs), foldAucs: aucs };
    });
    const selectedAucs = foldAucs.get('selected')!;
    const chosen = { model: final.selection.chosen, auc: mean(selectedAucs), aucStd: std(selectedAucs) };
    const oof = oofs.get('selected')!;
    const yTested: number[] = [];
    const pTested: number[] = [];
    for (let i = 0; i < n; i++) {
      if (Number.isNaN(oof[i])) continue;
      yTested.push(y[i]);
      pTested.push(sigmoid(oof[i]));
    }
    let positives = 0;
    for (let i = 0; i < n; i++) positives += y[i];
    const chosenImportance = toFactors(importance.get(chosen.model)!);
    const leakage = options.leakage === false ? null : (options.leakage ?? {});
    const leakageModel: ModelKind = chosen.model === 'blend' && kinds.includes('gradient_boosted_trees') ? 'gradient_boosted_trees' : chosen.model;
    const keep = new Set(leakage?.keep ?? []);
    const leakageWarnings = leakage
      ? await checkLeakage({
          specs,
          columns,
          y,
          folds,
          // Drop-column CV refits one model per fold per column: the blend's members are refitted with inner CV, so its GBT stands in.
          model: leakageModel,
          auc: candidates.find((c) => c.model === leakageModel)?.auc ?? chosen.auc,
          importance: new Map(chosenImportance.map((f) => [f.name, f.importance])),
          dateColumns: new Set(data.columnReports.filter((c) => c.type === 'date').map((c) => c.name)),
          times: data.times,
          timesAreDates: data.timesAreDates ?? false,
          timeColumn: data.timeColumn,
          keep,
          seed: options.seed,
        })
      : [];
    options.onPhase?.('leakage_audit');
    const finalModel = await final.model;
    if (final.model instanceof Promise) options.onPhase?.('final_refit');
    pool?.close();
    const suspects = leakageWarnings.filter((w) => !w.kept).map((w) => w.column);
    let withoutSuspects: WithoutSuspects | null = null;
    if (leakage && leakage.compareWithout !== false && suspects.length > 0 && suspects.length < specs.length) {
      const rest = specs.filter((s) => !suspects.includes(s.name));
      const again = await runEvaluation({ ...data, specs: rest }, { ...options, onProgress: undefined, onPhase: undefined, extraSteps: 0, leakage: false, fitFinal: false });
      const r = again.report;
      withoutSuspects = { excluded: suspects, auc: r.auc, aucStd: r.aucStd, logLoss: r.logLoss, model: r.model, candidates: r.candidates, topFactors: r.topFactors, selection: r.selection };
      options.onPhase?.('without_suspects');
    }
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
      selection: { ...final.selection, outerPicks: picks },
      topFactors: chosenImportance.slice(0, 10),
      leakageWarnings,
      withoutSuspects,
      columns: data.columnReports,
      calibration: calibrationTable(yTested, pTested),
      validation: { method: data.foldIds ? 'given_folds' : data.times ? 'time_forward_chaining' : 'stratified_kfold', folds: folds.length },
      notes: [...data.notes, ...notes],
    };
    if (leakageWarnings.length > 0) {
      const named = leakageWarnings.map((w) => `"${w.column}"${w.kept ? ' (kept)' : ''}`).join(', ');
      const without = withoutSuspects ? ` Without ${withoutSuspects.excluded.map((c) => `"${c}"`).join(', ')} the AUC is ${withoutSuspects.auc.toFixed(3)}.` : '';
      report.notes.push(`Possible leakage in ${named}: the AUC above may be too good to be true.${without}`);
    }
    const chosenOof = oofs.get(chosen.model) ?? oof;
    return { report, encoder, matrix, y, chosenOof, finalModel };
  } finally {
    pool?.close();
  }
}

/** The chosen kind from a selection on every row; refitted on all of them if it was fitted on a hold-out's training part. */
function finalSelection(m: FeatureMatrix, y: Uint8Array, selected: Selected, options: PipelineOptions): { selection: ModelSelection; model: Classifier } {
  const chosen = selected.selection.chosen;
  const model =
    selected.fittedOn === 'all'
      ? selected.models.get(chosen)!
      : refitChosen(m, y, Uint32Array.from({ length: m.rows }, (_, i) => i), chosen, { ...selected, seed: options.seed, gbt: options.gbt });
  return { selection: selected.selection, model };
}

export interface TrainOptions {
  target: string;
  seed: number;
  schema: CsvColumnSchema[] | null;
  onProgress?: ProgressFn;
  progressTotal?: number;
  onPhase?: PhaseFn;
}

const orNull = (x: number): number | null => (Number.isFinite(x) ? x : null);

/** Calibrate on the chosen model's out-of-fold predictions, then fit it on every row. */
export function finishTraining(run: EvaluationRun, options: TrainOptions): TrainedModel {
  const { report, matrix, y } = run;
  const calibrator = PlattCalibrator.fit(run.chosenOof, y);
  const model = run.finalModel;
  if (!model) throw new Error('finishTraining needs an evaluation that fitted the final model (fitFinal)');
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
    selection: { chosen: report.selection.chosen, reason: report.selection.reason, innerFolds: report.selection.innerFolds, candidates: report.selection.candidates },
    leakageWarnings: report.leakageWarnings,
  };
}
