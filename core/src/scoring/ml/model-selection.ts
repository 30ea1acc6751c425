import { BlendModel, createMember } from './blend.model.ts';
import { PlattCalibrator } from './calibration.ts';
import { type Classifier, MODEL_KINDS, type ModelKind } from './classifier.ts';
import { type Fold, stratifiedKFold, timeSeriesFolds } from './cross-validate.ts';
import type { FeatureMatrix } from './feature-matrix.ts';
import type { GradientBoostingOptions } from './gbt.model.ts';
import { mean, sigmoid, std } from './math.ts';
import { logLoss, rocAuc } from './metrics.ts';
import type { ModelSelection } from './trained-model.schema.ts';

export interface SelectOptions {
  seed: number;
  /** Candidate kinds, in any order; they are ranked by MODEL_KINDS for the simplicity preference. */
  kinds?: readonly ModelKind[];
  innerFolds?: number;
  /** Overrides of the trees' defaults (for tuning studies on a tuning split). */
  gbt?: GradientBoostingOptions;
  /** Arrival times: inner folds then chain forward in time like the outer ones. */
  times?: Float64Array | null;
}

export interface Selected {
  selection: ModelSelection;
  /** Every candidate fitted on all `rows` (the blend reuses the two members). */
  models: Map<ModelKind, Classifier>;
}

const DEFAULT_INNER_FOLDS = 3;

const orNull = (x: number): number | null => (Number.isFinite(x) ? x : null);

/**
 * Choose a model kind using only `rows` (the training part of an outer fold, or all data for the
 * final model): inner CV gives each candidate's AUC per inner fold; the members' out-of-fold
 * log-odds also calibrate the blend. The best mean AUC sets the bar, and the simplest candidate
 * (LR, then GBT, then the blend) within one standard error of it wins — the 1-SE rule, because a
 * difference smaller than the fold-to-fold noise is no reason to take the more complex model.
 */
export function selectModel(m: FeatureMatrix, y: ArrayLike<number>, rows: Uint32Array, options: SelectOptions): Selected {
  const kinds = MODEL_KINDS.filter((k) => (options.kinds ?? MODEL_KINDS).includes(k));
  const k = options.innerFolds ?? DEFAULT_INNER_FOLDS;
  const seed = options.seed;
  let positives = 0;
  for (const i of rows) positives += y[i];
  const folds: Fold[] =
    Math.min(positives, rows.length - positives) < 2 * k ? [] : options.times ? timeSeriesFolds(options.times, k, rows) : stratifiedKFold(y, k, seed, rows);
  const needMembers = kinds.includes('blend');
  const oof = { lr: new Float64Array(m.rows).fill(Number.NaN), gbt: new Float64Array(m.rows).fill(Number.NaN) };
  for (const f of folds) {
    if (kinds.includes('logistic_regression') || needMembers) {
      const r = createMember('logistic_regression', seed).fit(m, y, f.train).predictRawMatrix(m, f.test);
      f.test.forEach((i, j) => (oof.lr[i] = r[j]));
    }
    if (kinds.includes('gradient_boosted_trees') || needMembers) {
      const r = createMember('gradient_boosted_trees', seed, options.gbt).fit(m, y, f.train).predictRawMatrix(m, f.test);
      f.test.forEach((i, j) => (oof.gbt[i] = r[j]));
    }
  }
  const lrCal = PlattCalibrator.fit(oof.lr, y);
  const gbtCal = PlattCalibrator.fit(oof.gbt, y);
  const oofOf = (kind: ModelKind): Float64Array => {
    if (kind === 'logistic_regression') return oof.lr;
    if (kind === 'gradient_boosted_trees') return oof.gbt;
    return Float64Array.from(oof.lr, (r, i) => 0.5 * (lrCal.calibrateRaw(r) + gbtCal.calibrateRaw(oof.gbt[i])));
  };
  const candidates = kinds.map((model) => {
    const raw = oofOf(model);
    const aucs: number[] = [];
    const ys: number[] = [];
    const ps: number[] = [];
    for (const f of folds) {
      const yt = Array.from(f.test, (i) => y[i]);
      const auc = rocAuc(yt, Array.from(f.test, (i) => raw[i]));
      if (!Number.isNaN(auc)) aucs.push(auc);
      for (const i of f.test) {
        ys.push(y[i]);
        // Log loss of calibrated probabilities, so the uncalibrated GBT is not penalised for scale alone.
        ps.push(sigmoid(model === 'logistic_regression' ? lrCal.calibrateRaw(raw[i]) : model === 'gradient_boosted_trees' ? gbtCal.calibrateRaw(raw[i]) : raw[i]));
      }
    }
    return { model, auc: mean(aucs), aucStd: std(aucs), n: aucs.length, logLoss: ys.length ? logLoss(ys, ps) : Number.NaN };
  });
  let chosen: ModelKind = kinds[0];
  let reason: string;
  const scored = candidates.filter((c) => Number.isFinite(c.auc));
  if (scored.length === 0) {
    reason = `too few outcomes of each class for ${k}-fold inner cross-validation; the simplest model (${chosen}) is used`;
  } else {
    const best = scored.reduce((a, b) => (b.auc > a.auc || (b.auc === a.auc && b.logLoss < a.logLoss) ? b : a));
    const se = best.n > 1 ? best.aucStd / Math.sqrt(best.n) : 0;
    const pick = scored.find((c) => c.auc >= best.auc - se)!;
    chosen = pick.model;
    const f = (x: number) => x.toFixed(3);
    reason =
      pick.model === best.model
        ? `${pick.model} has the best inner-CV AUC (${f(best.auc)})${pick === scored[0] ? '' : `, and no simpler model is within one standard error (${f(se)}) of it`}`
        : `${pick.model} (inner-CV AUC ${f(pick.auc)}) is within one standard error (${f(se)}) of the best, ${best.model} (${f(best.auc)}), and is simpler`;
  }
  const models = new Map<ModelKind, Classifier>();
  const lr = kinds.includes('logistic_regression') || needMembers ? createMember('logistic_regression', seed).fit(m, y, rows) : null;
  const gbt = kinds.includes('gradient_boosted_trees') || needMembers ? createMember('gradient_boosted_trees', seed, options.gbt).fit(m, y, rows) : null;
  if (lr && kinds.includes('logistic_regression')) models.set('logistic_regression', lr);
  if (gbt && kinds.includes('gradient_boosted_trees')) models.set('gradient_boosted_trees', gbt);
  if (lr && gbt && needMembers) {
    // Without inner folds there is nothing to calibrate on: the members are averaged as they are.
    models.set('blend', BlendModel.fromParts({ lr, gbt, lrCalibration: lrCal, gbtCalibration: gbtCal }));
  }
  return {
    selection: {
      chosen,
      reason,
      innerFolds: folds.length,
      candidates: candidates.map((c) => ({ model: c.model, auc: orNull(c.auc), aucStd: orNull(c.aucStd), logLoss: orNull(c.logLoss) })),
    },
    models,
  };
}
