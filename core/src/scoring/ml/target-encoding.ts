import { Classifier, type FeatureContributions, type ModelKind } from './classifier.ts';
import { allRows, type FeatureMatrix } from './feature-matrix.ts';
import { logit } from './math.ts';
import { createRandom } from './random.ts';

export interface TargetEncodingJSON {
  /** Pseudo-count pulling each level's rate toward the prior. */
  smoothing: number;
  /** Log-odds of the training base rate: the value of an unseen level. */
  prior: number;
  /** Per code feature: the smoothed log-odds of each level index. */
  features: { feature: number; values: number[] }[];
}

const SMOOTHING = 20;
const OOF_FOLDS = 5;

/**
 * Target encoding for high-cardinality categories, learned inside `fit` from the training rows
 * only, so cross-validation never lets a test row's label in. Each training row gets its level's
 * smoothed rate computed out of fold (from the other four fifths of the training rows: a row's own
 * label never encodes it, so a level seen once cannot memorise its outcome); new rows get the rate
 * from all training rows. The value is log-odds, which suits both learners. The inner model sees
 * the encoded matrix, so its contributions, and thus the additive explanation, are unchanged in
 * form: the encoded feature keeps its column's name. Without code features it is a pass-through.
 */
export class TargetEncoded extends Classifier {
  readonly kind: ModelKind;
  private encoding: TargetEncodingJSON | null = null;

  constructor(
    readonly inner: Classifier,
    private readonly seed = 42,
  ) {
    super();
    this.kind = inner.kind;
  }

  fit(m: FeatureMatrix, y: ArrayLike<number>, rows: ArrayLike<number> = allRows(m.rows)): this {
    this.setFeatures(m);
    const codes = m.codeFeatures ?? [];
    if (codes.length === 0) {
      this.encoding = null;
      this.inner.fit(m, y, rows);
      return this;
    }
    const { encoding, data } = fitTargetEncoding(m, y, rows, codes, this.seed);
    this.encoding = encoding;
    this.inner.fit({ ...m, data, codeFeatures: [] }, y, rows);
    return this;
  }

  /** The row as the inner model sees it. */
  encode(x: ArrayLike<number>): ArrayLike<number> {
    const e = this.encoding;
    if (!e) return x;
    const out = Float64Array.from(x);
    for (const f of e.features) out[f.feature] = levelValue(f.values, x[f.feature], e.prior);
    return out;
  }

  predictRaw(x: ArrayLike<number>): number {
    return this.inner.predictRaw(this.encode(x));
  }

  override predictRawMatrix(m: FeatureMatrix, rows: ArrayLike<number> = allRows(m.rows)): Float64Array {
    const e = this.encoding;
    if (!e) return this.inner.predictRawMatrix(m, rows);
    const data = new Float64Array(rows.length * m.cols);
    for (let k = 0; k < rows.length; k++) {
      const o = rows[k] * m.cols;
      data.set(m.data.subarray(o, o + m.cols), k * m.cols);
      for (const f of e.features) data[k * m.cols + f.feature] = levelValue(f.values, m.data[o + f.feature], e.prior);
    }
    return this.inner.predictRawMatrix({ ...m, data, rows: rows.length, codeFeatures: [] });
  }

  featureContributions(x: ArrayLike<number>): FeatureContributions {
    return this.inner.featureContributions(this.encode(x));
  }

  toJSON(): unknown {
    const json = this.inner.toJSON() as Record<string, unknown>;
    return this.encoding ? { ...json, targetEncoding: this.encoding } : json;
  }

  /** Wrap a model rebuilt from JSON with its stored encoding (none: the model as it is). */
  static wrap(inner: Classifier, encoding: TargetEncodingJSON | undefined): Classifier {
    if (!encoding) return inner;
    const model = new TargetEncoded(inner);
    model.encoding = encoding;
    model.names = [...inner.featureNames];
    model.groups = [...inner.featureGroups];
    return model;
  }
}

function levelValue(values: readonly number[], code: number, prior: number): number {
  return code >= 0 && code < values.length ? values[code] : prior;
}

/** Smoothed log-odds tables from `rows`, and a copy of the matrix with out-of-fold values on those rows. */
export function fitTargetEncoding(
  m: FeatureMatrix,
  y: ArrayLike<number>,
  rows: ArrayLike<number>,
  codes: readonly number[],
  seed: number,
): { encoding: TargetEncodingJSON; data: Float64Array } {
  let positives = 0;
  for (let k = 0; k < rows.length; k++) positives += y[rows[k]];
  const rate = rows.length ? positives / rows.length : 0.5;
  const s = SMOOTHING;
  const smoothed = (sum: number, count: number) => logit((sum + s * rate) / (count + s));
  const random = createRandom(seed);
  const fold = Uint8Array.from({ length: rows.length }, () => Math.floor(random() * OOF_FOLDS));
  const data = Float64Array.from(m.data);
  const features = codes.map((feature) => {
    let levels = 0;
    for (let i = 0; i < m.rows; i++) levels = Math.max(levels, m.data[i * m.cols + feature] + 1);
    // Per fold and level: sum of labels and count, plus the totals over folds.
    const sums = new Float64Array((OOF_FOLDS + 1) * levels);
    const counts = new Float64Array((OOF_FOLDS + 1) * levels);
    for (let k = 0; k < rows.length; k++) {
      const code = m.data[rows[k] * m.cols + feature];
      if (code < 0) continue;
      for (const at of [fold[k] * levels + code, OOF_FOLDS * levels + code]) {
        sums[at] += y[rows[k]];
        counts[at] += 1;
      }
    }
    const total = OOF_FOLDS * levels;
    const values = Array.from({ length: levels }, (_, c) => smoothed(sums[total + c], counts[total + c]));
    for (let i = 0; i < m.rows; i++) {
      const code = m.data[i * m.cols + feature];
      data[i * m.cols + feature] = levelValue(values, code, logit(rate));
    }
    for (let k = 0; k < rows.length; k++) {
      const code = m.data[rows[k] * m.cols + feature];
      if (code < 0) continue;
      const at = fold[k] * levels + code;
      data[rows[k] * m.cols + feature] = smoothed(sums[total + code] - sums[at], counts[total + code] - counts[at]);
    }
    return { feature, values };
  });
  return { encoding: { smoothing: s, prior: logit(rate), features }, data };
}
