import type { Classifier, ModelKind } from './classifier.ts';
import type { Fold } from './cross-validate.ts';
import { type FeatureMatrix, matrixRow } from './feature-matrix.ts';
import { type SelectOptions, selectModel } from './model-selection.ts';
import { createRandom, shuffleInPlace } from './random.ts';
import type { ModelSelection } from './trained-model.schema.ts';

/** Mean |per-column contribution| over the given rows, summed per column (not yet normalised). */
export function columnImportance(model: Classifier, m: FeatureMatrix, rows: ArrayLike<number>): Map<string, number> {
  const sums = new Map<string, number>();
  for (let k = 0; k < rows.length; k++) {
    for (const c of model.contributions(matrixRow(m, rows[k])).contributions) {
      sums.set(c.name, (sums.get(c.name) ?? 0) + Math.abs(c.contribution));
    }
  }
  return sums;
}

/** At most `max` of `rows`, drawn with the seeded RNG (all of them when there are fewer). */
export function sampleRows(rows: ArrayLike<number>, max: number, seed: number): Uint32Array {
  const all = Uint32Array.from(rows);
  return all.length <= max ? all : shuffleInPlace(all, createRandom(seed)).slice(0, max);
}

/**
 * What one outer fold of a nested evaluation produces: the inner selection on its training part,
 * and for every fitted candidate its log-odds on the fold's test rows and its column importance on
 * a sample of them. Plain data only (strings, numbers, typed arrays), so a worker thread can send
 * it back (fold-pool.ts) and the result is the same whichever thread computed it.
 */
export interface FoldOutcome {
  selection: ModelSelection;
  fittedOn: 'all' | 'train_part';
  gbtRounds: number | null;
  lrLambda: number | null;
  /** Per candidate kind, in the order the selection fitted them. */
  candidates: { kind: ModelKind; raw: Float64Array; importance: [string, number][] }[];
}

/** Rows of each test fold whose contributions are averaged into the column importance. */
export const IMPORTANCE_SAMPLE_ROWS = 400;

/** One outer fold: select on `fold.train`, then score `fold.test` with every candidate. */
export function runFold(m: FeatureMatrix, y: ArrayLike<number>, fold: Fold, select: SelectOptions): FoldOutcome {
  const { selection, models, fittedOn, gbtRounds, lrLambda } = selectModel(m, y, fold.train, select);
  const sample = sampleRows(fold.test, IMPORTANCE_SAMPLE_ROWS, select.seed);
  const candidates = [...models].map(([kind, model]) => ({
    kind,
    raw: model.predictRawMatrix(m, fold.test),
    importance: [...columnImportance(model, m, sample)],
  }));
  return { selection, fittedOn, gbtRounds, lrLambda, candidates };
}
