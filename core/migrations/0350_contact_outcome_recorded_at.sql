-- When the database learned a contact's current status: the transaction time of the insert, or of
-- the update that changed status. Unlike status_changed_at (the outcome's business date, which a
-- seed or import may set in the past) no writer can set it. A retrain holds out the outcomes the
-- active model never saw — those recorded after it loaded its training data — so history imported
-- after a tenant's first model (customers with past dates) is unseen data to compare on.
ALTER TABLE contacts ADD COLUMN outcome_recorded_at timestamptz;

CREATE OR REPLACE FUNCTION crm_contact_outcome_recorded_at() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' OR NEW.status IS DISTINCT FROM OLD.status THEN
    NEW.outcome_recorded_at := now();
  ELSE
    NEW.outcome_recorded_at := OLD.outcome_recorded_at;
  END IF;
  RETURN NEW;
END $$;

-- Backfill without firing the 0180 touch trigger: status_changed_at is the best date known for rows
-- written before this column existed. FORCE RLS would hide every row from a non-superuser owner.
ALTER TABLE contacts NO FORCE ROW LEVEL SECURITY;
ALTER TABLE contacts DISABLE TRIGGER contacts_touch_updated_at;
UPDATE contacts SET outcome_recorded_at = status_changed_at;
ALTER TABLE contacts ENABLE TRIGGER contacts_touch_updated_at;
ALTER TABLE contacts FORCE ROW LEVEL SECURITY;

ALTER TABLE contacts ALTER COLUMN outcome_recorded_at SET NOT NULL;
CREATE TRIGGER contacts_outcome_recorded_at BEFORE INSERT OR UPDATE ON contacts FOR EACH ROW EXECUTE FUNCTION crm_contact_outcome_recorded_at();
