-- Workflow engine: definitions (one immutable row per version), executions, step attempts, the
-- effect ledger that makes every side effect happen once per (execution, step), the embedded
-- mailbox, and inbound-webhook replay protection. Tenant-owned and isolated by FORCE RLS like the
-- foundation tables; the worker (crm_worker) claims executions across tenants, as it does outbox events.
CREATE TABLE workflows (
  id               uuid PRIMARY KEY,
  tenant_id        uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  name             text NOT NULL,
  description      text,
  current_version  integer NOT NULL DEFAULT 1,
  is_active        boolean NOT NULL DEFAULT false,
  trigger_type     text NOT NULL,
  owner_id         uuid NOT NULL,
  tags             jsonb NOT NULL DEFAULT '[]',
  created_at       timestamptz NOT NULL DEFAULT now(),
  updated_at       timestamptz NOT NULL DEFAULT now(),
  last_executed_at timestamptz,
  -- the last cron firing handled, so a schedule fires once per slot across replicas
  last_scheduled_at timestamptz,
  UNIQUE (tenant_id, id),
  FOREIGN KEY (tenant_id, owner_id) REFERENCES users (tenant_id, id)
);
CREATE INDEX workflows_active_trigger_idx ON workflows (tenant_id, trigger_type) WHERE is_active;

CREATE TABLE workflow_versions (
  tenant_id    uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  workflow_id  uuid NOT NULL,
  version      integer NOT NULL CHECK (version >= 1),
  definition   jsonb NOT NULL,
  created_by   uuid,
  created_at   timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (workflow_id, version),
  FOREIGN KEY (tenant_id, workflow_id) REFERENCES workflows (tenant_id, id) ON DELETE CASCADE
);

CREATE TABLE workflow_executions (
  id                uuid PRIMARY KEY,
  tenant_id         uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  workflow_id       uuid NOT NULL,
  version           integer NOT NULL,
  status            text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending','running','waiting','completed','failed','cancelled')),
  trigger_type      text NOT NULL,
  trigger_event_id  uuid,
  contact_id        uuid,
  input             jsonb NOT NULL DEFAULT '{}',
  -- the triggering event's payload as it was, for conditions and templates ({{event.to}})
  event             jsonb,
  output            jsonb,
  error             text,
  -- when a pending/waiting execution is due (WAIT timers, retry backoff)
  wake_at           timestamptz NOT NULL DEFAULT now(),
  -- lease of the worker running it; an expired lease means the worker died
  locked_by         text,
  locked_until      timestamptz,
  runs              integer NOT NULL DEFAULT 0,
  created_at        timestamptz NOT NULL DEFAULT now(),
  started_at        timestamptz,
  finished_at       timestamptz,
  FOREIGN KEY (workflow_id, version) REFERENCES workflow_versions (workflow_id, version) ON DELETE CASCADE,
  -- one execution per workflow and triggering event, however often the event is redelivered
  UNIQUE (workflow_id, trigger_event_id)
);
CREATE INDEX workflow_executions_due_idx ON workflow_executions (wake_at) WHERE status IN ('pending','running','waiting');
CREATE INDEX workflow_executions_workflow_idx ON workflow_executions (tenant_id, workflow_id, created_at DESC);
CREATE INDEX workflow_executions_contact_idx ON workflow_executions (tenant_id, contact_id, created_at DESC);

CREATE TABLE workflow_step_attempts (
  id            bigserial PRIMARY KEY,
  tenant_id     uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  execution_id  uuid NOT NULL REFERENCES workflow_executions(id) ON DELETE CASCADE,
  step_id       text NOT NULL,
  attempt       integer NOT NULL,
  status        text NOT NULL CHECK (status IN ('succeeded','failed','skipped')),
  input         jsonb,
  output        jsonb,
  error         text,
  started_at    timestamptz NOT NULL,
  finished_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX workflow_step_attempts_exec_idx ON workflow_step_attempts (execution_id, id);

-- Effect ledger: key = execution id + step id. 'started' before the effect, 'done' with its result
-- after; a resumed step finding 'done' returns the result instead of acting again.
CREATE TABLE workflow_effects (
  idempotency_key  text PRIMARY KEY,
  tenant_id        uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  execution_id     uuid NOT NULL REFERENCES workflow_executions(id) ON DELETE CASCADE,
  step_id          text NOT NULL,
  kind             text NOT NULL,
  status           text NOT NULL CHECK (status IN ('started','done')),
  result           jsonb,
  created_at       timestamptz NOT NULL DEFAULT now(),
  done_at          timestamptz
);

-- The embedded mail transport: nothing leaves the machine; listable by CLI and MCP.
CREATE TABLE mailbox_messages (
  id               uuid PRIMARY KEY,
  tenant_id        uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  idempotency_key  text NOT NULL,
  from_address     text NOT NULL,
  to_address       text NOT NULL,
  subject          text NOT NULL,
  body             text NOT NULL,
  workflow_id      uuid,
  execution_id     uuid,
  created_at       timestamptz NOT NULL DEFAULT now(),
  UNIQUE (tenant_id, idempotency_key)
);
CREATE INDEX mailbox_messages_tenant_idx ON mailbox_messages (tenant_id, created_at DESC);

-- Signatures of accepted inbound webhooks within the tolerance window: a replay is refused.
CREATE TABLE webhook_receipts (
  signature    text PRIMARY KEY,
  tenant_id    uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  workflow_id  uuid NOT NULL,
  received_at  timestamptz NOT NULL DEFAULT now()
);

DO $$
DECLARE t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['workflows','workflow_versions','workflow_executions','workflow_step_attempts','workflow_effects','mailbox_messages','webhook_receipts'] LOOP
    EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
    EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
    EXECUTE format('CREATE POLICY tenant_isolation ON %I TO crm_app USING (tenant_id = crm_current_tenant()) WITH CHECK (tenant_id = crm_current_tenant())', t);
    EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON %I TO crm_app', t);
    -- the workflow worker runs executions of every tenant
    EXECUTE format('CREATE POLICY worker_all ON %I TO crm_worker USING (true) WITH CHECK (true)', t);
    EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON %I TO crm_worker', t);
  END LOOP;
END $$;
-- the worker reads contacts for conditions/templates and writes workflow.* events
CREATE POLICY worker_read ON contacts TO crm_worker USING (true);
GRANT SELECT ON contacts TO crm_worker;
GRANT INSERT ON outbox_events TO crm_worker;
GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO crm_app, crm_worker;
