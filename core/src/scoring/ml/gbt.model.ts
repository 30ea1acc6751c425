import { binMatrix } from './binning.ts';
import { Classifier, type FeatureContributions } from './classifier.ts';
import { stratifiedHoldout } from './cross-validate.ts';
import { allRows, type FeatureMatrix } from './feature-matrix.ts';
import { logit, sigmoid, softplus } from './math.ts';
import { createRandom } from './random.ts';
import { type Tree, TreeGrower, type TreeParams } from './tree-grower.ts';

export interface GradientBoostingOptions extends Partial<TreeParams> {
  maxIterations?: number;
  maxBins?: number;
  /** 'auto' = on when there are more than 10,000 training rows (sklearn's rule). */
  earlyStopping?: boolean | 'auto';
  validationFraction?: number;
  /** Stop after this many rounds without the validation loss improving by more than `tolerance`. */
  patience?: number;
  tolerance?: number;
  /** Share of training rows each tree sees (stochastic gradient boosting), drawn with the seeded RNG; 1 = all. */
  subsample?: number;
  seed?: number;
  /**
   * Rows to early-stop on instead of a stratified `validationFraction` of the training rows (the
   * model selection's hold-out, so that no training row is spent twice). Used unless
   * `earlyStopping` is false.
   */
  validationRows?: ArrayLike<number>;
}

interface TreeJSON {
  feature: number[];
  threshold: number[];
  left: number[];
  right: number[];
  value: number[];
}

export interface GradientBoostingJSON {
  kind: 'gradient_boosted_trees';
  version: 1;
  featureNames: string[];
  featureGroups: string[];
  /** Log-odds of the training base rate; raw = init + Σ leaf values. */
  init: number;
  trees: TreeJSON[];
  params: { learningRate: number; maxLeafNodes: number; maxDepth: number; minSamplesLeaf: number; l2Regularization: number; iterations: number };
}

type FlatTree = Tree;

function predictTree(t: FlatTree, x: ArrayLike<number>, offset: number): number {
  let node = 0;
  while (t.feature[node] >= 0) node = x[offset + t.feature[node]] <= t.threshold[node] ? t.left[node] : t.right[node];
  return t.value[node];
}

const DEFAULTS = {
  maxIterations: 100,
  learningRate: 0.1,
  maxLeafNodes: 31,
  maxDepth: 0,
  minSamplesLeaf: 20,
  // sklearn defaults to 0; a little shrinkage keeps leaves of small CRM datasets sane.
  l2Regularization: 1,
  minGainToSplit: 0,
  minHessianLeaf: 1e-3,
  maxBins: 255,
  validationFraction: 0.1,
  patience: 10,
  tolerance: 1e-7,
  subsample: 1,
  seed: 42,
};

/**
 * Histogram gradient-boosted trees for log loss, after LightGBM / sklearn's
 * HistGradientBoostingClassifier: ≤255 quantile bins per feature, leaf-wise trees (31 leaves,
 * ≥20 rows per leaf), learning rate 0.1, up to 100 rounds, early stopping on a stratified 10%
 * validation split for large data (the model keeps the best round). Contributions use Saabas
 * path attribution: each split credits its feature with the change in node value along the
 * row's path, so base + Σ contributions equals the raw prediction exactly.
 */
export class GradientBoostedTrees extends Classifier {
  readonly kind = 'gradient_boosted_trees' as const;
  private init = 0;
  private trees: FlatTree[] = [];
  private readonly options: GradientBoostingOptions;
  private readonly config: typeof DEFAULTS;

  constructor(options: GradientBoostingOptions = {}) {
    super();
    this.options = options;
    const defined = Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined && typeof v === 'number'));
    this.config = { ...DEFAULTS, ...defined };
  }

  get iterations(): number {
    return this.trees.length;
  }

  fit(m: FeatureMatrix, y: ArrayLike<number>, rows: ArrayLike<number> = allRows(m.rows)): this {
    this.setFeatures(m);
    const c = this.config;
    const early = this.options.earlyStopping ?? 'auto';
    const given = this.options.validationRows;
    const useEarly = early === 'auto' ? given !== undefined || rows.length > 10_000 : early;
    const split = !useEarly
      ? { train: Uint32Array.from(rows), test: new Uint32Array(0) }
      : given
        ? { train: Uint32Array.from(rows), test: Uint32Array.from(given) }
        : stratifiedHoldout(y, c.validationFraction, c.seed, rows);
    const train = split.train;
    const val = split.test;
    const binned = binMatrix(m, train, c.maxBins);
    const n = train.length;
    const yTrain = Float64Array.from(train, (i) => y[i]);
    const yVal = Float64Array.from(val, (i) => y[i]);
    let positives = 0;
    for (let k = 0; k < n; k++) positives += yTrain[k];
    this.init = logit(n === 0 ? 0.5 : positives / n);
    const raw = new Float64Array(n).fill(this.init);
    const rawVal = new Float64Array(val.length).fill(this.init);
    const grad = new Float64Array(n);
    const hess = new Float64Array(n);
    const grower = new TreeGrower(binned, c);
    const random = createRandom(c.seed);
    const sampled = c.subsample < 1 ? new Float64Array(n) : null;
    const sampledHess = c.subsample < 1 ? new Float64Array(n) : null;
    const trees: FlatTree[] = [];
    let bestLoss = Number.POSITIVE_INFINITY;
    let bestRound = -1;
    for (let it = 0; it < c.maxIterations; it++) {
      for (let k = 0; k < n; k++) {
        const p = sigmoid(raw[k]);
        grad[k] = p - yTrain[k];
        hess[k] = Math.max(p * (1 - p), 1e-16);
      }
      let tree: FlatTree;
      if (sampled && sampledHess) {
        // Rows left out of this round get zero gradient and hessian: they neither pick splits nor weigh in leaf values.
        for (let k = 0; k < n; k++) {
          const keep = random() < c.subsample;
          sampled[k] = keep ? grad[k] : 0;
          sampledHess[k] = keep ? hess[k] : 0;
        }
        tree = grower.grow(sampled, sampledHess, raw);
      } else {
        tree = grower.grow(grad, hess, raw);
      }
      trees.push(tree);
      if (tree.feature[0] < 0) break; // a stump with no split: nothing more to learn
      if (!useEarly || val.length === 0) continue;
      let loss = 0;
      for (let k = 0; k < val.length; k++) {
        rawVal[k] += predictTree(tree, m.data, val[k] * m.cols);
        loss += softplus(rawVal[k]) - yVal[k] * rawVal[k];
      }
      loss /= val.length;
      if (loss < bestLoss - c.tolerance) {
        bestLoss = loss;
        bestRound = it;
      } else if (it - bestRound >= c.patience) {
        break;
      }
    }
    this.trees = useEarly && bestRound >= 0 ? trees.slice(0, bestRound + 1) : trees;
    return this;
  }

  predictRaw(x: ArrayLike<number>): number {
    let r = this.init;
    for (const t of this.trees) r += predictTree(t, x, 0);
    return r;
  }

  override predictRawMatrix(m: FeatureMatrix, rows: ArrayLike<number> = allRows(m.rows)): Float64Array {
    this.checkWidth(m.cols);
    const out = new Float64Array(rows.length);
    // Row-outer keeps one row's features in cache while every tree reads them.
    for (let k = 0; k < rows.length; k++) {
      let r = this.init;
      for (const t of this.trees) r += predictTree(t, m.data, rows[k] * m.cols);
      out[k] = r;
    }
    return out;
  }

  featureContributions(x: ArrayLike<number>): FeatureContributions {
    const values = new Float64Array(this.names.length);
    let base = this.init;
    for (const t of this.trees) {
      let node = 0;
      base += t.value[0];
      while (t.feature[node] >= 0) {
        const f = t.feature[node];
        const next = x[f] <= t.threshold[node] ? t.left[node] : t.right[node];
        values[f] += t.value[next] - t.value[node];
        node = next;
      }
    }
    return { base, values };
  }

  toJSON(): GradientBoostingJSON {
    const c = this.config;
    return {
      kind: this.kind,
      version: 1,
      featureNames: [...this.names],
      featureGroups: [...this.groups],
      init: this.init,
      trees: this.trees.map((t) => ({
        feature: [...t.feature],
        threshold: [...t.threshold],
        left: [...t.left],
        right: [...t.right],
        value: [...t.value],
      })),
      params: {
        learningRate: c.learningRate,
        maxLeafNodes: c.maxLeafNodes,
        maxDepth: c.maxDepth,
        minSamplesLeaf: c.minSamplesLeaf,
        l2Regularization: c.l2Regularization,
        iterations: this.trees.length,
      },
    };
  }

  static fromJSON(json: GradientBoostingJSON): GradientBoostedTrees {
    const { iterations: _iterations, ...params } = json.params;
    const model = new GradientBoostedTrees(params);
    model.names = [...json.featureNames];
    model.groups = [...json.featureGroups];
    model.init = json.init;
    const d = json.featureNames.length;
    model.trees = json.trees.map((t, k) => {
      const size = t.feature.length;
      if ([t.threshold, t.left, t.right, t.value].some((a) => a.length !== size)) throw new Error(`tree ${k}: node arrays differ in length`);
      for (let node = 0; node < size; node++) {
        const f = t.feature[node];
        if (f >= d || (f >= 0 && !(t.left[node] > node && t.left[node] < size && t.right[node] > node && t.right[node] < size))) {
          throw new Error(`tree ${k}: node ${node} is malformed`);
        }
      }
      return {
        feature: Int32Array.from(t.feature),
        threshold: Float64Array.from(t.threshold),
        left: Int32Array.from(t.left),
        right: Int32Array.from(t.right),
        value: Float64Array.from(t.value),
      };
    });
    return model;
  }
}
