// Explainable lead-scoring ML: CSV reading, encoding, logistic regression and gradient-boosted
// trees with exact per-column contributions, calibration, validation and leakage checks.

export { DatasetError, isDatasetError } from './dataset-error.ts';

export { readCsv } from './csv-table.ts';
export type { CsvDelimiter, CsvSource, CsvTable, ReadCsvOptions } from './csv-table.ts';
export { detectDateFormat, isMissingCell, parseDateCell, parseTargetCell } from './cell-parsers.ts';
export type { DateFormat } from './cell-parsers.ts';
export { inferColumn, parseCell, parseColumn } from './column-inference.ts';
export type { CsvColumnSchema, DataType, DropReason, TypedColumn } from './column-inference.ts';
export { checkClasses, parseTargetColumn } from './target.ts';
export type { ParsedTarget } from './target.ts';

export { Encoder, MISSING_LEVEL, OTHER_LEVEL } from './encoder.ts';
export type { ColumnKind, ColumnSpec, ColumnValues, EncoderJSON, EncoderOptions, FeatureRecord, FeatureValue } from './encoder.ts';
export { allRows, createMatrix, matrixRow } from './feature-matrix.ts';
export type { FeatureMatrix } from './feature-matrix.ts';

export { Classifier, MODEL_KINDS } from './classifier.ts';
export type { ColumnContribution, Explanation, FeatureContributions, ModelKind } from './classifier.ts';
export { LogisticRegression } from './logistic-regression.model.ts';
export type { LogisticRegressionJSON, LogisticRegressionOptions } from './logistic-regression.model.ts';
export { GradientBoostedTrees } from './gbt.model.ts';
export type { GradientBoostingJSON, GradientBoostingOptions } from './gbt.model.ts';
export { BlendModel } from './blend.model.ts';
export type { BlendJSON, BlendParts } from './blend.model.ts';
export { TargetEncoded } from './target-encoding.ts';
export type { TargetEncodingJSON } from './target-encoding.ts';
export { selectModel } from './model-selection.ts';
export type { SelectOptions, Selected } from './model-selection.ts';
export { PlattCalibrator, predictionConfidence, scoreFromProbability } from './calibration.ts';
export type { PlattJSON } from './calibration.ts';

export { accuracy, brierScore, calibrationTable, logLoss, rocAuc } from './metrics.ts';
export type { CalibrationBin } from './metrics.ts';
export { crossValidate, stratifiedHoldout, stratifiedKFold, timeSeriesFolds, timeSplit, toTime } from './cross-validate.ts';
export type { CrossValidateOptions, CrossValidationResult, Fold, TimeSplit, TimeSplitOptions, TimeValue } from './cross-validate.ts';
export { afterTheFactName, missingnessAuc, pureLevels, singleColumnAuc } from './leakage.ts';
export type { LeakageColumn, LeakageEvidence, LeakageSignalKind, LeakageWarning } from './leakage.ts';
export { auditLeakage } from './leakage-audit.ts';
export type { LeakageAuditInput } from './leakage-audit.ts';

export { columnImportance, createClassifier } from './pipeline.ts';
export type { CandidateResult, EvaluationReport, EvaluationSelection, PhaseFn, ProgressFn, TrainingPhase, WithoutSuspects } from './pipeline.ts';
export { evaluateCsv, prepareCsvTable, trainCsv } from './evaluate-csv.ts';
export type { EvaluateCsvOptions, TrainCsvResult } from './evaluate-csv.ts';
export { evaluateRecords, trainRecords } from './train-records.ts';
export type { RecordsOptions } from './train-records.ts';
export { createScorer, modelFromJSON, parseTrainedModel, scoreRow } from './scorer.ts';
export type { RawRecord, ScoredContribution, ScoredLead, Scorer } from './scorer.ts';
export { ModelJSONSchema, TrainedModelSchema } from './trained-model.schema.ts';
export type { ColumnReport, ImportanceFactor, ModelJSON, ModelSelection, TrainedModel } from './trained-model.schema.ts';

export { createRandom } from './random.ts';
export type { Random } from './random.ts';
