import type { ModelKind } from './classifier.ts';
import { crossValidate, type Fold } from './cross-validate.ts';
import { type ColumnSpec, type ColumnValues, Encoder } from './encoder.ts';
import { auditLeakage } from './leakage-audit.ts';
import type { LeakageWarning } from './leakage.ts';
import { createClassifier } from './model-factory.ts';
import { createRandom, shuffleInPlace } from './random.ts';

export interface LeakageCheckInput {
  specs: readonly ColumnSpec[];
  columns: Readonly<Record<string, ColumnValues>>;
  y: Uint8Array;
  folds: readonly Fold[];
  model: ModelKind;
  /** The chosen model's cross-validated AUC on `folds` with every column. */
  auc: number;
  importance: ReadonlyMap<string, number>;
  dateColumns: ReadonlySet<string>;
  times: Float64Array | null;
  timesAreDates: boolean;
  timeColumn?: string;
  keep: ReadonlySet<string>;
  seed: number;
}

/** Drop-column CV refits one model per fold per candidate: above this many rows it runs on a sample. */
const DROP_COLUMN_ROWS = 20_000;

function restrictFolds(folds: readonly Fold[], rows: number, max: number, seed: number): Fold[] | null {
  if (rows <= max) return null;
  const keep = new Uint8Array(rows);
  const order = shuffleInPlace(Uint32Array.from({ length: rows }, (_, i) => i), createRandom(seed));
  for (let k = 0; k < max; k++) keep[order[k]] = 1;
  return folds.map((f) => ({ train: f.train.filter((i) => keep[i] === 1), test: f.test.filter((i) => keep[i] === 1) }));
}

async function cvAuc(input: LeakageCheckInput, specs: readonly ColumnSpec[], folds: readonly Fold[]): Promise<number> {
  if (specs.length === 0) return 0.5;
  const n = input.y.length;
  const matrix = Encoder.fitColumns(specs, input.columns, n).transformColumns(input.columns, n);
  const cv = await crossValidate(() => createClassifier(input.model, input.seed), matrix, input.y, folds);
  return cv.auc;
}

/** Run every leakage signal, including drop-column CV with the chosen model on the same folds. */
export async function checkLeakage(input: LeakageCheckInput): Promise<LeakageWarning[]> {
  const sampled = restrictFolds(input.folds, input.y.length, DROP_COLUMN_ROWS, input.seed);
  const folds = sampled ?? input.folds;
  let baseline: number | undefined;
  return auditLeakage({
    columns: input.specs.map((s) => ({ name: s.name, kind: s.kind, values: input.columns[s.name], isDate: input.dateColumns.has(s.name) })),
    y: input.y,
    times: input.times,
    timesAreDates: input.timesAreDates,
    timeColumn: input.timeColumn,
    importance: input.importance,
    baselineAuc: input.auc,
    keep: input.keep,
    dropColumnAuc: async (column) => {
      baseline ??= sampled ? await cvAuc(input, input.specs, folds) : input.auc;
      return cvAuc(
        input,
        input.specs.filter((s) => s.name !== column),
        folds,
      ).then((auc) => auc - baseline! + input.auc);
    },
  });
}
