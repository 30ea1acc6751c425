import { Classifier, type FeatureContributions } from './classifier.ts';
import { stratifiedKFold } from './cross-validate.ts';
import { allRows, type FeatureMatrix } from './feature-matrix.ts';
import { minimizeLbfgs } from './lbfgs.ts';
import { sigmoid, softplus } from './math.ts';
import { createRandom, shuffleInPlace } from './random.ts';

export interface LogisticRegressionOptions {
  /** Fixed L2 strength (on the mean log loss). When absent it is chosen from `lambdaGrid` by inner CV. */
  lambda?: number;
  lambdaGrid?: number[];
  innerFolds?: number;
  /** Inner CV runs on at most this many rows: choosing λ is cheap, the final fit uses all rows. */
  innerSampleSize?: number;
  seed?: number;
  maxIterations?: number;
}

export interface LogisticRegressionJSON {
  kind: 'logistic_regression';
  version: 1;
  featureNames: string[];
  featureGroups: string[];
  mean: number[];
  scale: number[];
  /** Weights on standardised features: raw = intercept + Σ w_j (x_j − mean_j) / scale_j. */
  weights: number[];
  intercept: number;
  lambda: number;
}

const DEFAULT_GRID = [1e-1, 3e-2, 1e-2, 1e-3, 1e-4];
const FALLBACK_LAMBDA = 1e-2;
/** Inner-CV fits only rank penalties, so they stop earlier than the final fit. */
const INNER_FIT = { maxIterations: 100, gradientTolerance: 1e-5 };

/**
 * L2-regularised logistic regression on standardised features, fitted with L-BFGS. Minimises
 * mean log loss + λ/2·‖w‖² (intercept unpenalised). Standardising inside the model keeps the
 * penalty fair across units and makes `w_j·z_j` an exact contribution with the intercept as the
 * prediction for an average lead.
 */
export class LogisticRegression extends Classifier {
  readonly kind = 'logistic_regression' as const;
  private mean = new Float64Array(0);
  private scale = new Float64Array(0);
  private weights = new Float64Array(0);
  private intercept = 0;
  private lambda = FALLBACK_LAMBDA;
  private readonly options: LogisticRegressionOptions;

  constructor(options: LogisticRegressionOptions = {}) {
    super();
    this.options = options;
  }

  get regularisation(): number {
    return this.lambda;
  }

  fit(m: FeatureMatrix, y: ArrayLike<number>, rows: ArrayLike<number> = allRows(m.rows)): this {
    this.setFeatures(m);
    const d = m.cols;
    const mean = new Float64Array(d);
    const scale = new Float64Array(d);
    for (let k = 0; k < rows.length; k++) {
      const o = rows[k] * d;
      for (let j = 0; j < d; j++) mean[j] += m.data[o + j];
    }
    for (let j = 0; j < d; j++) mean[j] /= Math.max(1, rows.length);
    for (let k = 0; k < rows.length; k++) {
      const o = rows[k] * d;
      for (let j = 0; j < d; j++) scale[j] += (m.data[o + j] - mean[j]) ** 2;
    }
    for (let j = 0; j < d; j++) {
      const s = Math.sqrt(scale[j] / Math.max(1, rows.length));
      scale[j] = s > 1e-12 ? s : 1;
    }
    this.mean = mean;
    this.scale = scale;
    this.lambda = this.options.lambda ?? this.selectLambda(m, y, rows);
    const theta = this.solve(m, y, rows, this.lambda, new Float64Array(d + 1));
    this.weights = theta.slice(0, d);
    this.intercept = theta[d];
    return this;
  }

  predictRaw(x: ArrayLike<number>): number {
    let r = this.intercept;
    for (let j = 0; j < this.weights.length; j++) r += (this.weights[j] * (x[j] - this.mean[j])) / this.scale[j];
    return r;
  }

  featureContributions(x: ArrayLike<number>): FeatureContributions {
    const values = new Float64Array(this.weights.length);
    for (let j = 0; j < values.length; j++) values[j] = (this.weights[j] * (x[j] - this.mean[j])) / this.scale[j];
    return { base: this.intercept, values };
  }

  toJSON(): LogisticRegressionJSON {
    return {
      kind: this.kind,
      version: 1,
      featureNames: [...this.names],
      featureGroups: [...this.groups],
      mean: [...this.mean],
      scale: [...this.scale],
      weights: [...this.weights],
      intercept: this.intercept,
      lambda: this.lambda,
    };
  }

  static fromJSON(json: LogisticRegressionJSON): LogisticRegression {
    const d = json.featureNames.length;
    if (json.weights.length !== d || json.mean.length !== d || json.scale.length !== d) {
      throw new Error('logistic regression JSON: weights, mean and scale must have one entry per feature');
    }
    const model = new LogisticRegression({ lambda: json.lambda });
    model.names = [...json.featureNames];
    model.groups = [...json.featureGroups];
    model.mean = Float64Array.from(json.mean);
    model.scale = Float64Array.from(json.scale);
    model.weights = Float64Array.from(json.weights);
    model.intercept = json.intercept;
    model.lambda = json.lambda;
    return model;
  }

  /** Inner stratified CV on a row sample, strongest penalty first with warm starts; scored by log loss. */
  private selectLambda(m: FeatureMatrix, y: ArrayLike<number>, rows: ArrayLike<number>): number {
    const grid = this.options.lambdaGrid ?? DEFAULT_GRID;
    if (grid.length === 1) return grid[0];
    const folds = this.options.innerFolds ?? 3;
    const maxRows = this.options.innerSampleSize ?? 10_000;
    const seed = this.options.seed ?? 42;
    let sample = Uint32Array.from(rows);
    if (sample.length > maxRows) sample = shuffleInPlace(sample, createRandom(seed)).slice(0, maxRows).sort();
    let positives = 0;
    for (const i of sample) positives += y[i];
    if (Math.min(positives, sample.length - positives) < 2 * folds) return FALLBACK_LAMBDA;
    const losses = new Float64Array(grid.length);
    for (const fold of stratifiedKFold(y, folds, seed, sample)) {
      let theta: Float64Array = new Float64Array(m.cols + 1);
      grid.forEach((lambda, g) => {
        theta = this.solve(m, y, fold.train, lambda, theta, INNER_FIT);
        losses[g] += this.logLossOn(m, y, fold.test, theta);
      });
    }
    let best = 0;
    for (let g = 1; g < grid.length; g++) if (losses[g] < losses[best] - 1e-12) best = g;
    return grid[best];
  }

  private solve(
    m: FeatureMatrix,
    y: ArrayLike<number>,
    rows: ArrayLike<number>,
    lambda: number,
    start: Float64Array,
    fit: { maxIterations: number; gradientTolerance: number } = { maxIterations: this.options.maxIterations ?? 500, gradientTolerance: 1e-7 },
  ): Float64Array {
    const d = m.cols;
    const { mean, scale } = this;
    const X = m.data;
    const v = new Float64Array(d);
    const G = new Float64Array(d);
    const n = Math.max(1, rows.length);
    const objective = (theta: Float64Array, grad: Float64Array): number => {
      // raw = c + Σ v_j x_j with v = w/scale, c = b − Σ v_j mean_j: no standardised copy of X needed.
      let c = theta[d];
      for (let j = 0; j < d; j++) {
        v[j] = theta[j] / scale[j];
        c -= v[j] * mean[j];
      }
      G.fill(0);
      let E = 0;
      let loss = 0;
      for (let k = 0; k < rows.length; k++) {
        const i = rows[k];
        const o = i * d;
        let r = c;
        for (let j = 0; j < d; j++) r += v[j] * X[o + j];
        const yi = y[i];
        loss += softplus(r) - yi * r;
        const e = sigmoid(r) - yi;
        E += e;
        for (let j = 0; j < d; j++) G[j] += e * X[o + j];
      }
      let penalty = 0;
      for (let j = 0; j < d; j++) {
        grad[j] = (G[j] - mean[j] * E) / (scale[j] * n) + lambda * theta[j];
        penalty += theta[j] * theta[j];
      }
      grad[d] = E / n;
      return loss / n + 0.5 * lambda * penalty;
    };
    return minimizeLbfgs(objective, start, fit).x;
  }

  private logLossOn(m: FeatureMatrix, y: ArrayLike<number>, rows: ArrayLike<number>, theta: Float64Array): number {
    const d = m.cols;
    let loss = 0;
    for (let k = 0; k < rows.length; k++) {
      const o = rows[k] * d;
      let r = theta[d];
      for (let j = 0; j < d; j++) r += (theta[j] * (m.data[o + j] - this.mean[j])) / this.scale[j];
      loss += softplus(r) - y[rows[k]] * r;
    }
    return loss;
  }
}
