import { BlendModel } from './blend.model.ts';
import { PlattCalibrator, predictionConfidence, scoreFromProbability } from './calibration.ts';
import type { Classifier } from './classifier.ts';
import { parseCell } from './column-inference.ts';
import { DatasetError } from './dataset-error.ts';
import { Encoder, type FeatureRecord, type FeatureValue } from './encoder.ts';
import { GradientBoostedTrees } from './gbt.model.ts';
import { LogisticRegression } from './logistic-regression.model.ts';
import { sigmoid } from './math.ts';
import { TargetEncoded } from './target-encoding.ts';
import { type ModelJSON, type TrainedModel, TrainedModelSchema } from './trained-model.schema.ts';

export interface ScoredContribution {
  /** The user's column. */
  name: string;
  /** The value the lead had (as given). */
  value: FeatureValue;
  /** Push on the calibrated log-odds: positive raises the score. */
  contribution: number;
}

export interface ScoredLead {
  /** Calibrated probability of the positive outcome. */
  probability: number;
  /** round(probability × 100). */
  score: number;
  /** 0–1; see `predictionConfidence`. */
  confidence: number;
  /** Calibrated log-odds of an average lead: base + Σ contributions = logit(probability). */
  base: number;
  /** Largest |contribution| first. */
  contributions: ScoredContribution[];
}

export type RawRecord = Readonly<Record<string, string | null | undefined>>;

export interface Scorer {
  readonly trained: TrainedModel;
  /** Typed values (numbers, strings, booleans), e.g. from a CRM feature extractor. */
  scoreRecord(record: FeatureRecord): ScoredLead;
  /** Raw string cells as in the training CSV, read with the stored column schema. */
  scoreRow(record: RawRecord): ScoredLead;
}

export function modelFromJSON(json: ModelJSON): Classifier {
  if (json.kind === 'blend') return BlendModel.fromJSON(json);
  const inner = json.kind === 'logistic_regression' ? LogisticRegression.fromJSON(json) : GradientBoostedTrees.fromJSON(json);
  return TargetEncoded.wrap(inner, json.targetEncoding);
}

/** Validate stored JSON (e.g. read from the database) as a trained model. */
export function parseTrainedModel(json: unknown): TrainedModel {
  const result = TrainedModelSchema.safeParse(json);
  if (!result.success) {
    const issue = result.error.issues[0];
    throw new DatasetError('model', `stored model is not valid: ${issue.path.join('.') || '(root)'}: ${issue.message}`);
  }
  return result.data;
}

function lookup(record: RawRecord, name: string): string | null | undefined {
  if (name in record) return record[name];
  const wanted = name.trim().toLowerCase();
  for (const key of Object.keys(record)) if (key.trim().toLowerCase() === wanted) return record[key];
  return undefined;
}

/** Rebuild the encoder, model and calibrator once and score any number of leads. */
export function createScorer(input: TrainedModel | unknown): Scorer {
  const trained = parseTrainedModel(input);
  const encoder = Encoder.fromJSON(trained.encoder);
  const model = modelFromJSON(trained.model);
  if (model.featureNames.join('\u0000') !== encoder.featureNames.join('\u0000')) {
    throw new DatasetError('model', 'stored model and encoder disagree on the feature list');
  }
  const calibrator = PlattCalibrator.fromJSON(trained.calibrator);
  const weight = new Map(trained.featureImportance.map((f) => [f.name, f.importance]));
  const schema = trained.schema;

  const score = (typed: FeatureRecord, shown: Readonly<Record<string, FeatureValue>>): ScoredLead => {
    const x = encoder.encodeRow(typed);
    const explanation = model.contributions(x);
    const logOdds = calibrator.calibrateRaw(explanation.raw);
    const probability = sigmoid(logOdds);
    let supported = 0;
    let totalWeight = 0;
    for (const [name, ok] of encoder.support(typed)) {
      const w = weight.get(name) ?? 0;
      totalWeight += w;
      if (ok) supported += w;
    }
    const support = totalWeight > 0 ? supported / totalWeight : 0;
    return {
      probability,
      score: scoreFromProbability(probability),
      confidence: predictionConfidence(probability, support),
      base: calibrator.calibrateRaw(explanation.base),
      contributions: explanation.contributions
        .map((c) => ({ name: c.name, value: shown[c.name] ?? null, contribution: calibrator.a * c.contribution }))
        .sort((p, q) => Math.abs(q.contribution) - Math.abs(p.contribution)),
    };
  };

  return {
    trained,
    scoreRecord: (record) => score(record, record),
    scoreRow: (record) => {
      if (!schema) return score(record, record);
      const typed: Record<string, FeatureValue> = {};
      const shown: Record<string, FeatureValue> = {};
      for (const col of schema) {
        const raw = lookup(record, col.name);
        typed[col.name] = parseCell(raw, col);
        shown[col.name] = raw ?? null;
      }
      return score(typed, shown);
    },
  };
}

const cache = new WeakMap<object, Scorer>();

/** Score one raw string record with a trained model (the rebuilt scorer is cached per model object). */
export function scoreRow(trained: TrainedModel, record: RawRecord): ScoredLead {
  let scorer = cache.get(trained);
  if (!scorer) {
    scorer = createScorer(trained);
    cache.set(trained, scorer);
  }
  return scorer.scoreRow(record);
}
