-- When a contact entered its current status: the outcome date lead scoring trains on.
-- Scoring took it from the audit log (contact.status_changed) and, for contacts created or imported
-- already closed, from updated_at. But every rescore updates lead_score and the 0180 trigger moves
-- updated_at, so after a tenant's first rescore all such outcomes looked new and shared one date:
-- the next retrain saw "too few dated rows" and kept the old model. The database maintains this
-- column itself: on insert it defaults to the row's updated_at (a seed or import may give a past
-- one), and it moves only when status changes (to the transaction time, the audit row's time)
-- unless the writer sets it explicitly. Score updates, edits and the 0180 trigger never touch it.
ALTER TABLE contacts ADD COLUMN status_changed_at timestamptz;

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

-- Backfill without firing the 0180 touch trigger (it would move every updated_at to now and make
-- the BigQuery export send the whole table again): the last audited change into the current
-- status, else the current updated_at (the best date left where no audit row exists). FORCE RLS
-- would hide every row from a non-superuser owner (Cloud SQL), so it is lifted for the backfill.
ALTER TABLE contacts NO FORCE ROW LEVEL SECURITY;
ALTER TABLE audit_log NO FORCE ROW LEVEL SECURITY;
ALTER TABLE contacts DISABLE TRIGGER contacts_touch_updated_at;
UPDATE contacts c SET status_changed_at = coalesce(
  (SELECT max(a.created_at) FROM audit_log a
    WHERE a.tenant_id = c.tenant_id AND a.entity_type = 'contact' AND a.entity_id = c.id
      AND a.action = 'contact.status_changed' AND a.diff->'after'->>'status' = c.status),
  c.updated_at);
ALTER TABLE contacts ENABLE TRIGGER contacts_touch_updated_at;
ALTER TABLE audit_log FORCE ROW LEVEL SECURITY;
ALTER TABLE contacts FORCE ROW LEVEL SECURITY;

ALTER TABLE contacts ALTER COLUMN status_changed_at SET NOT NULL;
CREATE TRIGGER contacts_status_changed_at BEFORE INSERT OR UPDATE ON contacts FOR EACH ROW EXECUTE FUNCTION crm_contact_status_changed_at();
