-- The schema before migration 0370 (for ab-import.ts: old vs new on the same code): the row-level
-- foreign keys to tenants and the two status-date triggers of 0230 and 0350.
DROP TRIGGER IF EXISTS tenants_cascade_delete ON tenants;
DROP FUNCTION IF EXISTS crm_tenant_deleted();
ALTER TABLE contacts ADD CONSTRAINT contacts_tenant_id_fkey FOREIGN KEY (tenant_id) REFERENCES tenants(id) ON DELETE CASCADE;
ALTER TABLE audit_log ADD CONSTRAINT audit_log_tenant_id_fkey FOREIGN KEY (tenant_id) REFERENCES tenants(id) ON DELETE CASCADE;
ALTER TABLE outbox_events ADD CONSTRAINT outbox_events_tenant_id_fkey FOREIGN KEY (tenant_id) REFERENCES tenants(id) ON DELETE CASCADE;

DROP TRIGGER IF EXISTS contacts_status_dates_insert ON contacts;
DROP TRIGGER IF EXISTS contacts_status_dates_update ON contacts;
DROP FUNCTION IF EXISTS crm_contact_status_dates();
CREATE OR REPLACE FUNCTION crm_contact_status_changed_at() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    NEW.status_changed_at := coalesce(NEW.status_changed_at, NEW.updated_at, now());
  ELSIF NEW.status IS DISTINCT FROM OLD.status AND NEW.status_changed_at IS NOT DISTINCT FROM OLD.status_changed_at THEN
    NEW.status_changed_at := now();
  ELSIF NEW.status_changed_at IS NULL THEN
    NEW.status_changed_at := OLD.status_changed_at;
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER contacts_status_changed_at BEFORE INSERT OR UPDATE ON contacts FOR EACH ROW EXECUTE FUNCTION crm_contact_status_changed_at();
CREATE OR REPLACE FUNCTION crm_contact_outcome_recorded_at() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' OR NEW.status IS DISTINCT FROM OLD.status THEN
    NEW.outcome_recorded_at := now();
  ELSE
    NEW.outcome_recorded_at := OLD.outcome_recorded_at;
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER contacts_outcome_recorded_at BEFORE INSERT OR UPDATE ON contacts FOR EACH ROW EXECUTE FUNCTION crm_contact_outcome_recorded_at();
