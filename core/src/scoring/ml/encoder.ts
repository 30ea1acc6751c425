import { createMatrix, type FeatureMatrix } from './feature-matrix.ts';

export type ColumnKind = 'numeric' | 'categorical' | 'boolean';
export interface ColumnSpec {
  name: string;
  kind: ColumnKind;
}
export type FeatureValue = number | string | boolean | null | undefined;
export type FeatureRecord = Readonly<Record<string, FeatureValue>>;
/** One column's values: a Float64Array (NaN = missing) or any array of feature values. */
export type ColumnValues = Float64Array | readonly FeatureValue[];

export const OTHER_LEVEL = '__other__';
export const MISSING_LEVEL = '__missing__';

interface NumericEncoding {
  name: string;
  kind: 'numeric' | 'boolean';
  /** Stands in for a missing value: the training median for numbers, the share of true for booleans (neutral, not a guess of yes/no). */
  fill: number;
  /** 1st and 99th percentile of training values: the range where the model has seen data. */
  low: number;
  high: number;
  missingIndicator: boolean;
}
interface CategoricalEncoding {
  name: string;
  kind: 'categorical';
  /** One feature per level, in this order; may include OTHER_LEVEL and MISSING_LEVEL. */
  levels: string[];
  /**
   * 'target': one feature holding the level's index (−1 when unseen), which the model replaces by
   * the level's smoothed outcome rate learned from its own training rows (see target-encoding.ts).
   */
  encoding?: 'target';
}
type ColumnEncoding = NumericEncoding | CategoricalEncoding;
export interface EncoderJSON {
  version: 1;
  columns: ColumnEncoding[];
}

export interface EncoderOptions {
  /** Levels seen fewer times are bucketed into `__other__`. Default max(10, 1% of rows). */
  minLevelCount?: number;
  /** Categorical columns with more distinct levels are target-encoded instead of one-hot. Default 20. */
  targetEncodeAbove?: number;
}

const TARGET_ENCODE_ABOVE = 20;

const TRUE_STRINGS = new Set(['true', 'yes', 'y', 't', '1']);
const FALSE_STRINGS = new Set(['false', 'no', 'n', 'f', '0']);

function toNumber(v: FeatureValue, kind: 'numeric' | 'boolean'): number {
  if (v == null) return Number.NaN;
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) return Number.NaN;
    return kind === 'boolean' ? (v === 1 ? 1 : v === 0 ? 0 : Number.NaN) : v;
  }
  const s = v.trim();
  if (kind === 'boolean') {
    const l = s.toLowerCase();
    return TRUE_STRINGS.has(l) ? 1 : FALSE_STRINGS.has(l) ? 0 : Number.NaN;
  }
  return s === '' ? Number.NaN : Number(s);
}

function toLevel(v: FeatureValue): string | null {
  if (v == null || (typeof v === 'number' && Number.isNaN(v))) return null;
  const s = String(v).trim();
  return s === '' ? null : s;
}

function valueAt(values: ColumnValues | undefined, i: number): FeatureValue {
  return values === undefined ? null : values[i];
}

function quantile(sorted: Float64Array, q: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * (sorted.length - 1) + 0.5))];
}

/**
 * Turns typed columns into model features: numbers and booleans (1/0) as-is with missing values
 * imputed (numbers: training median; booleans: share of true) plus a `<col>__missing` indicator
 * (only when training had missing values); categories one-hot with rare levels in `__other__` and missing in `__missing__`.
 * Unseen levels at scoring time go to `__other__` (or to no level when training had none).
 */
export class Encoder {
  readonly columns: readonly ColumnEncoding[];
  readonly featureNames: readonly string[];
  readonly featureGroups: readonly string[];
  /** Features holding a target-encoded column's level index. */
  readonly codeFeatures: readonly number[];
  private readonly offsets: number[];
  private readonly levelIndex: (Map<string, number> | null)[];

  private constructor(columns: ColumnEncoding[]) {
    this.columns = columns;
    this.levelIndex = columns.map((c) => (c.kind === 'categorical' ? new Map(c.levels.map((l, j) => [l, j])) : null));
    const names: string[] = [];
    const groups: string[] = [];
    const codes: number[] = [];
    this.offsets = [];
    for (const c of columns) {
      this.offsets.push(names.length);
      if (c.kind === 'categorical' && c.encoding === 'target') codes.push(names.length);
      const features =
        c.kind === 'categorical'
          ? c.encoding === 'target'
            ? [c.name]
            : c.levels.map((l) => `${c.name}=${l}`)
          : c.missingIndicator
            ? [c.name, `${c.name}__missing`]
            : [c.name];
      for (const f of features) {
        names.push(f);
        groups.push(c.name);
      }
    }
    this.featureNames = names;
    this.featureGroups = groups;
    this.codeFeatures = codes;
  }

  /** Learn medians and levels from records such as a CRM feature extractor produces. */
  static fit(specs: readonly ColumnSpec[], rows: readonly FeatureRecord[], options: EncoderOptions = {}): Encoder {
    return Encoder.fitColumns(specs, recordsToColumns(specs, rows), rows.length, options);
  }

  static fitColumns(specs: readonly ColumnSpec[], columns: Readonly<Record<string, ColumnValues>>, rows: number, options: EncoderOptions = {}): Encoder {
    const minCount = options.minLevelCount ?? Math.max(10, Math.ceil(0.01 * rows));
    const seen = new Set<string>();
    const encodings = specs.map((spec): ColumnEncoding => {
      if (seen.has(spec.name)) throw new Error(`duplicate column spec "${spec.name}"`);
      seen.add(spec.name);
      const values = columns[spec.name];
      if (spec.kind === 'categorical') {
        const counts = new Map<string, number>();
        let missing = 0;
        for (let i = 0; i < rows; i++) {
          const level = toLevel(valueAt(values, i));
          if (level === null) missing++;
          else counts.set(level, (counts.get(level) ?? 0) + 1);
        }
        const target = counts.size > (options.targetEncodeAbove ?? TARGET_ENCODE_ABOVE);
        // Target encoding smooths rare levels toward the base rate itself; only one-offs are pooled.
        const least = target ? 2 : minCount;
        const kept = [...counts].filter(([, n]) => n >= least).sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
        const levels = kept.map(([l]) => l);
        if (kept.length < counts.size) levels.push(OTHER_LEVEL);
        if (missing > 0) levels.push(MISSING_LEVEL);
        return target ? { name: spec.name, kind: 'categorical', levels, encoding: 'target' } : { name: spec.name, kind: 'categorical', levels };
      }
      const buffer = new Float64Array(rows);
      let count = 0;
      let sum = 0;
      for (let i = 0; i < rows; i++) {
        const v = toNumber(valueAt(values, i), spec.kind);
        if (Number.isNaN(v)) continue;
        buffer[count++] = v;
        sum += v;
      }
      const sorted = buffer.subarray(0, count).sort();
      const median = count === 0 ? 0 : (sorted[(count - 1) >> 1] + sorted[count >> 1]) / 2;
      const share = count === 0 ? 0 : sum / count;
      return {
        name: spec.name,
        kind: spec.kind,
        fill: spec.kind === 'boolean' ? share : median,
        low: quantile(sorted, 0.01),
        high: quantile(sorted, 0.99),
        missingIndicator: count < rows,
      };
    });
    return new Encoder(encodings);
  }

  static fromJSON(json: EncoderJSON): Encoder {
    if (json.version !== 1) throw new Error(`unsupported encoder version ${String(json.version)}`);
    return new Encoder(json.columns.map((c) => ({ ...c })));
  }

  toJSON(): EncoderJSON {
    return { version: 1, columns: this.columns.map((c) => (c.kind === 'categorical' ? { ...c, levels: [...c.levels] } : { ...c })) };
  }

  get columnNames(): string[] {
    return this.columns.map((c) => c.name);
  }

  transform(rows: readonly FeatureRecord[]): FeatureMatrix {
    return this.transformColumns(recordsToColumns(this.columns, rows), rows.length);
  }

  transformColumns(columns: Readonly<Record<string, ColumnValues>>, rows: number): FeatureMatrix {
    const m = { ...createMatrix(rows, this.featureNames, this.featureGroups), codeFeatures: this.codeFeatures };
    const cols = m.cols;
    this.columns.forEach((c, k) => {
      const values = columns[c.name];
      const offset = this.offsets[k];
      for (let i = 0; i < rows; i++) this.encodeValue(k, valueAt(values, i), m.data, i * cols + offset);
    });
    return m;
  }

  encodeRow(record: FeatureRecord): Float64Array {
    const out = new Float64Array(this.featureNames.length);
    this.columns.forEach((c, k) => this.encodeValue(k, record[c.name], out, this.offsets[k]));
    return out;
  }

  /**
   * Per column, whether the record's value lies where training data was dense: present, inside the
   * 1st–99th percentile for numbers, a level kept on its own for categories.
   */
  support(record: FeatureRecord): Map<string, boolean> {
    const out = new Map<string, boolean>();
    this.columns.forEach((c, k) => {
      const v = record[c.name];
      if (c.kind === 'categorical') {
        const level = toLevel(v);
        out.set(c.name, level !== null && level !== OTHER_LEVEL && level !== MISSING_LEVEL && this.levelIndex[k]!.has(level));
      } else {
        const x = toNumber(v, c.kind);
        out.set(c.name, !Number.isNaN(x) && (c.kind === 'boolean' || (x >= c.low && x <= c.high)));
      }
    });
    return out;
  }

  private encodeValue(k: number, v: FeatureValue, out: Float64Array, at: number): void {
    const c = this.columns[k];
    if (c.kind === 'categorical') {
      const index = this.levelIndex[k]!;
      const level = toLevel(v);
      let idx = index.get(level ?? MISSING_LEVEL) ?? -1;
      if (idx < 0 && level !== null) idx = index.get(OTHER_LEVEL) ?? -1;
      if (c.encoding === 'target') {
        out[at] = idx;
        return;
      }
      for (let j = 0; j < c.levels.length; j++) out[at + j] = j === idx ? 1 : 0;
      return;
    }
    const x = toNumber(v, c.kind);
    const missing = Number.isNaN(x);
    out[at] = missing ? c.fill : x;
    if (c.missingIndicator) out[at + 1] = missing ? 1 : 0;
  }
}

function recordsToColumns(specs: readonly { name: string }[], rows: readonly FeatureRecord[]): Record<string, FeatureValue[]> {
  const out: Record<string, FeatureValue[]> = {};
  for (const s of specs) out[s.name] = rows.map((r) => r[s.name]);
  return out;
}
