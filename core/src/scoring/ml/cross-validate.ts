import type { Classifier } from './classifier.ts';
import { allRows, type FeatureMatrix } from './feature-matrix.ts';
import { mean, std } from './math.ts';
import { rocAuc } from './metrics.ts';
import { createRandom, shuffleInPlace } from './random.ts';

/** Matrix row indices to train on and to test on. */
export interface Fold {
  train: Uint32Array;
  test: Uint32Array;
}

/**
 * k folds with each class spread evenly: positives and negatives are shuffled separately (seeded)
 * and dealt round-robin, so every fold keeps the base rate. `rows` restricts to a subset.
 */
export function stratifiedKFold(y: ArrayLike<number>, k: number, seed = 42, rows: ArrayLike<number> = allRows(y.length)): Fold[] {
  if (k < 2) throw new Error('need at least 2 folds');
  const random = createRandom(seed);
  const assignment = new Int32Array(rows.length);
  let dealt = 0;
  for (const cls of [1, 0]) {
    const members: number[] = [];
    for (let r = 0; r < rows.length; r++) if (y[rows[r]] === cls) members.push(r);
    shuffleInPlace(members, random);
    for (const r of members) assignment[r] = dealt++ % k;
  }
  return Array.from({ length: k }, (_, f) => {
    const train: number[] = [];
    const test: number[] = [];
    for (let r = 0; r < rows.length; r++) (assignment[r] === f ? test : train).push(rows[r]);
    return { train: Uint32Array.from(train).sort(), test: Uint32Array.from(test).sort() };
  });
}

/** Folds from an explicit assignment: fold f tests the rows labelled f and trains on the rest. */
export function givenFolds(assignment: ArrayLike<number>): Fold[] {
  let k = 0;
  for (let r = 0; r < assignment.length; r++) k = Math.max(k, assignment[r] + 1);
  return Array.from({ length: k }, (_, f) => {
    const train: number[] = [];
    const test: number[] = [];
    for (let r = 0; r < assignment.length; r++) (assignment[r] === f ? test : train).push(r);
    return { train: Uint32Array.from(train), test: Uint32Array.from(test) };
  });
}

/** One stratified split holding out about `testFraction` of the rows. */
export function stratifiedHoldout(y: ArrayLike<number>, testFraction: number, seed = 42, rows: ArrayLike<number> = allRows(y.length)): Fold {
  const random = createRandom(seed);
  const train: number[] = [];
  const test: number[] = [];
  for (const cls of [1, 0]) {
    const members: number[] = [];
    for (let r = 0; r < rows.length; r++) if (y[rows[r]] === cls) members.push(rows[r]);
    shuffleInPlace(members, random);
    const nTest = Math.round(members.length * testFraction);
    members.forEach((i, k) => (k < nTest ? test : train).push(i));
  }
  return { train: Uint32Array.from(train).sort(), test: Uint32Array.from(test).sort() };
}

export type TimeValue = number | string | Date | null | undefined;

/** Dates and date strings become epoch milliseconds; numbers are compared as they are. */
export function toTime(v: unknown): number {
  if (v == null || v === '') return Number.NaN;
  if (v instanceof Date) return v.getTime();
  if (typeof v === 'number') return v;
  if (typeof v === 'string') {
    const s = v.trim();
    return /^[+-]?\d+(\.\d+)?$/.test(s) ? Number(s) : Date.parse(s);
  }
  return Number.NaN;
}

export interface TimeSplitOptions {
  timeColumn: string;
  /** Rows before the cutoff train, rows at or after it test. Default: the time below which (1 − testFraction) of rows fall. */
  cutoff?: TimeValue;
  testFraction?: number;
}

export interface TimeSplit {
  train: number[];
  test: number[];
  /** Rows without a usable time: in neither set, since we cannot tell past from future. */
  undated: number[];
  cutoff: number;
}

/**
 * Split by time so that nothing learned comes from after what is predicted: a model trained on
 * leads that arrived before the cutoff is tested on leads that arrived after it.
 */
export function timeSplit(rows: readonly Readonly<Record<string, unknown>>[], options: TimeSplitOptions): TimeSplit {
  const times = rows.map((r) => toTime(r[options.timeColumn]));
  const dated = times.filter((t) => !Number.isNaN(t)).sort((a, b) => a - b);
  let cutoff = toTime(options.cutoff);
  if (Number.isNaN(cutoff)) {
    if (options.cutoff != null) throw new Error(`cutoff ${String(options.cutoff)} is not a time`);
    const fraction = options.testFraction ?? 0.2;
    cutoff = dated.length === 0 ? Number.NaN : dated[Math.min(dated.length - 1, Math.floor(dated.length * (1 - fraction)))];
  }
  const split: TimeSplit = { train: [], test: [], undated: [], cutoff };
  times.forEach((t, i) => (Number.isNaN(t) ? split.undated : t < cutoff ? split.train : split.test).push(i));
  return split;
}

/**
 * Forward-chaining folds: rows sorted by time are cut into k + 1 blocks (equal times never
 * straddle a cut); fold f trains on blocks 0..f and tests on block f + 1. Rows with a NaN time
 * are left out.
 */
export function timeSeriesFolds(times: ArrayLike<number>, k: number, rows: ArrayLike<number> = allRows(times.length)): Fold[] {
  const sorted = Array.from(rows).filter((i) => !Number.isNaN(times[i]));
  sorted.sort((a, b) => times[a] - times[b] || a - b);
  const cuts: number[] = [0];
  for (let b = 1; b <= k; b++) {
    let at = Math.round((b * sorted.length) / (k + 1));
    while (at < sorted.length && at > 0 && times[sorted[at]] === times[sorted[at - 1]]) at++;
    cuts.push(Math.max(at, cuts[cuts.length - 1]));
  }
  cuts.push(sorted.length);
  const folds: Fold[] = [];
  for (let f = 0; f < k; f++) {
    const train = Uint32Array.from(sorted.slice(0, cuts[f + 1])).sort();
    const test = Uint32Array.from(sorted.slice(cuts[f + 1], cuts[f + 2])).sort();
    if (train.length > 0 && test.length > 0) folds.push({ train, test });
  }
  return folds;
}

export interface CrossValidationResult {
  /** Out-of-fold log-odds; NaN for rows no fold tested (time folds skip the first block). */
  oofRaw: Float64Array;
  foldAucs: number[];
  auc: number;
  aucStd: number;
}

export interface CrossValidateOptions {
  onFold?: (done: number, total: number) => void;
  /** Sees each fold's fitted model, e.g. to measure feature importance on its test rows. */
  onModel?: (model: Classifier, fold: Fold) => void;
}

/** Fit a fresh model per fold and predict the held-out rows. Yields to the event loop between folds. */
export async function crossValidate(
  createModel: () => Classifier,
  m: FeatureMatrix,
  y: ArrayLike<number>,
  folds: readonly Fold[],
  options: CrossValidateOptions = {},
): Promise<CrossValidationResult> {
  const oofRaw = new Float64Array(m.rows).fill(Number.NaN);
  const foldAucs: number[] = [];
  for (let f = 0; f < folds.length; f++) {
    const { train, test } = folds[f];
    const model = createModel().fit(m, y, train);
    const raw = model.predictRawMatrix(m, test);
    const yTest = new Uint8Array(test.length);
    test.forEach((i, k) => {
      oofRaw[i] = raw[k];
      yTest[k] = y[i];
    });
    const auc = rocAuc(yTest, raw);
    if (!Number.isNaN(auc)) foldAucs.push(auc);
    options.onModel?.(model, folds[f]);
    options.onFold?.(f + 1, folds.length);
    await new Promise((resolve) => setImmediate(resolve));
  }
  return { oofRaw, foldAucs, auc: mean(foldAucs), aucStd: std(foldAucs) };
}
