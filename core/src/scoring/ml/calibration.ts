import { sigmoid, softplus } from './math.ts';

export interface PlattJSON {
  kind: 'platt';
  /** calibrated p = sigmoid(a · raw + b) */
  a: number;
  b: number;
}

/**
 * Platt scaling: a one-feature logistic regression on the model's out-of-fold log-odds, with
 * Platt's smoothed targets ((N₊+1)/(N₊+2) and 1/(N₋+2)) so a perfectly separated fold cannot push
 * the slope to infinity. Being monotone, it leaves AUC and the ranking of leads unchanged.
 */
export class PlattCalibrator {
  private constructor(
    readonly a: number,
    readonly b: number,
  ) {}

  static identity(): PlattCalibrator {
    return new PlattCalibrator(1, 0);
  }

  /** Rows whose raw value is NaN (never predicted out of fold) are ignored. */
  static fit(raw: ArrayLike<number>, y: ArrayLike<number>): PlattCalibrator {
    const f: number[] = [];
    const t: number[] = [];
    let pos = 0;
    let neg = 0;
    for (let i = 0; i < raw.length; i++) {
      if (Number.isNaN(raw[i])) continue;
      f.push(raw[i]);
      t.push(y[i]);
      if (y[i] === 1) pos++;
      else neg++;
    }
    if (pos === 0 || neg === 0) return PlattCalibrator.identity();
    const hi = (pos + 1) / (pos + 2);
    const lo = 1 / (neg + 2);
    const target = t.map((v) => (v === 1 ? hi : lo));
    const loss = (a: number, b: number): number => {
      let s = 0;
      for (let i = 0; i < f.length; i++) {
        const z = a * f[i] + b;
        s += softplus(z) - target[i] * z;
      }
      return s;
    };
    let a = 1;
    let b = 0;
    let current = loss(a, b);
    for (let iter = 0; iter < 100; iter++) {
      let ga = 0;
      let gb = 0;
      let haa = 1e-12;
      let hab = 0;
      let hbb = 1e-12;
      for (let i = 0; i < f.length; i++) {
        const p = sigmoid(a * f[i] + b);
        const e = p - target[i];
        const w = p * (1 - p);
        ga += e * f[i];
        gb += e;
        haa += w * f[i] * f[i];
        hab += w * f[i];
        hbb += w;
      }
      if (Math.abs(ga) < 1e-9 * f.length && Math.abs(gb) < 1e-9 * f.length) break;
      const det = haa * hbb - hab * hab;
      if (!(det > 0)) break;
      const da = -(hbb * ga - hab * gb) / det;
      const db = -(haa * gb - hab * ga) / det;
      let step = 1;
      let next = loss(a + da, b + db);
      while (next > current && step > 1e-8) {
        step /= 2;
        next = loss(a + step * da, b + step * db);
      }
      if (next > current) break;
      a += step * da;
      b += step * db;
      const improved = current - next;
      current = next;
      if (improved < 1e-12 * Math.max(1, current)) break;
    }
    return new PlattCalibrator(a, b);
  }

  static fromJSON(json: PlattJSON): PlattCalibrator {
    return new PlattCalibrator(json.a, json.b);
  }

  /** Calibrated log-odds. */
  calibrateRaw(raw: number): number {
    return this.a * raw + this.b;
  }

  calibrate(raw: number): number {
    return sigmoid(this.calibrateRaw(raw));
  }

  toJSON(): PlattJSON {
    return { kind: 'platt', a: this.a, b: this.b };
  }
}

/** Calibrated probability as a 0–100 lead score. */
export function scoreFromProbability(p: number): number {
  return Math.min(100, Math.max(0, Math.round(p * 100)));
}

/**
 * How much to trust one score, 0–1: `support × (0.5 + 0.5 · |2p − 1|)`.
 * - support (0–1) is the importance-weighted share of the lead's columns whose values lie where
 *   training data was dense (present; numbers inside the training 1st–99th percentile; categories
 *   seen at least the rare-level minimum). A lead missing its most predictive fields, or far
 *   outside anything seen, gets low support whatever the probability.
 * - decisiveness |2p − 1| is how far the calibrated probability is from a coin flip; a score of
 *   50 on well-supported data still earns half confidence: we are sure it is a toss-up.
 */
export function predictionConfidence(probability: number, support: number): number {
  const s = Math.min(1, Math.max(0, support));
  const decisiveness = Math.abs(2 * probability - 1);
  return Math.round(s * (0.5 + 0.5 * decisiveness) * 1000) / 1000;
}
