import type { FeatureMatrix } from './feature-matrix.ts';

/** Columns are gathered this many at a time so the row-major matrix is read in cache-friendly strips. */
const BLOCK = 16;
/** Bin edges come from at most this many rows (sklearn samples 200k; sorting is the cost here). */
const EDGE_SAMPLE = 50_000;

/**
 * Per feature, sorted bin upper edges: a value goes to the first bin b with x ≤ edges[b], values
 * above every edge (and NaN) to the last bin, so a feature has edges.length + 1 ≤ maxBins bins.
 * A feature with few distinct values gets one bin per value (edges at midpoints); otherwise edges
 * sit at quantiles, as in LightGBM and sklearn's HistGradientBoosting.
 */
export function fitBinEdges(m: FeatureMatrix, rows: ArrayLike<number>, maxBins = 255): Float64Array[] {
  if (maxBins < 2 || maxBins > 256) throw new Error('maxBins must be between 2 and 256');
  const step = Math.max(1, rows.length / EDGE_SAMPLE);
  const sample: number[] = [];
  for (let s = 0; s < rows.length; s += step) sample.push(rows[Math.floor(s)]);
  const n = sample.length;
  const d = m.cols;
  const buffers = Array.from({ length: Math.min(BLOCK, d) }, () => new Float64Array(n));
  const edges: Float64Array[] = [];
  for (let f0 = 0; f0 < d; f0 += BLOCK) {
    const width = Math.min(BLOCK, d - f0);
    const present = new Int32Array(width);
    for (let k = 0; k < n; k++) {
      const o = sample[k] * d + f0;
      for (let j = 0; j < width; j++) {
        const v = m.data[o + j];
        if (!Number.isNaN(v)) buffers[j][present[j]++] = v;
      }
    }
    for (let j = 0; j < width; j++) edges.push(edgesOf(buffers[j].subarray(0, present[j]), maxBins));
  }
  return edges;
}

function edgesOf(column: Float64Array, maxBins: number): Float64Array {
  // Most encoded features (one-hot levels, flags, small counts) have few distinct values: find
  // them with a set and skip sorting the whole column.
  const seen = new Set<number>();
  for (let k = 0; k < column.length && seen.size <= maxBins; k++) seen.add(column[k]);
  if (seen.size <= maxBins) {
    const distinct = Float64Array.from(seen).sort();
    const e = new Float64Array(Math.max(0, distinct.length - 1));
    for (let b = 0; b < e.length; b++) e[b] = distinct[b] + (distinct[b + 1] - distinct[b]) / 2;
    return e;
  }
  const sorted = column.sort();
  const present = sorted.length;
  const e: number[] = [];
  for (let q = 1; q < maxBins; q++) {
    const v = sorted[Math.floor((q * present) / maxBins)];
    // The largest value cannot be an edge: it would leave the last bin empty.
    if ((e.length === 0 || v > e[e.length - 1]) && v < sorted[present - 1]) e.push(v);
  }
  return Float64Array.from(e);
}

export function binOf(edges: Float64Array, x: number): number {
  let lo = 0;
  let hi = edges.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (x <= edges[mid]) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/**
 * One histogram column of the binned matrix: a plain feature, or a bundle of mutually exclusive
 * 0/1 features (the one-hot levels of one user column). Bundling, as LightGBM's exclusive
 * feature bundling does, builds one histogram for all levels instead of one per level; bin 0 is
 * "no member set", bin j + 1 is "member j set", and splitting a bundle on member j is exactly the
 * one-hot split `x[member j] ≤ 0.5`.
 */
export type HistColumn =
  | { kind: 'plain'; feature: number; edges: Float64Array; nBins: number }
  | { kind: 'bundle'; members: Int32Array; nBins: number };

export interface BinnedMatrix {
  columns: HistColumn[];
  /** Row-major: bins[k * columns.length + c] for row k of `rows` and histogram column c (a row's bins share a cache line). */
  bins: Uint8Array;
  n: number;
}

/** Bin the chosen rows for tree growing; constant features are left out (they cannot split). */
export function binMatrix(m: FeatureMatrix, rows: ArrayLike<number>, maxBins = 255): BinnedMatrix {
  const d = m.cols;
  const n = rows.length;
  const edges = fitBinEdges(m, rows, maxBins);
  // Binary candidates per user column, then verified over every row: values 0/1, at most one set.
  const candidates = new Map<string, number[]>();
  for (let f = 0; f < d; f++) {
    if (edges[f].length === 1 && edges[f][0] === 0.5) {
      const list = candidates.get(m.featureGroups[f]) ?? [];
      list.push(f);
      candidates.set(m.featureGroups[f], list);
    }
  }
  const bundleOf = new Int32Array(d).fill(-1);
  const bundles: number[][] = [];
  for (const members of candidates.values()) {
    if (members.length < 2 || !exclusiveBinary(m, rows, members)) continue;
    for (let s = 0; s < members.length; s += maxBins - 1) {
      const chunk = members.slice(s, s + maxBins - 1);
      if (chunk.length < 2) continue;
      for (const f of chunk) bundleOf[f] = bundles.length;
      bundles.push(chunk);
    }
  }
  const columns: HistColumn[] = [];
  const placed = new Set<number>();
  for (let f = 0; f < d; f++) {
    const b = bundleOf[f];
    if (b >= 0) {
      if (!placed.has(b)) columns.push({ kind: 'bundle', members: Int32Array.from(bundles[b]), nBins: bundles[b].length + 1 });
      placed.add(b);
    } else if (edges[f].length > 0) {
      columns.push({ kind: 'plain', feature: f, edges: edges[f], nBins: edges[f].length + 1 });
    }
  }
  const width = columns.length;
  const bins = new Uint8Array(n * width);
  for (let k = 0; k < n; k++) {
    const o = rows[k] * d;
    for (let c = 0; c < width; c++) {
      const col = columns[c];
      let bin = 0;
      if (col.kind === 'plain') bin = binOf(col.edges, m.data[o + col.feature]);
      else for (let j = 0; j < col.members.length; j++) if (m.data[o + col.members[j]] === 1) bin = j + 1;
      bins[k * width + c] = bin;
    }
  }
  return { columns, bins, n };
}

function exclusiveBinary(m: FeatureMatrix, rows: ArrayLike<number>, members: number[]): boolean {
  for (let k = 0; k < rows.length; k++) {
    const o = rows[k] * m.cols;
    let set = 0;
    for (const f of members) {
      const v = m.data[o + f];
      if (v === 1) set++;
      else if (v !== 0) return false;
    }
    if (set > 1) return false;
  }
  return true;
}
