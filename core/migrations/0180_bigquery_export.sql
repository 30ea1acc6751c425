-- Incremental export of analytics facts to BigQuery.
-- The export finds rows changed since its last run by updated_at. Interactions had none, but they
-- change after they are logged (sentiment arrives from the outbox subscriber, merges move them to
-- another contact); contacts have one, but set-wise writers (rescoring) do not bump it. A trigger
-- bumps it for every UPDATE that does not set it itself (the contact service sets its own).
ALTER TABLE interactions ADD COLUMN updated_at timestamptz NOT NULL DEFAULT now();
UPDATE interactions SET updated_at = created_at;
CREATE OR REPLACE FUNCTION crm_touch_updated_at() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.updated_at IS NOT DISTINCT FROM OLD.updated_at THEN
    NEW.updated_at := now();
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER interactions_touch_updated_at BEFORE UPDATE ON interactions FOR EACH ROW EXECUTE FUNCTION crm_touch_updated_at();
CREATE TRIGGER contacts_touch_updated_at BEFORE UPDATE ON contacts FOR EACH ROW EXECUTE FUNCTION crm_touch_updated_at();
CREATE INDEX interactions_tenant_updated_idx ON interactions (tenant_id, updated_at, id);

-- How far each tenant's table has been exported: the (updated_at, id) of the last row BigQuery
-- accepted. Not tenant data a user reads: only the system worker role reads and writes it.
CREATE TABLE bigquery_export_watermarks (
  tenant_id      uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  source         text NOT NULL CHECK (source IN ('contacts', 'interactions')),
  last_updated_at timestamptz NOT NULL,
  last_id        uuid NOT NULL,
  exported_rows  bigint NOT NULL DEFAULT 0,
  exported_at    timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, source)
);
ALTER TABLE bigquery_export_watermarks ENABLE ROW LEVEL SECURITY;
ALTER TABLE bigquery_export_watermarks FORCE ROW LEVEL SECURITY;
CREATE POLICY worker_all ON bigquery_export_watermarks TO crm_worker USING (true) WITH CHECK (true);
GRANT SELECT, INSERT, UPDATE, DELETE ON bigquery_export_watermarks TO crm_worker;
