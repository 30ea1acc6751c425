-- Per-tenant token and cost accounting of remote model calls, one row per tenant, month, provider
-- and model, kept current by an upsert after every call. Budgets are checked against it before a
-- provider is called; a tenant may override the default budget in
-- tenants.settings -> 'ai' -> 'monthlyTokenBudget'.
CREATE TABLE ai_usage (
  tenant_id         uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  period            date NOT NULL CHECK (extract(day FROM period) = 1),
  provider          text NOT NULL CHECK (length(provider) BETWEEN 1 AND 100),
  model             text NOT NULL CHECK (length(model) BETWEEN 1 AND 200),
  input_tokens      bigint NOT NULL DEFAULT 0 CHECK (input_tokens >= 0),
  output_tokens     bigint NOT NULL DEFAULT 0 CHECK (output_tokens >= 0),
  -- how many of the tokens above are chars/4 estimates (the provider reported no usage)
  estimated_tokens  bigint NOT NULL DEFAULT 0 CHECK (estimated_tokens >= 0),
  calls             integer NOT NULL DEFAULT 0 CHECK (calls >= 0),
  cost              numeric(18, 6) NOT NULL DEFAULT 0 CHECK (cost >= 0),
  updated_at        timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, period, provider, model)
);

ALTER TABLE ai_usage ENABLE ROW LEVEL SECURITY;
ALTER TABLE ai_usage FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON ai_usage TO crm_app USING (tenant_id = crm_current_tenant()) WITH CHECK (tenant_id = crm_current_tenant());
GRANT SELECT, INSERT, UPDATE, DELETE ON ai_usage TO crm_app;
