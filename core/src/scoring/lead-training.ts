/**
 * Training a tenant's model from its labelled history (no database here): features as of each
 * lead's cutoff, the newest 20% of outcomes held out, logistic regression, gradient-boosted trees or
 * their blend chosen by forward-chaining (time-ordered) cross-validated AUC on the rest, Platt calibration,
 * then a held-out comparison with whatever scores the tenant today (the active model, or the
 * rules). Only a candidate that beats it is activated, refitted on all outcomes.
 */
import { customFeature, extractLeadFeatures, inferCustomFieldSpecs, leadFeatureSpecs, type CustomFieldSpec, type LeadFeatures } from './lead-features.ts';
import type { LeadScorer } from './lead-explanation.ts';
import { calibrationTable, createScorer, isDatasetError, logLoss, rocAuc, trainRecords, type EvaluationReport, type ModelKind, type ProgressFn, type TrainedModel } from './ml/index.ts';
import { trainRecordsInThread } from './ml/train-thread.ts';
import type { LabelledLead } from './scoring.repository.ts';
import type { FeatureConfig, ModelDecision, ModelMetrics, TrainingSummary } from './scoring.schema.ts';

export interface TrainLeadOptions {
  minPerClass: number;
  /** What scores the tenant now (active model or rules): the candidate must beat it on held-out data. */
  baseline: LeadScorer;
  /** The database time the leads were loaded at (ms), stored so the next retrain knows what this model saw. */
  seenUntil?: number;
  folds?: number;
  holdoutFraction?: number;
  seed?: number;
  /** Candidate kinds for the nested-CV selection (default: logistic regression, trees and their blend). */
  models?: readonly ModelKind[];
  onProgress?: ProgressFn;
  /**
   * Fit in a worker thread of its own (ml/train-thread.ts) so that a server's event loop, and the
   * embedded database on it, keep answering meanwhile; the result is the same. The scoring service
   * always does; the default (false) suits one-off callers and tests.
   */
  inThread?: boolean;
  /** Aborts the fit (the worker thread is terminated) and rejects with the signal's reason. */
  signal?: AbortSignal;
}

export type TrainLeadResult =
  | { status: 'cold_start'; reason: string; summary: TrainingSummary }
  | {
      status: 'trained';
      trained: TrainedModel;
      featureConfig: FeatureConfig;
      summary: TrainingSummary;
      metrics: ModelMetrics;
      decision: ModelDecision;
      report: EvaluationReport;
    };

const orNull = (x: number) => (Number.isFinite(x) ? x : null);

export function summarise(leads: readonly LabelledLead[], features: number, customFields: readonly CustomFieldSpec[]): TrainingSummary {
  const bySource: TrainingSummary['conversionBySource'] = {};
  let from = Number.POSITIVE_INFINITY;
  let to = Number.NEGATIVE_INFINITY;
  for (const l of leads) {
    const key = l.contact.lead.source ?? '(none)';
    const s = (bySource[key] ??= { labelled: 0, converted: 0 });
    s.labelled++;
    s.converted += l.label;
    from = Math.min(from, l.cutoff);
    to = Math.max(to, l.cutoff);
  }
  const positives = leads.filter((l) => l.label === 1).length;
  return {
    labelled: leads.length,
    positives,
    negatives: leads.length - positives,
    staleNegatives: leads.filter((l) => l.stale).length,
    from: Number.isFinite(from) ? new Date(from).toISOString() : null,
    to: Number.isFinite(to) ? new Date(to).toISOString() : null,
    features,
    customFields: customFields.map((c) => c.key),
    conversionBySource: bySource,
  };
}

/** Custom fields the leakage audit flags as recorded after the outcome, with its reason. */
function leakyCustomFields(report: EvaluationReport, custom: readonly CustomFieldSpec[]): { key: string; reason: string }[] {
  const out: { key: string; reason: string }[] = [];
  for (const w of report.leakageWarnings) {
    if (w.kept) continue;
    const field = custom.find((c) => customFeature(c.key) === w.column);
    if (field) out.push({ key: field.key, reason: w.reason.replace(`"${w.column}"`, `custom field "${field.key}"`) });
  }
  return out;
}

function features(leads: readonly LabelledLead[], custom: readonly CustomFieldSpec[]): LeadFeatures[] {
  return leads.map((l) => extractLeadFeatures(l.timeline.contact, l.timeline.interactions, l.cutoff, custom));
}

function holdoutMetrics(y: number[], p: number[]) {
  return { auc: orNull(rocAuc(y, p)), logLoss: y.length ? orNull(logLoss(y, p)) : null };
}

/**
 * Leaving cold start: the rules are a generic prior, not a model of this tenant, and a small
 * tenant's held-out set is noisy. The first model therefore takes over unless the rules are
 * significantly better on the held-out outcomes (by more than 1.96 standard errors of their AUC,
 * Hanley–McNeil) or the model is barely better than chance (below MIN_FIRST_MODEL_AUC). Later
 * models must strictly beat the active model on outcomes it has never seen.
 */
export const MIN_FIRST_MODEL_AUC = 0.6;

/** Hanley–McNeil standard error of an AUC measured on `positives` and `negatives` rows. */
export function aucStandardError(auc: number, positives: number, negatives: number): number {
  const q1 = auc / (2 - auc);
  const q2 = (2 * auc * auc) / (1 + auc);
  const v = (auc * (1 - auc) + (positives - 1) * (q1 - auc * auc) + (negatives - 1) * (q2 - auc * auc)) / (positives * negatives);
  return Math.sqrt(Math.max(0, v));
}

/** Held-out outcomes must have both classes and at least this many rows to decide anything. */
export const MIN_HOLDOUT = 10;

/**
 * Held-out data both models have never seen: when a model is active, the outcomes recorded after
 * it loaded its training data (whatever their dates: imported history is unseen too), else the
 * newest `fraction` by cutoff. Empty when that set is too small or lacks a class.
 */
export function splitHeldOut(leads: readonly LabelledLead[], fraction: number, seenUntil: number | null): { train: LabelledLead[]; test: LabelledLead[] } {
  const sorted = [...leads].sort((a, b) => a.cutoff - b.cutoff || (a.contact.id < b.contact.id ? -1 : 1));
  let train: LabelledLead[];
  let test: LabelledLead[];
  if (seenUntil === null) {
    const at = Math.round(sorted.length * (1 - fraction));
    train = sorted.slice(0, at);
    test = sorted.slice(at);
  } else {
    train = sorted.filter((l) => l.recordedAt <= seenUntil);
    test = sorted.filter((l) => l.recordedAt > seenUntil);
  }
  const both = (xs: LabelledLead[]) => xs.some((l) => l.label === 1) && xs.some((l) => l.label === 0);
  return test.length >= MIN_HOLDOUT && both(test) && both(train) ? { train, test } : { train: sorted, test: [] };
}

/**
 * Every kind the CSV pipeline offers, the blend included (migration 0190 widened the registry's
 * model_kind check): nested CV picks one, preferring the simpler within one standard error.
 */
const TENANT_MODEL_KINDS: ModelKind[] = ['logistic_regression', 'gradient_boosted_trees', 'blend'];

export async function trainLeadModel(leads: readonly LabelledLead[], options: TrainLeadOptions): Promise<TrainLeadResult> {
  let custom = inferCustomFieldSpecs(leads.map((l) => l.timeline.contact.customFields));
  let specs = leadFeatureSpecs(custom);
  const seenUntil = options.seenUntil === undefined ? null : new Date(options.seenUntil).toISOString();
  let summary: TrainingSummary = { ...summarise(leads, specs.length, custom), seenUntil };
  const minority = Math.min(summary.positives, summary.negatives);
  if (minority < options.minPerClass) {
    return {
      status: 'cold_start',
      summary,
      reason: `${summary.positives} converted and ${summary.negatives} lost/stale outcomes; at least ${options.minPerClass} of each are needed to train, so the rules score leads`,
    };
  }
  const folds = options.folds ?? 5;
  const seed = options.seed ?? 42;
  const { train, test } = splitHeldOut(leads, options.holdoutFraction ?? 0.2, options.baseline.trainedUntil);
  const fit = (set: readonly LabelledLead[], progress?: ProgressFn) =>
    options.inThread
      ? trainRecordsInThread(fitOptions(set, progress), options.signal)
      : (options.signal?.throwIfAborted(), trainRecords(fitOptions(set, progress)));
  const fitOptions = (set: readonly LabelledLead[], progress?: ProgressFn) => ({
    specs,
    rows: features(set, custom),
    labels: set.map((l) => l.label),
    times: set.map((l) => l.cutoff),
    folds,
    seed,
    target: 'became_customer',
    models: [...(options.models ?? TENANT_MODEL_KINDS)],
    onProgress: progress,
  });

  const activates = test.length > 0;
  const scale = (offset: number, share: number): ProgressFn | undefined =>
    options.onProgress && ((done, total, label) => options.onProgress!(Math.round((offset + (share * done) / total) * 1000), 1000, label));
  let candidate: Awaited<ReturnType<typeof fit>>;
  try {
    candidate = await fit(train, scale(0, activates ? 0.5 : 1));
  } catch (err) {
    if (!isDatasetError(err)) throw err;
    return { status: 'cold_start', summary, reason: `cannot train yet: ${err.reason}` };
  }
  // Custom fields are their current values (no history): one filled in at or after the outcome
  // (an imported "Converted" flag, a "Won deals" count) predicts it perfectly and would be
  // activated on a held-out AUC of 1. The audit flags them; they are left out and the fit redone.
  const leaky = leakyCustomFields(candidate.report, custom);
  if (leaky.length) {
    custom = custom.filter((c) => !leaky.some((l) => l.key === c.key));
    specs = leadFeatureSpecs(custom);
    summary = { ...summarise(leads, specs.length, custom), seenUntil, excludedCustomFields: leaky };
    try {
      candidate = await fit(train, scale(0, activates ? 0.5 : 1));
    } catch (err) {
      if (!isDatasetError(err)) throw err;
      return { status: 'cold_start', summary, reason: `cannot train yet: ${err.reason}` };
    }
  }
  const y = test.map((l) => l.label);
  const candidateScorer = createScorer(candidate.trained);
  const pCandidate = features(test, custom).map((f) => candidateScorer.scoreRecord(f).probability);
  const pBaseline = features(test, options.baseline.customFields).map((f) => options.baseline.score(f).probability);
  const cand = holdoutMetrics(y, pCandidate);
  const base = holdoutMetrics(y, pBaseline);
  const comparedWith = options.baseline.version === null ? 'rules' : `v${options.baseline.version}`;
  let decision: ModelDecision;
  if (!activates) {
    decision = { activated: false, comparedWith, baselineHoldoutAuc: null, candidateHoldoutAuc: null, reason:
        options.baseline.trainedUntil === null
          ? 'the newest outcomes do not contain both classes, so there is no held-out comparison'
          : `fewer than ${MIN_HOLDOUT} outcomes of both classes recorded since ${comparedWith} was trained: nothing unseen to compare on, ${comparedWith} stays active`,
    };
  } else if (cand.auc !== null && (base.auc === null || cand.auc > base.auc)) {
    decision = { activated: true, comparedWith, baselineHoldoutAuc: base.auc, candidateHoldoutAuc: cand.auc, reason: `held-out AUC ${cand.auc.toFixed(4)} beats ${comparedWith} (${base.auc?.toFixed(4) ?? 'n/a'})` };
  } else if (comparedWith === 'rules' && cand.auc !== null && cand.auc >= MIN_FIRST_MODEL_AUC && base.auc !== null) {
    const positives = y.filter((v) => v === 1).length;
    const margin = 1.96 * aucStandardError(base.auc, positives, y.length - positives);
    decision = {
      activated: cand.auc >= base.auc - margin,
      comparedWith,
      baselineHoldoutAuc: base.auc,
      candidateHoldoutAuc: cand.auc,
      reason:
        cand.auc >= base.auc - margin
          ? `first model: held-out AUC ${cand.auc.toFixed(3)} is not significantly below the generic rules (${base.auc.toFixed(3)} ± ${margin.toFixed(3)}), so the tenant's own model takes over`
          : `held-out AUC ${cand.auc.toFixed(3)} is significantly below the generic rules (${base.auc.toFixed(3)} ± ${margin.toFixed(3)}); the rules keep scoring`,
    };
  } else {
    decision = { activated: false, comparedWith, baselineHoldoutAuc: base.auc, candidateHoldoutAuc: cand.auc, reason: `held-out AUC ${cand.auc?.toFixed(4) ?? 'n/a'} does not beat ${comparedWith} (${base.auc?.toFixed(4) ?? 'n/a'})` };
  }
  // The activated model learns from every outcome, including the held-out newest ones.
  const final = decision.activated ? await fit(leads, scale(0.5, 0.5)) : candidate;
  const r = final.report;
  const metrics: ModelMetrics = {
    cvAuc: orNull(r.auc),
    cvAucStd: orNull(r.aucStd),
    cvLogLoss: orNull(r.logLoss),
    holdoutAuc: cand.auc,
    holdoutLogLoss: cand.logLoss,
    holdoutRows: test.length,
    calibration: test.length ? calibrationTable(y, pCandidate) : r.calibration,
    validation:
      options.baseline.trainedUntil === null
        ? `${r.validation.method} (${r.validation.folds} folds) on ${train.length} older outcomes; held out the newest ${test.length}`
        : `${r.validation.method} (${r.validation.folds} folds) on ${train.length} outcomes ${comparedWith} saw; held out the ${test.length} recorded after it was trained`,
    candidates: r.candidates.map((c) => ({ model: c.model, auc: orNull(c.auc), aucStd: orNull(c.aucStd) })),
    selection: { chosen: r.selection.chosen, reason: r.selection.reason },
  };
  return { status: 'trained', trained: final.trained, featureConfig: { version: 1, customFields: custom }, summary, metrics, decision, report: r };
}
