-- Reports kept for later: the weekly pipeline digest (background agent) stores one row per tenant
-- and scheduled slot; (tenant, kind, slot_key) is unique, so of N replicas or reruns one row wins,
-- and emailed_at records that the team's managers were mailed (once per slot).
CREATE TABLE saved_reports (
  id            uuid PRIMARY KEY,
  tenant_id     uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  kind          text NOT NULL CHECK (kind ~ '^[a-z][a-z0-9_]{0,39}$'),
  slot_key      text NOT NULL CHECK (length(slot_key) BETWEEN 1 AND 100),
  title         text NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
  period_start  timestamptz NOT NULL,
  period_end    timestamptz NOT NULL,
  body          text NOT NULL,
  data          jsonb NOT NULL DEFAULT '{}',
  -- a user id, or null for the tenant's system actor (a background agent)
  created_by    uuid,
  created_via   text,
  recipients    jsonb NOT NULL DEFAULT '[]',
  emailed_at    timestamptz,
  created_at    timestamptz NOT NULL DEFAULT now(),
  UNIQUE (tenant_id, kind, slot_key),
  CHECK (period_start < period_end)
);
CREATE INDEX saved_reports_recent_idx ON saved_reports (tenant_id, kind, created_at DESC);

ALTER TABLE saved_reports ENABLE ROW LEVEL SECURITY;
ALTER TABLE saved_reports FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON saved_reports TO crm_app USING (tenant_id = crm_current_tenant()) WITH CHECK (tenant_id = crm_current_tenant());
GRANT SELECT, INSERT, UPDATE ON saved_reports TO crm_app;
