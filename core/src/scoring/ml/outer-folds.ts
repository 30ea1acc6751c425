import type { Classifier, ModelKind } from './classifier.ts';
import type { Fold } from './cross-validate.ts';
import type { FeatureMatrix } from './feature-matrix.ts';
import { type MemberJSON, memberFromJSON, type TaskPool } from './fold-pool.ts';
import { type FoldOutcome, runFold } from './fold-task.ts';
import { blendOf, type MemberKind, type RefitPlan, type SelectOptions } from './model-selection.ts';
import type { ModelSelection } from './trained-model.schema.ts';

/**
 * Members refitted on every row ahead of the final choice: the trees with at least the rounds it
 * will reuse, logistic regression with the penalty it will reuse (only once the folds pin it).
 */
export interface Speculative {
  trees: { rounds: number; model: Promise<MemberJSON> } | null;
  lr: { lambda: number; model: Promise<MemberJSON> } | null;
}

/**
 * Every outer fold, in the pool's worker threads when there is a pool (else one after the other
 * here), outcomes in fold order. With a pool, once every fold has started and a worker is idle
 * (3 folds on 2 workers: while the last fold runs), the trees are refitted on every row with as
 * many rounds as the folds' (lower) median can still reach: each unknown fold can only lower it.
 * Cut to the median later, that IS the final refit of the trees (see refitMember), grown on a core
 * that would otherwise wait. Logistic regression likewise, when the finished folds already fix the
 * median penalty (its grid is small, so folds often agree). A refit the final choice does not use
 * is thrown away.
 */
export async function runOuterFolds(
  m: FeatureMatrix,
  y: Uint8Array,
  folds: readonly Fold[],
  select: SelectOptions & { kinds: readonly ModelKind[] },
  pool: TaskPool | null,
  reportFold: (f: number, selection: ModelSelection) => void,
  refitsAhead = true,
): Promise<{ outcomes: FoldOutcome[]; speculative: Speculative }> {
  const speculative: Speculative = { trees: null, lr: null };
  if (!pool) {
    const outcomes: FoldOutcome[] = [];
    for (let f = 0; f < folds.length; f++) {
      const outcome = runFold(m, y, folds[f], select);
      outcomes.push(outcome);
      reportFold(f, outcome.selection);
      await new Promise((resolve) => setImmediate(resolve));
    }
    return { outcomes, speculative };
  }
  const finished: FoldOutcome[] = [];
  const at = Math.floor((folds.length - 1) / 2);
  const refit = (kind: 'logistic_regression' | 'gradient_boosted_trees', lrLambda: number | null, gbtRounds: number | null) => {
    const model = pool.refit({ kind, seed: select.seed, gbt: select.gbt, lrLambda, gbtRounds });
    model.catch(() => undefined); // awaited (and its error raised) only if used
    return model;
  };
  const speculate = (): void => {
    if (!refitsAhead || pool.idle === 0 || finished.length === folds.length || finished.some((o) => o.fittedOn !== 'train_part')) return;
    const rounds = finished.flatMap((o) => (o.gbtRounds === null ? [] : [o.gbtRounds])).sort((a, b) => a - b);
    if (!speculative.trees && select.kinds.some((k) => k !== 'logistic_regression') && rounds.length === finished.length && at < rounds.length) {
      speculative.trees = { rounds: rounds[at], model: refit('gradient_boosted_trees', null, rounds[at]) };
    }
    // The lower median of all folds' penalties lies between the known ones at at − unknown and at.
    const lambdas = finished.flatMap((o) => (o.lrLambda === null ? [] : [o.lrLambda])).sort((a, b) => a - b);
    const low = at - (folds.length - finished.length);
    if (!speculative.lr && select.kinds.some((k) => k !== 'gradient_boosted_trees') && lambdas.length === finished.length && low >= 0 && at < lambdas.length && lambdas[low] === lambdas[at]) {
      speculative.lr = { lambda: lambdas[at], model: refit('logistic_regression', lambdas[at], null) };
    }
  };
  const outcomes = await Promise.all(
    folds.map((fold, f) =>
      pool.runFold(fold, select).then((outcome) => {
        reportFold(f, outcome.selection);
        finished.push(outcome);
        speculate();
        return outcome;
      }),
    ),
  );
  return { outcomes, speculative };
}

/**
 * The final refit of an outer-CV choice in the pool: each member the chosen kind needs on its own
 * worker (the blend's two side by side), taken from the speculative refits when they fit: trees
 * grown to at least the median rounds (cut to them), logistic regression with the median penalty.
 * Results equal `refitChosen`'s.
 */
export async function refitInPool(pool: TaskPool, chosen: ModelKind, plan: RefitPlan, speculative: Speculative): Promise<Classifier> {
  const member = (kind: MemberKind): Promise<Classifier> => {
    const rounds = plan.gbtRounds;
    const { trees, lr } = speculative;
    if (kind === 'gradient_boosted_trees' && trees && rounds !== null && Math.max(1, rounds) <= Math.max(1, trees.rounds)) {
      return trees.model.then((json) => memberFromJSON(json, rounds));
    }
    if (kind === 'logistic_regression' && lr && plan.lrLambda === lr.lambda) return lr.model.then((json) => memberFromJSON(json));
    return pool.refit({ kind, seed: plan.seed, gbt: plan.gbt, lrLambda: plan.lrLambda, gbtRounds: rounds }).then((json) => memberFromJSON(json));
  };
  if (chosen !== 'blend') return member(chosen);
  const [lr, gbt] = await Promise.all([member('logistic_regression'), member('gradient_boosted_trees')]);
  return blendOf(lr, gbt, plan.calibrators);
}
