import type { BinnedMatrix, HistColumn } from './binning.ts';

/** Shape and regularisation of each regression tree fitted to the gradients. */
export interface TreeParams {
  maxLeafNodes: number;
  /** 0 = unlimited depth (growth is limited by leaves). */
  maxDepth: number;
  minSamplesLeaf: number;
  /** L2 penalty on leaf values: value = −lr·G/(H + l2). */
  l2Regularization: number;
  minGainToSplit: number;
  minHessianLeaf: number;
  learningRate: number;
}

/** Flat binary tree; node 0 is the root. Every node carries the value it would predict as a leaf. */
export interface Tree {
  /** Split feature, −1 for a leaf. */
  feature: Int32Array;
  /** Go left when x[feature] ≤ threshold (NaN goes right). */
  threshold: Float64Array;
  left: Int32Array;
  right: Int32Array;
  value: Float64Array;
}

interface Split {
  /** Histogram column. */
  column: number;
  /** Plain column: rows with bin ≤ bin go left. Bundle: rows in bin go right (member bin − 1 is set). */
  bin: number;
  gain: number;
  gl: number;
  hl: number;
}

interface Leaf {
  node: number;
  start: number;
  end: number;
  depth: number;
  g: number;
  h: number;
  hist: Float64Array | null;
  split: Split | null;
}

/**
 * Leaf-wise (best-first) tree growth on a pre-binned, row-major uint8 matrix, with gradient
 * histograms per node (interleaved sum of gradients, hessians and counts per bin). Only the
 * smaller child's histogram is built; the larger one is parent − smaller. Histograms are built row
 * by row (one row's bins are one cache line, its gradient and hessian are read once), and the
 * root's counts, the same every round, are counted once.
 */
export class TreeGrower {
  private readonly bins: Uint8Array;
  private readonly n: number;
  private readonly columns: HistColumn[];
  private readonly nBins: Uint16Array;
  private readonly order: Uint32Array;
  private readonly tmp: Uint32Array;
  /** Histogram of column c starts at offsets[c] (3 doubles per bin); histSize is the total. */
  private readonly offsets: Int32Array;
  private readonly histSize: number;
  private readonly pool: Float64Array[] = [];
  /** Root counts per bin (every row), at the count slots of a histogram; null until first needed. */
  private rootCounts: Float64Array | null = null;

  constructor(
    binned: BinnedMatrix,
    private readonly params: TreeParams,
  ) {
    const n = binned.n;
    this.bins = binned.bins;
    this.n = n;
    this.columns = binned.columns;
    this.nBins = Uint16Array.from(binned.columns, (c) => c.nBins);
    this.order = new Uint32Array(n);
    this.tmp = new Uint32Array(n);
    this.offsets = new Int32Array(this.nBins.length);
    let size = 0;
    this.nBins.forEach((b, c) => {
      this.offsets[c] = size;
      size += b * 3;
    });
    this.histSize = size;
  }

  /** Grow one tree on (grad, hess) and add its leaf values to `raw` (the training predictions). */
  grow(grad: Float64Array, hess: Float64Array, raw: Float64Array): Tree {
    const { n, params } = this;
    const maxNodes = 2 * params.maxLeafNodes - 1;
    const tree: Tree = {
      feature: new Int32Array(maxNodes).fill(-1),
      threshold: new Float64Array(maxNodes),
      left: new Int32Array(maxNodes).fill(-1),
      right: new Int32Array(maxNodes).fill(-1),
      value: new Float64Array(maxNodes),
    };
    let nodeCount = 0;
    const newNode = (g: number, h: number): number => {
      tree.value[nodeCount] = (-params.learningRate * g) / (h + params.l2Regularization);
      return nodeCount++;
    };
    for (let i = 0; i < n; i++) this.order[i] = i;
    let G = 0;
    let H = 0;
    for (let i = 0; i < n; i++) {
      G += grad[i];
      H += hess[i];
    }
    const root: Leaf = { node: newNode(G, H), start: 0, end: n, depth: 0, g: G, h: H, hist: null, split: null };
    if (this.canSplit(root)) {
      root.hist = this.buildHistogram(0, n, grad, hess);
      root.split = this.findSplit(root);
    }
    const leaves: Leaf[] = [root];
    while (leaves.length < params.maxLeafNodes) {
      let best = -1;
      for (let k = 0; k < leaves.length; k++) {
        const s = leaves[k].split;
        if (s && (best < 0 || s.gain > leaves[best].split!.gain)) best = k;
      }
      if (best < 0) break;
      const leaf = leaves[best];
      const s = leaf.split!;
      const mid = this.partition(leaf.start, leaf.end, s.column, s.bin);
      const left: Leaf = { node: newNode(s.gl, s.hl), start: leaf.start, end: mid, depth: leaf.depth + 1, g: s.gl, h: s.hl, hist: null, split: null };
      const gr = leaf.g - s.gl;
      const hr = leaf.h - s.hl;
      const right: Leaf = { node: newNode(gr, hr), start: mid, end: leaf.end, depth: leaf.depth + 1, g: gr, h: hr, hist: null, split: null };
      const col = this.columns[s.column];
      tree.feature[leaf.node] = col.kind === 'plain' ? col.feature : col.members[s.bin - 1];
      tree.threshold[leaf.node] = col.kind === 'plain' ? col.edges[s.bin] : 0.5;
      tree.left[leaf.node] = left.node;
      tree.right[leaf.node] = right.node;
      const splitLeft = this.canSplit(left);
      const splitRight = this.canSplit(right);
      if (splitLeft || splitRight) {
        const [small, large] = mid - leaf.start <= leaf.end - mid ? [left, right] : [right, left];
        small.hist = this.buildHistogram(small.start, small.end, grad, hess);
        large.hist = leaf.hist!;
        const a = large.hist;
        const b = small.hist;
        for (let j = 0; j < a.length; j++) a[j] -= b[j];
        if (splitLeft) left.split = this.findSplit(left);
        if (splitRight) right.split = this.findSplit(right);
        for (const c of [left, right]) if (!c.split) this.release(c);
      } else {
        this.release(leaf);
      }
      leaf.hist = null;
      leaves.splice(best, 1, left, right);
    }
    for (const leaf of leaves) {
      this.release(leaf);
      const v = tree.value[leaf.node];
      for (let k = leaf.start; k < leaf.end; k++) raw[this.order[k]] += v;
    }
    return {
      feature: tree.feature.slice(0, nodeCount),
      threshold: tree.threshold.slice(0, nodeCount),
      left: tree.left.slice(0, nodeCount),
      right: tree.right.slice(0, nodeCount),
      value: tree.value.slice(0, nodeCount),
    };
  }

  private canSplit(leaf: Leaf): boolean {
    const p = this.params;
    return leaf.end - leaf.start >= 2 * p.minSamplesLeaf && (p.maxDepth <= 0 || leaf.depth < p.maxDepth) && leaf.h >= 2 * p.minHessianLeaf;
  }

  private release(leaf: Leaf): void {
    if (leaf.hist) this.pool.push(leaf.hist);
    leaf.hist = null;
  }

  private buildHistogram(start: number, end: number, grad: Float64Array, hess: Float64Array): Float64Array {
    const hist = this.pool.pop() ?? new Float64Array(this.histSize);
    hist.fill(0);
    const { order, bins, n, offsets } = this;
    const m = end - start;
    const width = this.nBins.length;
    if (m === n) {
      // Root: every row in natural order, no indirection; counts are the same every round, so rows
      // left out of a subsampled round (zero gradient and hessian) add nothing and are skipped.
      for (let i = 0; i < n; i++) {
        const g = grad[i];
        const h = hess[i];
        if (h === 0 && g === 0) continue;
        const o = i * width;
        for (let c = 0; c < width; c++) {
          const b = offsets[c] + bins[o + c] * 3;
          hist[b] += g;
          hist[b + 1] += h;
        }
      }
      const counts = this.rootCounts ?? (this.rootCounts = this.countRoot());
      for (let b = 2; b < counts.length; b += 3) hist[b] = counts[b];
      return hist;
    }
    for (let k = start; k < end; k++) {
      const i = order[k];
      const g = grad[i];
      const h = hess[i];
      const o = i * width;
      for (let c = 0; c < width; c++) {
        const b = offsets[c] + bins[o + c] * 3;
        hist[b] += g;
        hist[b + 1] += h;
        hist[b + 2] += 1;
      }
    }
    return hist;
  }

  private countRoot(): Float64Array {
    const counts = new Float64Array(this.histSize);
    const { bins, n, offsets } = this;
    const width = this.nBins.length;
    for (let i = 0; i < n; i++) {
      const o = i * width;
      for (let c = 0; c < width; c++) counts[offsets[c] + bins[o + c] * 3 + 2] += 1;
    }
    return counts;
  }

  private findSplit(leaf: Leaf): Split | null {
    const { minSamplesLeaf, minHessianLeaf, l2Regularization: l2, minGainToSplit } = this.params;
    const hist = leaf.hist!;
    const count = leaf.end - leaf.start;
    const { g, h } = leaf;
    const parentScore = (g * g) / (h + l2);
    let best: Split | null = null;
    let bestGain = Math.max(minGainToSplit, 1e-12);
    const consider = (column: number, bin: number, gl: number, hl: number, cl: number): void => {
      if (cl < minSamplesLeaf || count - cl < minSamplesLeaf) return;
      const hr = h - hl;
      if (hl < minHessianLeaf || hr < minHessianLeaf) return;
      const gr = g - gl;
      const gain = (gl * gl) / (hl + l2) + (gr * gr) / (hr + l2) - parentScore;
      if (gain > bestGain) {
        bestGain = gain;
        best = { column, bin, gain, gl, hl };
      }
    };
    for (let c = 0; c < this.columns.length; c++) {
      const nb = this.nBins[c];
      const hb = this.offsets[c];
      if (this.columns[c].kind === 'bundle') {
        // Left = every row except those with member (bin − 1) set.
        for (let b = 1; b < nb; b++) {
          const o = hb + b * 3;
          if (hist[o + 2] > 0) consider(c, b, g - hist[o], h - hist[o + 1], count - hist[o + 2]);
        }
        continue;
      }
      let gl = 0;
      let hl = 0;
      let cl = 0;
      for (let b = 0; b < nb - 1; b++) {
        const o = hb + b * 3;
        if (hist[o + 2] === 0) continue; // same left set as the previous bin: nothing new to try
        gl += hist[o];
        hl += hist[o + 1];
        cl += hist[o + 2];
        if (count - cl < minSamplesLeaf) break;
        consider(c, b, gl, hl, cl);
      }
    }
    return best;
  }

  /** Stable partition of order[start, end): rows going left first. Returns the boundary. */
  private partition(start: number, end: number, column: number, bin: number): number {
    const { order, tmp, bins } = this;
    const width = this.nBins.length;
    const bundle = this.columns[column].kind === 'bundle';
    let l = start;
    let t = 0;
    for (let k = start; k < end; k++) {
      const i = order[k];
      const b = bins[i * width + column];
      if (bundle ? b !== bin : b <= bin) order[l++] = i;
      else tmp[t++] = i;
    }
    order.set(tmp.subarray(0, t), l);
    return l;
  }
}
