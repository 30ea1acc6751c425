import type { Classifier, ModelKind } from './classifier.ts';
import type { Fold } from './cross-validate.ts';
import type { FeatureMatrix } from './feature-matrix.ts';
import { type MemberJSON, memberFromJSON, type TaskPool } from './fold-pool.ts';
import { type FoldOutcome, runFold } from './fold-task.ts';
import { blendOf, type MemberKind, type RefitPlan, type SelectOptions } from './model-selection.ts';
import type { ModelSelection } from './trained-model.schema.ts';

/** Trees refitted on every row ahead of the final choice, with at least the rounds it will reuse. */
export interface SpeculativeTrees {
  rounds: number;
  model: Promise<MemberJSON>;
}

/**
 * Every outer fold, in the pool's worker threads when there is a pool (else one after the other
 * here), outcomes in fold order. With a pool, once every fold has started and a worker is idle
 * (3 folds on 2 workers: while the last fold runs), the trees are refitted on every row with as
 * many rounds as the folds' (lower) median can still reach: each unknown fold can only lower it.
 * Cut to the median later, that IS the final refit of the trees (see refitMember), grown on a core
 * that would otherwise wait; if the final choice has no trees it is thrown away.
 */
export async function runOuterFolds(
  m: FeatureMatrix,
  y: Uint8Array,
  folds: readonly Fold[],
  select: SelectOptions & { kinds: readonly ModelKind[] },
  pool: TaskPool | null,
  reportFold: (f: number, selection: ModelSelection) => void,
): Promise<{ outcomes: FoldOutcome[]; speculative: SpeculativeTrees | null }> {
  if (!pool) {
    const outcomes: FoldOutcome[] = [];
    for (let f = 0; f < folds.length; f++) {
      const outcome = runFold(m, y, folds[f], select);
      outcomes.push(outcome);
      reportFold(f, outcome.selection);
      await new Promise((resolve) => setImmediate(resolve));
    }
    return { outcomes, speculative: null };
  }
  const finished: FoldOutcome[] = [];
  let speculative: SpeculativeTrees | null = null;
  const speculate = (): void => {
    if (speculative || pool.idle === 0 || select.kinds.every((k) => k === 'logistic_regression') || finished.length === folds.length) return;
    const at = Math.floor((folds.length - 1) / 2);
    if (finished.length <= at || finished.some((o) => o.fittedOn !== 'train_part' || o.gbtRounds === null)) return;
    const rounds = finished.map((o) => o.gbtRounds!).sort((a, b) => a - b)[at];
    const model = pool.refit({ kind: 'gradient_boosted_trees', seed: select.seed, gbt: select.gbt, lrLambda: null, gbtRounds: rounds });
    model.catch(() => undefined); // awaited (and its error raised) only if used
    speculative = { rounds, model };
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
 * worker (the blend's two side by side), the trees taken from the speculative refit when it grew
 * at least the median rounds (cut to them). Results equal `refitChosen`'s.
 */
export async function refitInPool(pool: TaskPool, chosen: ModelKind, plan: RefitPlan, speculative: SpeculativeTrees | null): Promise<Classifier> {
  const member = (kind: MemberKind): Promise<Classifier> => {
    const rounds = plan.gbtRounds;
    if (kind === 'gradient_boosted_trees' && speculative && rounds !== null && Math.max(1, rounds) <= Math.max(1, speculative.rounds)) {
      return speculative.model.then((json) => memberFromJSON(json, rounds));
    }
    return pool.refit({ kind, seed: plan.seed, gbt: plan.gbt, lrLambda: plan.lrLambda, gbtRounds: rounds }).then((json) => memberFromJSON(json));
  };
  if (chosen !== 'blend') return member(chosen);
  const [lr, gbt] = await Promise.all([member('logistic_regression'), member('gradient_boosted_trees')]);
  return blendOf(lr, gbt, plan.calibrators);
}
