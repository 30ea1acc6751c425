import { PlattCalibrator } from './calibration.ts';
import { Classifier, type FeatureContributions } from './classifier.ts';
import { type Fold, stratifiedKFold } from './cross-validate.ts';
import { allRows, type FeatureMatrix } from './feature-matrix.ts';
import { GradientBoostedTrees, type GradientBoostingJSON, type GradientBoostingOptions } from './gbt.model.ts';
import { LogisticRegression, type LogisticRegressionJSON, type LogisticRegressionOptions } from './logistic-regression.model.ts';
import { TargetEncoded, type TargetEncodingJSON } from './target-encoding.ts';

/**
 * Tree settings of the selection's candidates: shallow trees (depth ≤ 3, 8 leaves), shrinkage 0.05,
 * up to 300 rounds with early stopping on a 10% validation fold of the training rows, and 80% row
 * subsampling. Chosen on the TUNING half of evals/src/scoring/compare-models.ts, where they beat the
 * sklearn-like defaults of GradientBoostedTrees (31 leaves, no early stopping below 10k rows) on
 * all three datasets; the README quotes the untouched test half.
 */
export const CANDIDATE_TREES: GradientBoostingOptions = { maxDepth: 3, maxLeafNodes: 8, learningRate: 0.05, maxIterations: 300, earlyStopping: true, subsample: 0.8 };

/** A blend member (or a candidate of the selection): the learner inside its target encoding. */
export function createMember(
  kind: 'logistic_regression' | 'gradient_boosted_trees',
  seed: number,
  gbt: GradientBoostingOptions = {},
  lr: LogisticRegressionOptions = {},
): Classifier {
  return new TargetEncoded(kind === 'logistic_regression' ? new LogisticRegression({ seed, ...lr }) : new GradientBoostedTrees({ ...CANDIDATE_TREES, seed, ...gbt }), seed);
}

/** The learner inside a member's target encoding. */
export function memberLearner(model: Classifier): Classifier {
  return model instanceof TargetEncoded ? model.inner : model;
}

export interface BlendJSON {
  kind: 'blend';
  version: 1;
  featureNames: string[];
  featureGroups: string[];
  /** raw = Σ ½·(a·member_raw + b): the mean of the members' calibrated log-odds. */
  lr: { model: LogisticRegressionJSON & { targetEncoding?: TargetEncodingJSON }; a: number; b: number };
  gbt: { model: GradientBoostingJSON & { targetEncoding?: TargetEncodingJSON }; a: number; b: number };
}

export interface BlendParts {
  /** Logistic regression and gradient-boosted trees, possibly wrapped in their target encoding. */
  lr: Classifier;
  gbt: Classifier;
  lrCalibration: PlattCalibrator;
  gbtCalibration: PlattCalibrator;
}

/**
 * Logistic regression and gradient-boosted trees, each Platt-calibrated on out-of-fold predictions,
 * averaged in log-odds (not in probability): a mean of log-odds is linear in each member's
 * contributions, so the blend's factors still sum exactly to its output, which an average of
 * probabilities would not allow.
 */
export class BlendModel extends Classifier {
  readonly kind = 'blend' as const;
  private parts: BlendParts | null = null;

  constructor(private readonly seed = 42) {
    super();
  }

  static fromParts(parts: BlendParts): BlendModel {
    const model = new BlendModel();
    model.parts = parts;
    model.names = [...parts.lr.featureNames];
    model.groups = [...parts.lr.featureGroups];
    return model;
  }

  /** Calibrates each member on 3-fold out-of-fold predictions over `rows`, then fits both on all of them. */
  fit(m: FeatureMatrix, y: ArrayLike<number>, rows: ArrayLike<number> = allRows(m.rows)): this {
    this.setFeatures(m);
    const folds: Fold[] = stratifiedKFold(y, 3, this.seed, rows);
    const oofLr = new Float64Array(m.rows).fill(Number.NaN);
    const oofGbt = new Float64Array(m.rows).fill(Number.NaN);
    for (const f of folds) {
      const lr = createMember('logistic_regression', this.seed).fit(m, y, f.train).predictRawMatrix(m, f.test);
      const gbt = createMember('gradient_boosted_trees', this.seed).fit(m, y, f.train).predictRawMatrix(m, f.test);
      f.test.forEach((i, k) => {
        oofLr[i] = lr[k];
        oofGbt[i] = gbt[k];
      });
    }
    this.parts = {
      lr: createMember('logistic_regression', this.seed).fit(m, y, rows),
      gbt: createMember('gradient_boosted_trees', this.seed).fit(m, y, rows),
      lrCalibration: PlattCalibrator.fit(oofLr, y),
      gbtCalibration: PlattCalibrator.fit(oofGbt, y),
    };
    return this;
  }

  private get p(): BlendParts {
    if (!this.parts) throw new Error('blend model is not fitted');
    return this.parts;
  }

  predictRaw(x: ArrayLike<number>): number {
    const p = this.p;
    return 0.5 * (p.lrCalibration.calibrateRaw(p.lr.predictRaw(x)) + p.gbtCalibration.calibrateRaw(p.gbt.predictRaw(x)));
  }

  override predictRawMatrix(m: FeatureMatrix, rows: ArrayLike<number> = allRows(m.rows)): Float64Array {
    const p = this.p;
    const a = p.lr.predictRawMatrix(m, rows);
    const b = p.gbt.predictRawMatrix(m, rows);
    for (let k = 0; k < a.length; k++) a[k] = 0.5 * (p.lrCalibration.calibrateRaw(a[k]) + p.gbtCalibration.calibrateRaw(b[k]));
    return a;
  }

  featureContributions(x: ArrayLike<number>): FeatureContributions {
    const p = this.p;
    const l = p.lr.featureContributions(x);
    const g = p.gbt.featureContributions(x);
    const values = new Float64Array(l.values.length);
    for (let j = 0; j < values.length; j++) values[j] = 0.5 * (p.lrCalibration.a * l.values[j] + p.gbtCalibration.a * g.values[j]);
    return { base: 0.5 * (p.lrCalibration.calibrateRaw(l.base) + p.gbtCalibration.calibrateRaw(g.base)), values };
  }

  toJSON(): BlendJSON {
    const p = this.p;
    return {
      kind: this.kind,
      version: 1,
      featureNames: [...this.names],
      featureGroups: [...this.groups],
      lr: { model: p.lr.toJSON() as BlendJSON['lr']['model'], a: p.lrCalibration.a, b: p.lrCalibration.b },
      gbt: { model: p.gbt.toJSON() as BlendJSON['gbt']['model'], a: p.gbtCalibration.a, b: p.gbtCalibration.b },
    };
  }

  static fromJSON(json: BlendJSON): BlendModel {
    const model = BlendModel.fromParts({
      lr: TargetEncoded.wrap(LogisticRegression.fromJSON(json.lr.model), json.lr.model.targetEncoding),
      gbt: TargetEncoded.wrap(GradientBoostedTrees.fromJSON(json.gbt.model), json.gbt.model.targetEncoding),
      lrCalibration: PlattCalibrator.fromJSON({ kind: 'platt', a: json.lr.a, b: json.lr.b }),
      gbtCalibration: PlattCalibrator.fromJSON({ kind: 'platt', a: json.gbt.a, b: json.gbt.b }),
    });
    if (json.featureNames.join('\u0000') !== model.names.join('\u0000')) throw new Error('blend JSON: members disagree on the feature list');
    return model;
  }
}
