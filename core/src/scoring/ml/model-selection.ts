import { BlendModel, createMember, memberLearner } from './blend.model.ts';
import { PlattCalibrator } from './calibration.ts';
import { type Classifier, MODEL_KINDS, type ModelKind } from './classifier.ts';
import { type Fold, stratifiedHoldout, stratifiedKFold, timeSeriesFolds } from './cross-validate.ts';
import type { FeatureMatrix } from './feature-matrix.ts';
import { GradientBoostedTrees, type GradientBoostingOptions } from './gbt.model.ts';
import { LogisticRegression } from './logistic-regression.model.ts';
import { mean, sigmoid, std } from './math.ts';
import { logLoss, pairedAucDifference, rocAuc } from './metrics.ts';
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
  /** From this many rows on, one hold-out replaces inner k-fold CV (default HOLDOUT_SELECTION_ROWS). */
  holdoutFrom?: number;
}

export interface Selected {
  selection: ModelSelection;
  /**
   * Every candidate (the blend reuses the two members). 'all': fitted on all `rows` after inner CV;
   * 'train_part': fitted once on the rows outside the hold-out, the trees early-stopped on it.
   */
  models: Map<ModelKind, Classifier>;
  fittedOn: 'all' | 'train_part';
  /** Rounds the trees kept and the logistic regression's penalty, for refits that reuse them. */
  gbtRounds: number | null;
  lrLambda: number | null;
  /** The members' Platt calibrations (what the blend averages). */
  calibrators: { lr: PlattCalibrator; gbt: PlattCalibrator } | null;
}

const DEFAULT_INNER_FOLDS = 3;

/**
 * Large data: from this many rows given to one selection, inner k-fold CV (k + 1 fits of every
 * candidate) is replaced by ONE hold-out of HOLDOUT_FRACTION of the rows: 20,000 rows leave 2,000
 * hold-out rows, enough for the DeLong error of a paired AUC difference to be about ±0.01 at a 10%
 * base rate, and each candidate is then fitted once instead of four times. The trees early-stop on
 * the same hold-out (their usual 10% validation fold), so the fitted models are kept as they are.
 */
export const HOLDOUT_SELECTION_ROWS = 20_000;
export const HOLDOUT_FRACTION = 0.1;
/**
 * Trees of a hold-out selection (large data) learn at rate 0.1 instead of CANDIDATE_TREES' 0.05,
 * still early-stopped on the hold-out. Chosen on synthetic CRM exports (evals/src/scoring/
 * tune-large-trees.ts, seed 7; never the public test sets): at 30,000 rows the same test AUC
 * (0.8541 vs 0.8538) in 198 instead of 298 rounds; at 100,000 rows a higher one (0.8574 vs 0.8552)
 * in the same 300 rounds. The refit of a hold-out selection's choice uses the same rate, so the
 * rounds it reuses mean the same thing.
 */
export const HOLDOUT_LEARNING_RATE = 0.1;
const holdoutTrees = (gbt: GradientBoostingOptions | undefined): GradientBoostingOptions => ({ learningRate: HOLDOUT_LEARNING_RATE, ...gbt });

/** Both classes need at least this many hold-out rows, else inner k-fold CV is used whatever the size. */
const HOLDOUT_MIN_PER_CLASS = 50;

const orNull = (x: number): number | null => (Number.isFinite(x) ? x : null);

/**
 * Choose a model kind using only `rows` (the training part of an outer fold, or all data for the
 * final model): inner CV gives each candidate's AUC per inner fold; the members' out-of-fold
 * log-odds also calibrate the blend. The best mean AUC sets the bar, and the simplest candidate
 * (LR, then GBT, then the blend) within one standard error of it wins — the 1-SE rule, because a
 * difference smaller than the fold-to-fold noise is no reason to take the more complex model.
 */
export function selectModel(m: FeatureMatrix, y: ArrayLike<number>, rows: Uint32Array, options: SelectOptions): Selected {
  if (rows.length >= (options.holdoutFrom ?? HOLDOUT_SELECTION_ROWS)) {
    const holdout = holdoutSplit(y, rows, options);
    if (holdout) return selectOnHoldout(m, y, holdout, options);
  }
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
      method: 'inner_cv',
    },
    models,
    fittedOn: 'all',
    calibrators: { lr: lrCal, gbt: gbtCal },
    gbtRounds: gbt ? (memberLearner(gbt) as GradientBoostedTrees).iterations : null,
    lrLambda: lr ? (memberLearner(lr) as LogisticRegression).regularisation : null,
  };
}

/**
 * The hold-out of a large selection: a stratified HOLDOUT_FRACTION of `rows` (seeded), or with
 * arrival times the newest HOLDOUT_FRACTION (rows without a time stay in training). Null when a
 * class has fewer than HOLDOUT_MIN_PER_CLASS hold-out rows.
 */
export function holdoutSplit(y: ArrayLike<number>, rows: Uint32Array, options: Pick<SelectOptions, 'seed' | 'times'>): Fold | null {
  let split: Fold;
  if (options.times) {
    const times = options.times;
    const dated = Array.from(rows).filter((i) => !Number.isNaN(times[i]));
    dated.sort((a, b) => times[a] - times[b] || a - b);
    let cut = Math.round(dated.length * (1 - HOLDOUT_FRACTION));
    while (cut > 0 && cut < dated.length && times[dated[cut]] === times[dated[cut - 1]]) cut++;
    const test = Uint32Array.from(dated.slice(cut)).sort();
    const inTest = new Set(test);
    split = { train: rows.filter((i) => !inTest.has(i)), test };
  } else {
    split = stratifiedHoldout(y, HOLDOUT_FRACTION, options.seed, rows);
  }
  let positives = 0;
  for (const i of split.test) positives += y[i];
  return Math.min(positives, split.test.length - positives) < HOLDOUT_MIN_PER_CLASS || split.train.length === 0 ? null : split;
}

/**
 * Selection on one hold-out (large data): each member is fitted once on the other rows (the trees
 * early-stopping on the hold-out), the members are Platt-calibrated on their hold-out log-odds for
 * the blend, and every candidate's hold-out AUC is compared with the best one's. The 1-SE rule
 * then uses the standard error that fits a single hold-out: DeLong's error of the PAIRED
 * difference between the two AUCs (both models score the same rows), so the simplest candidate
 * whose gap to the best is within one such error wins.
 */
function selectOnHoldout(m: FeatureMatrix, y: ArrayLike<number>, split: Fold, options: SelectOptions): Selected {
  const kinds = MODEL_KINDS.filter((k) => (options.kinds ?? MODEL_KINDS).includes(k));
  const seed = options.seed;
  const needMembers = kinds.includes('blend');
  const test = split.test;
  const yTest = Uint8Array.from(test, (i) => y[i]);
  const lr = kinds.includes('logistic_regression') || needMembers ? createMember('logistic_regression', seed).fit(m, y, split.train) : null;
  const gbt = kinds.includes('gradient_boosted_trees') || needMembers ? createMember('gradient_boosted_trees', seed, { ...holdoutTrees(options.gbt), validationRows: test }).fit(m, y, split.train) : null;
  const rawLr = lr ? lr.predictRawMatrix(m, test) : null;
  const rawGbt = gbt ? gbt.predictRawMatrix(m, test) : null;
  const lrCal = rawLr ? PlattCalibrator.fit(rawLr, yTest) : PlattCalibrator.identity();
  const gbtCal = rawGbt ? PlattCalibrator.fit(rawGbt, yTest) : PlattCalibrator.identity();
  const calibrated = (kind: ModelKind): Float64Array => {
    if (kind === 'logistic_regression') return Float64Array.from(rawLr!, (r) => lrCal.calibrateRaw(r));
    if (kind === 'gradient_boosted_trees') return Float64Array.from(rawGbt!, (r) => gbtCal.calibrateRaw(r));
    return Float64Array.from(rawLr!, (r, k) => 0.5 * (lrCal.calibrateRaw(r) + gbtCal.calibrateRaw(rawGbt![k])));
  };
  const scores = new Map(kinds.map((k) => [k, calibrated(k)]));
  const candidates = kinds.map((model) => {
    const s = scores.get(model)!;
    return { model, auc: rocAuc(yTest, s), logLoss: logLoss(yTest, Array.from(s, sigmoid)) };
  });
  const best = candidates.reduce((a, b) => (b.auc > a.auc || (b.auc === a.auc && b.logLoss < a.logLoss) ? b : a));
  const gaps = candidates.map((c) => (c === best ? 0 : pairedAucDifference(yTest, scores.get(best.model)!, scores.get(c.model)!).se));
  const pickIndex = candidates.findIndex((c, j) => c.auc >= best.auc - gaps[j]);
  const pick = candidates[pickIndex];
  const f = (x: number) => x.toFixed(3);
  const where = `a ${test.length}-row hold-out`;
  const reason =
    pick === best
      ? `${best.model} has the best AUC on ${where} (${f(best.auc)})${
          pickIndex === 0
            ? ''
            : `, and no simpler model is within one standard error of the paired difference (${candidates
                .slice(0, pickIndex)
                .map((c) => `${c.model} ${f(c.auc)}, gap ${f(best.auc - c.auc)} > ${f(gaps[candidates.indexOf(c)])}`)
                .join('; ')})`
        }`
      : `${pick.model} (AUC ${f(pick.auc)} on ${where}) is within one standard error of the paired difference (DeLong, ${f(gaps[pickIndex])}) of the best, ${best.model} (${f(best.auc)}), and is simpler`;
  const models = new Map<ModelKind, Classifier>();
  if (lr && kinds.includes('logistic_regression')) models.set('logistic_regression', lr);
  if (gbt && kinds.includes('gradient_boosted_trees')) models.set('gradient_boosted_trees', gbt);
  if (lr && gbt && needMembers) models.set('blend', BlendModel.fromParts({ lr, gbt, lrCalibration: lrCal, gbtCalibration: gbtCal }));
  return {
    selection: {
      chosen: pick.model,
      reason,
      innerFolds: 1,
      candidates: candidates.map((c) => ({ model: c.model, auc: orNull(c.auc), aucStd: null, logLoss: orNull(c.logLoss) })),
      method: 'holdout',
    },
    models,
    fittedOn: 'train_part',
    calibrators: { lr: lrCal, gbt: gbtCal },
    gbtRounds: gbt ? (memberLearner(gbt) as GradientBoostedTrees).iterations : null,
    lrLambda: lr ? (memberLearner(lr) as LogisticRegression).regularisation : null,
  };
}

/**
 * The final choice of a large evaluation whose outer folds each selected on a hold-out: the 1-SE
 * rule of inner CV applied to the OUTER folds' AUCs (k-fold CV on every row, with no extra fit),
 * the blend's members calibrated on their outer out-of-fold log-odds, and only the chosen kind
 * refitted on every row, reusing the folds' median tree rounds and penalty instead of searching
 * them again.
 */
export function selectFromOuterFolds(m: FeatureMatrix, y: ArrayLike<number>, input: OuterFoldResults): { selection: ModelSelection; model: Classifier } {
  const { selection, refit } = chooseFromOuterFolds(y, input);
  return { selection, model: refitChosen(m, y, Uint32Array.from({ length: m.rows }, (_, i) => i), selection.chosen, refit) };
}

export interface OuterFoldResults {
  kinds: readonly ModelKind[];
  foldAucs: ReadonlyMap<string, readonly number[]>;
  oofRaw: ReadonlyMap<string, Float64Array>;
  gbtRounds: readonly number[];
  lrLambdas: readonly number[];
  seed: number;
  gbt?: GradientBoostingOptions;
}

/** What the final refit of an outer-CV selection reuses: the folds' median rounds and penalty, and the members' calibrations. */
export interface RefitPlan {
  gbtRounds: number | null;
  lrLambda: number | null;
  calibrators: { lr: PlattCalibrator; gbt: PlattCalibrator };
  seed: number;
  gbt?: GradientBoostingOptions;
}

/** The lower median (the folds' tree rounds and penalties are reused through it); null for none. */
export function lowerMedian(xs: readonly number[]): number | null {
  if (xs.length === 0) return null;
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.floor((sorted.length - 1) / 2)];
}

/** The choice of `selectFromOuterFolds` without its refit. */
export function chooseFromOuterFolds(y: ArrayLike<number>, input: OuterFoldResults): { selection: ModelSelection; refit: RefitPlan } {
  const kinds = MODEL_KINDS.filter((k) => input.kinds.includes(k));
  const lrCal = input.oofRaw.has('logistic_regression') ? PlattCalibrator.fit(input.oofRaw.get('logistic_regression')!, y) : PlattCalibrator.identity();
  const gbtCal = input.oofRaw.has('gradient_boosted_trees') ? PlattCalibrator.fit(input.oofRaw.get('gradient_boosted_trees')!, y) : PlattCalibrator.identity();
  const candidates = kinds.map((model) => {
    const aucs = input.foldAucs.get(model) ?? [];
    const raw = input.oofRaw.get(model);
    const ys: number[] = [];
    const ps: number[] = [];
    if (raw) {
      const cal = model === 'logistic_regression' ? lrCal : model === 'gradient_boosted_trees' ? gbtCal : PlattCalibrator.identity();
      for (let i = 0; i < raw.length; i++) {
        if (Number.isNaN(raw[i])) continue;
        ys.push(y[i]);
        ps.push(sigmoid(cal.calibrateRaw(raw[i])));
      }
    }
    return { model, auc: mean(aucs), aucStd: std(aucs), n: aucs.length, logLoss: ys.length ? logLoss(ys, ps) : Number.NaN };
  });
  const scored = candidates.filter((c) => Number.isFinite(c.auc));
  let chosen: ModelKind = kinds[0];
  let reason = `no outer fold could be scored; the simplest model (${chosen}) is used`;
  const f = (x: number) => x.toFixed(3);
  if (scored.length > 0) {
    const best = scored.reduce((a, b) => (b.auc > a.auc || (b.auc === a.auc && b.logLoss < a.logLoss) ? b : a));
    const se = best.n > 1 ? best.aucStd / Math.sqrt(best.n) : 0;
    const pick = scored.find((c) => c.auc >= best.auc - se)!;
    chosen = pick.model;
    const folds = `${best.n} outer folds`;
    reason =
      pick.model === best.model
        ? `${pick.model} has the best AUC over the ${folds} (${f(best.auc)})${pick === scored[0] ? '' : `, and no simpler model is within one standard error (${f(se)}) of it`}`
        : `${pick.model} (AUC ${f(pick.auc)} over the ${folds}) is within one standard error (${f(se)}) of the best, ${best.model} (${f(best.auc)}), and is simpler`;
  }
  const refit: RefitPlan = {
    gbtRounds: lowerMedian(input.gbtRounds),
    lrLambda: lowerMedian(input.lrLambdas),
    calibrators: { lr: lrCal, gbt: gbtCal },
    seed: input.seed,
    gbt: input.gbt,
  };
  return {
    selection: {
      chosen,
      reason,
      innerFolds: scored[0]?.n ?? 0,
      candidates: candidates.map((c) => ({ model: c.model, auc: orNull(c.auc), aucStd: orNull(c.aucStd), logLoss: orNull(c.logLoss) })),
      method: 'outer_cv',
    },
    refit,
  };
}

/**
 * Fit only the chosen kind of a hold-out selection on `rows`, with the tree rounds (and the
 * hold-out selection's learning rate) and penalty found before (no second
 * early-stopping split, no second λ search); the blend reuses the members' calibrations.
 */
export function refitChosen(
  m: FeatureMatrix,
  y: ArrayLike<number>,
  rows: Uint32Array,
  chosen: ModelKind,
  found: { gbtRounds: number | null; lrLambda: number | null; calibrators: { lr: PlattCalibrator; gbt: PlattCalibrator } | null; seed: number; gbt?: GradientBoostingOptions },
): Classifier {
  const refit = (kind: MemberKind) => refitMember(m, y, rows, { kind, seed: found.seed, gbt: found.gbt, lrLambda: found.lrLambda, gbtRounds: found.gbtRounds });
  if (chosen !== 'blend') return refit(chosen);
  return blendOf(refit('logistic_regression'), refit('gradient_boosted_trees'), found.calibrators);
}

export type MemberKind = 'logistic_regression' | 'gradient_boosted_trees';

/** What a refit of one member needs: its kind, and the penalty or tree rounds found before (null: search/early-stop as usual). */
export interface MemberRefit {
  kind: MemberKind;
  seed: number;
  gbt?: GradientBoostingOptions;
  lrLambda: number | null;
  gbtRounds: number | null;
}

/**
 * One member fitted on `rows` with the penalty or tree rounds found before (no second
 * early-stopping split, no second λ search); the trees use the hold-out selection's learning rate,
 * so the rounds they reuse mean the same thing. Trees grown without early stopping do not depend
 * on how many rounds are asked for, so a refit with more rounds, cut to fewer (`truncateTrees`),
 * is the refit with fewer.
 */
export function refitMember(m: FeatureMatrix, y: ArrayLike<number>, rows: Uint32Array, job: MemberRefit): Classifier {
  if (job.kind === 'logistic_regression') return createMember('logistic_regression', job.seed, {}, job.lrLambda === null ? {} : { lambda: job.lrLambda }).fit(m, y, rows);
  const rounds = job.gbtRounds;
  return createMember('gradient_boosted_trees', job.seed, { ...holdoutTrees(job.gbt), ...(rounds === null ? {} : { maxIterations: Math.max(1, rounds), earlyStopping: false }) }).fit(m, y, rows);
}

/** The blend of two refitted members with the calibrations found before (identity when none). */
export function blendOf(lr: Classifier, gbt: Classifier, calibrators: { lr: PlattCalibrator; gbt: PlattCalibrator } | null): Classifier {
  const cal = calibrators ?? { lr: PlattCalibrator.identity(), gbt: PlattCalibrator.identity() };
  return BlendModel.fromParts({ lr, gbt, lrCalibration: cal.lr, gbtCalibration: cal.gbt });
}
