-- The contact import's per-row work in PostgreSQL (issue 9: 10k rows/s at 1M contacts on two
-- cores needs <= ~200 ms of CPU per 1,000 rows, Node and server together). Each imported row
-- inserts a contact, an audit row and an outbox event; each fired a foreign-key trigger against
-- `tenants` (an SPI query and a KEY SHARE lock of the tenant's row, three per row) and two PL/pgSQL
-- triggers kept the contact's status dates. Measured as backend CPU per 1,000 rows, old and new
-- schema alternating (evals/src/foundation/ab-import-sql.ts for the statement alone, ab-import.ts for
-- the whole import; numbers in the README, issue 9): about a tenth of the server's per-row CPU.
--
-- 1. No row-level foreign key from contacts, audit_log and outbox_events to tenants. Nothing in the
--    application deletes tenants; an operator does, as the owner. The cascade those keys gave is now
--    this trigger on tenants, which refuses (instead of silently leaving rows behind) when
--    row-level security would hide the rows from the deleting role. Interactions, follow-ups and
--    the other tenant tables keep their keys (they reference the contact or are not bulk-written);
--    interactions and follow-ups still go with their contact. Row-level security (WITH CHECK
--    tenant_id = the session's tenant) still decides which tenant a row may be written for.
ALTER TABLE contacts DROP CONSTRAINT IF EXISTS contacts_tenant_id_fkey;
ALTER TABLE audit_log DROP CONSTRAINT IF EXISTS audit_log_tenant_id_fkey;
ALTER TABLE outbox_events DROP CONSTRAINT IF EXISTS outbox_events_tenant_id_fkey;

CREATE OR REPLACE FUNCTION crm_tenant_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF row_security_active('contacts') OR row_security_active('audit_log') OR row_security_active('outbox_events') THEN
    RAISE EXCEPTION 'tenant % not deleted: row-level security hides its contacts, audit rows and outbox events from role %, so they would be left behind', OLD.id, current_user
      USING ERRCODE = 'insufficient_privilege',
            HINT = 'Delete tenants as a superuser, or lift FORCE ROW LEVEL SECURITY on contacts, audit_log and outbox_events in that transaction.';
  END IF;
  DELETE FROM outbox_events WHERE tenant_id = OLD.id;
  DELETE FROM audit_log WHERE tenant_id = OLD.id;
  DELETE FROM contacts WHERE tenant_id = OLD.id;
  RETURN NULL;
END $$;
DROP TRIGGER IF EXISTS tenants_cascade_delete ON tenants;
CREATE TRIGGER tenants_cascade_delete AFTER DELETE ON tenants FOR EACH ROW EXECUTE FUNCTION crm_tenant_deleted();

-- 2. One PL/pgSQL call per inserted contact instead of two (0230's status_changed_at and 0350's
--    outcome_recorded_at, same rules), and none for an update that touches neither status nor the
--    two dates (score updates, edits, the set-based rescore): the WHEN clause is evaluated without
--    calling the function, and when it is false the function would have changed nothing.
CREATE OR REPLACE FUNCTION crm_contact_status_dates() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    NEW.status_changed_at := coalesce(NEW.status_changed_at, NEW.updated_at, now());
    NEW.outcome_recorded_at := now();
    RETURN NEW;
  END IF;
  IF NEW.status IS DISTINCT FROM OLD.status AND NEW.status_changed_at IS NOT DISTINCT FROM OLD.status_changed_at THEN
    NEW.status_changed_at := now();
  ELSIF NEW.status_changed_at IS NULL THEN
    NEW.status_changed_at := OLD.status_changed_at;
  END IF;
  IF NEW.status IS DISTINCT FROM OLD.status THEN
    NEW.outcome_recorded_at := now();
  ELSE
    NEW.outcome_recorded_at := OLD.outcome_recorded_at;
  END IF;
  RETURN NEW;
END $$;
DROP TRIGGER IF EXISTS contacts_status_changed_at ON contacts;
DROP TRIGGER IF EXISTS contacts_outcome_recorded_at ON contacts;
DROP FUNCTION IF EXISTS crm_contact_status_changed_at();
DROP FUNCTION IF EXISTS crm_contact_outcome_recorded_at();
CREATE TRIGGER contacts_status_dates_insert BEFORE INSERT ON contacts FOR EACH ROW EXECUTE FUNCTION crm_contact_status_dates();
CREATE TRIGGER contacts_status_dates_update BEFORE UPDATE ON contacts FOR EACH ROW
  WHEN (NEW.status IS DISTINCT FROM OLD.status OR NEW.status_changed_at IS DISTINCT FROM OLD.status_changed_at
        OR NEW.outcome_recorded_at IS DISTINCT FROM OLD.outcome_recorded_at)
  EXECUTE FUNCTION crm_contact_status_dates();
