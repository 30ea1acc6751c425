import { z } from 'zod';

/** Persisted shapes: a trained model is stored as JSON (e.g. a jsonb column) and validated on load. */

const finite = z.number();
const numbers = z.array(finite);

export const ModelKindSchema = z.enum(['logistic_regression', 'gradient_boosted_trees', 'blend']);

export const TargetEncodingJSONSchema = z.object({
  smoothing: finite,
  prior: finite,
  features: z.array(z.object({ feature: z.number().int().nonnegative(), values: numbers })),
});

export const LogisticRegressionJSONSchema = z.object({
  kind: z.literal('logistic_regression'),
  version: z.literal(1),
  featureNames: z.array(z.string()),
  featureGroups: z.array(z.string()),
  mean: numbers,
  scale: numbers,
  weights: numbers,
  intercept: finite,
  lambda: finite,
  targetEncoding: TargetEncodingJSONSchema.optional(),
});

export const GradientBoostingJSONSchema = z.object({
  kind: z.literal('gradient_boosted_trees'),
  version: z.literal(1),
  featureNames: z.array(z.string()),
  featureGroups: z.array(z.string()),
  init: finite,
  trees: z.array(
    z.object({ feature: z.array(z.number().int()), threshold: numbers, left: z.array(z.number().int()), right: z.array(z.number().int()), value: numbers }),
  ),
  params: z.object({
    learningRate: finite,
    maxLeafNodes: z.number().int(),
    maxDepth: z.number().int(),
    minSamplesLeaf: z.number().int(),
    l2Regularization: finite,
    iterations: z.number().int(),
  }),
  targetEncoding: TargetEncodingJSONSchema.optional(),
});

export const BlendJSONSchema = z.object({
  kind: z.literal('blend'),
  version: z.literal(1),
  featureNames: z.array(z.string()),
  featureGroups: z.array(z.string()),
  lr: z.object({ model: LogisticRegressionJSONSchema, a: finite, b: finite }),
  gbt: z.object({ model: GradientBoostingJSONSchema, a: finite, b: finite }),
});

export const ModelJSONSchema = z.discriminatedUnion('kind', [LogisticRegressionJSONSchema, GradientBoostingJSONSchema, BlendJSONSchema]);
export type ModelJSON = z.infer<typeof ModelJSONSchema>;

export const InnerCandidateSchema = z.object({ model: ModelKindSchema, auc: finite.nullable(), aucStd: finite.nullable(), logLoss: finite.nullable() });
export const ModelSelectionSchema = z.object({
  chosen: ModelKindSchema,
  reason: z.string(),
  innerFolds: z.number().int(),
  candidates: z.array(InnerCandidateSchema),
  /**
   * inner_cv: k-fold CV on the rows (1-SE rule on the fold AUCs); holdout: one hold-out of large
   * data (DeLong 1-SE rule); outer_cv: the final choice of a large evaluation, taken from its outer
   * folds. Absent in models trained before it was recorded (inner_cv).
   */
  method: z.enum(['inner_cv', 'holdout', 'outer_cv']).optional(),
});
export type ModelSelection = z.infer<typeof ModelSelectionSchema>;

export const EncoderJSONSchema = z.object({
  version: z.literal(1),
  columns: z.array(
    z.union([
      z.object({ name: z.string(), kind: z.enum(['numeric', 'boolean']), fill: finite, low: finite, high: finite, missingIndicator: z.boolean() }),
      z.object({ name: z.string(), kind: z.literal('categorical'), levels: z.array(z.string()), encoding: z.literal('target').optional() }),
    ]),
  ),
});

export const PlattJSONSchema = z.object({ kind: z.literal('platt'), a: finite, b: finite });

export const CsvColumnSchemaSchema = z.object({
  name: z.string(),
  type: z.enum(['numeric', 'boolean', 'date', 'categorical']),
  dateFormat: z.enum(['ymd', 'dmy', 'mdy', 'text']).optional(),
  missingCode: finite.optional(),
});

export const ColumnReportSchema = z.object({
  name: z.string(),
  type: z.enum(['numeric', 'boolean', 'date', 'categorical']),
  missing: z.number().int(),
  role: z.enum(['feature', 'target', 'id', 'excluded', 'dropped', 'time', 'fold']),
  note: z.string().optional(),
});
export type ColumnReport = z.infer<typeof ColumnReportSchema>;

export const ImportanceFactorSchema = z.object({ name: z.string(), importance: finite });
export type ImportanceFactor = z.infer<typeof ImportanceFactorSchema>;

const LeakageKindSchema = z.enum(['single_column_auc', 'pure_level', 'missingness', 'after_time', 'importance', 'drop_column', 'name']);

export const LeakageWarningSchema = z.object({
  column: z.string(),
  reason: z.string(),
  kind: LeakageKindSchema,
  // Absent in models trained before the evidence was recorded.
  fix: z.string().optional(),
  evidence: z
    .array(z.object({ kind: LeakageKindSchema, strength: z.enum(['strong', 'moderate', 'weak']), detail: z.string(), value: finite.optional() }))
    .optional(),
  kept: z.boolean().optional(),
  auc: finite.optional(),
  level: z.string().optional(),
  rows: z.number().int().optional(),
  rate: finite.optional(),
});

export const TrainedModelSchema = z.object({
  format: z.literal('crm-lead-scoring-model'),
  version: z.literal(1),
  modelKind: ModelKindSchema,
  target: z.string(),
  trainedAt: z.string(),
  /** How raw string cells of each feature column are read (CSV-trained models); null for record-trained ones. */
  schema: z.array(CsvColumnSchemaSchema).nullable(),
  encoder: EncoderJSONSchema,
  model: ModelJSONSchema,
  calibrator: PlattJSONSchema,
  /** Mean |contribution| share per column on training rows, summing to 1, largest first. */
  featureImportance: z.array(ImportanceFactorSchema),
  /** Cross-validated (out-of-fold) metrics of the chosen model kind; null where undefined (e.g. no fold had both classes). */
  metrics: z.object({ auc: finite.nullable(), aucStd: finite.nullable(), logLoss: finite.nullable(), accuracy: finite.nullable(), brier: finite.nullable() }),
  /** How the model kind was chosen (inner CV on the training rows); absent in models trained before selection was recorded. */
  selection: ModelSelectionSchema.optional(),
  summary: z.object({ rows: z.number().int(), positives: z.number().int(), columns: z.array(ColumnReportSchema) }),
  leakageWarnings: z.array(LeakageWarningSchema),
});
export type TrainedModel = z.infer<typeof TrainedModelSchema>;
