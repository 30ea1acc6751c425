-- Stored report definitions with a cron schedule; the delivery job emails each due one. A slot is
-- claimed by compare-and-set on next_run_at, so of N replicas exactly one sends it.
CREATE TABLE report_schedules (
  id            uuid PRIMARY KEY,
  tenant_id     uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  name          text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  type          text NOT NULL,
  filters       jsonb NOT NULL DEFAULT '[]',
  period_days   integer NOT NULL CHECK (period_days BETWEEN 1 AND 366),
  cron          text NOT NULL,
  timezone      text NOT NULL,
  recipients    jsonb NOT NULL,
  format        text NOT NULL CHECK (format IN ('html', 'csv')),
  enabled       boolean NOT NULL DEFAULT true,
  -- the report runs as this user (their scope); deleting the user stops the schedule
  created_by    uuid NOT NULL,
  next_run_at   timestamptz NOT NULL,
  last_run_at   timestamptz,
  last_slot     timestamptz,
  last_status   text CHECK (last_status IN ('running', 'succeeded', 'failed')),
  last_error    text,
  created_at    timestamptz NOT NULL DEFAULT now(),
  updated_at    timestamptz NOT NULL DEFAULT now(),
  UNIQUE (tenant_id, name),
  FOREIGN KEY (tenant_id, created_by) REFERENCES users (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX report_schedules_due_idx ON report_schedules (next_run_at) WHERE enabled;

ALTER TABLE report_schedules ENABLE ROW LEVEL SECURITY;
ALTER TABLE report_schedules FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON report_schedules TO crm_app USING (tenant_id = crm_current_tenant()) WITH CHECK (tenant_id = crm_current_tenant());
GRANT SELECT, INSERT, UPDATE, DELETE ON report_schedules TO crm_app;
-- the delivery job finds due schedules of every tenant and claims their slots
CREATE POLICY worker_all ON report_schedules TO crm_worker USING (true) WITH CHECK (true);
GRANT SELECT, UPDATE ON report_schedules TO crm_worker;

-- Mail with an HTML part and attachments (reports: the HTML with inline PNG charts, the CSV).
ALTER TABLE mailbox_messages ADD COLUMN html_body text;
ALTER TABLE mailbox_messages ADD COLUMN attachments jsonb NOT NULL DEFAULT '[]';
