import { allRows, type FeatureMatrix } from './feature-matrix.ts';
import { sigmoid } from './math.ts';

export type ModelKind = 'logistic_regression' | 'gradient_boosted_trees' | 'blend';
/** In order of simplicity: model selection prefers the earlier one when the scores are close. */
export const MODEL_KINDS: readonly ModelKind[] = ['logistic_regression', 'gradient_boosted_trees', 'blend'];

/** One user column's share of a prediction, in log-odds. */
export interface ColumnContribution {
  name: string;
  contribution: number;
}

/** `base + Σ contributions = raw` (log-odds), up to floating-point rounding. */
export interface Explanation {
  base: number;
  raw: number;
  contributions: ColumnContribution[];
}

export interface FeatureContributions {
  base: number;
  /** One value per encoded feature (one-hot levels separate). */
  values: Float64Array;
}

/**
 * What every scoring model offers. `rows` restricts fitting/prediction to a subset of matrix rows
 * so cross-validation needs no copies of the data.
 */
export abstract class Classifier {
  abstract readonly kind: ModelKind;
  protected names: string[] = [];
  protected groups: string[] = [];

  get featureNames(): readonly string[] {
    return this.names;
  }

  get featureGroups(): readonly string[] {
    return this.groups;
  }

  abstract fit(m: FeatureMatrix, y: ArrayLike<number>, rows?: ArrayLike<number>): this;

  /** Log-odds of the positive class for one encoded row. */
  abstract predictRaw(x: ArrayLike<number>): number;

  abstract featureContributions(x: ArrayLike<number>): FeatureContributions;

  abstract toJSON(): unknown;

  predictProba(x: ArrayLike<number>): number {
    return sigmoid(this.predictRaw(x));
  }

  predictRawMatrix(m: FeatureMatrix, rows: ArrayLike<number> = allRows(m.rows)): Float64Array {
    this.checkWidth(m.cols);
    const out = new Float64Array(rows.length);
    for (let k = 0; k < rows.length; k++) {
      const i = rows[k];
      out[k] = this.predictRaw(m.data.subarray(i * m.cols, (i + 1) * m.cols));
    }
    return out;
  }

  /** Per-column contributions: features from the same user column (one-hot levels, missing flags) summed. */
  contributions(x: ArrayLike<number>): Explanation {
    const { base, values } = this.featureContributions(x);
    const byGroup = new Map<string, number>();
    for (let j = 0; j < values.length; j++) {
      const g = this.groups[j];
      byGroup.set(g, (byGroup.get(g) ?? 0) + values[j]);
    }
    return {
      base,
      raw: this.predictRaw(x),
      contributions: [...byGroup].map(([name, contribution]) => ({ name, contribution })),
    };
  }

  protected setFeatures(m: { featureNames: readonly string[]; featureGroups: readonly string[] }): void {
    this.names = [...m.featureNames];
    this.groups = [...m.featureGroups];
  }

  protected checkWidth(cols: number): void {
    if (cols !== this.names.length) throw new Error(`model expects ${this.names.length} features, got ${cols}`);
  }
}
