-- Tenant scoring models may be the blend of logistic regression and gradient-boosted trees (their
-- Platt-calibrated log-odds averaged) when nested cross-validation picks it. The artifact holds both
-- members and their calibration (TrainedModelSchema, model.kind = 'blend'); existing
-- logistic_regression and gradient_boosted_trees rows are unchanged and still satisfy the check.
ALTER TABLE scoring_models DROP CONSTRAINT IF EXISTS scoring_models_model_kind_check;
ALTER TABLE scoring_models ADD CONSTRAINT scoring_models_model_kind_check
  CHECK (model_kind IN ('logistic_regression','gradient_boosted_trees','blend'));
