/**
 * Dense row-major feature matrix. `featureGroups[j]` is the user's column that feature j was
 * encoded from (a one-hot level or a missing indicator belongs to its column), which is how
 * explanations are summed back to columns a user recognises.
 */
export interface FeatureMatrix {
  readonly data: Float64Array;
  readonly rows: number;
  readonly cols: number;
  readonly featureNames: readonly string[];
  readonly featureGroups: readonly string[];
  /** Features holding a level index to be target-encoded inside each fit (set by the Encoder). */
  readonly codeFeatures?: readonly number[];
}

export function createMatrix(
  rows: number,
  featureNames: readonly string[],
  featureGroups: readonly string[] = featureNames,
  data: Float64Array = new Float64Array(rows * featureNames.length),
): FeatureMatrix {
  const cols = featureNames.length;
  if (featureGroups.length !== cols) throw new Error('featureGroups must have one entry per feature');
  if (data.length !== rows * cols) throw new Error(`matrix data has ${data.length} values, expected ${rows * cols}`);
  return { data, rows, cols, featureNames, featureGroups };
}

/** A view (no copy) of row i. */
export function matrixRow(m: FeatureMatrix, i: number): Float64Array {
  return m.data.subarray(i * m.cols, (i + 1) * m.cols);
}

/** All row indices 0..n-1. */
export function allRows(n: number): Uint32Array {
  const out = new Uint32Array(n);
  for (let i = 0; i < n; i++) out[i] = i;
  return out;
}
