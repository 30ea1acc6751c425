-- Lead-scoring model registry: every model version trained on a tenant's own history, with the
-- training-data summary, metrics (cross-validated and on held-out recent outcomes), calibration
-- table and feature importance. At most one version per tenant is active; a retrain stores its
-- candidate as 'rejected' when it does not beat the active one on held-out data. Tenant-owned and
-- isolated by RLS exactly like the foundation tables.
CREATE TABLE scoring_models (
  id                  uuid PRIMARY KEY,
  tenant_id           uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  version             integer NOT NULL CHECK (version >= 1),
  status              text NOT NULL CHECK (status IN ('active','retired','rejected')),
  model_kind          text NOT NULL CHECK (model_kind IN ('logistic_regression','gradient_boosted_trees')),
  -- the trained model (encoder, weights or trees, calibrator) as TrainedModelSchema JSON
  artifact            jsonb NOT NULL,
  -- which custom fields the feature extractor adds, and its version
  feature_config      jsonb NOT NULL,
  training_summary    jsonb NOT NULL,
  metrics             jsonb NOT NULL,
  feature_importance  jsonb NOT NULL DEFAULT '[]',
  -- the held-out comparison with the model (or rules) that was active when it was trained
  decision            jsonb NOT NULL DEFAULT '{}',
  created_by          uuid,
  created_at          timestamptz NOT NULL DEFAULT now(),
  activated_at        timestamptz,
  UNIQUE (tenant_id, version)
);
CREATE UNIQUE INDEX scoring_models_one_active_idx ON scoring_models (tenant_id) WHERE status = 'active';

-- Training cutoffs read the status-change history of closed contacts.
CREATE INDEX audit_log_status_changes_idx ON audit_log (tenant_id, entity_id, created_at) WHERE action = 'contact.status_changed';

ALTER TABLE scoring_models ENABLE ROW LEVEL SECURITY;
ALTER TABLE scoring_models FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON scoring_models TO crm_app USING (tenant_id = crm_current_tenant()) WITH CHECK (tenant_id = crm_current_tenant());
GRANT SELECT, INSERT, UPDATE, DELETE ON scoring_models TO crm_app;
