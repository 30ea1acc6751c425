-- The approval queue: one row per action that waits for a human (an assistant's tool call, a
-- workflow step, a workflow activation). Decided exactly once: the status leaves 'pending' in one
-- guarded UPDATE. An approved agent action is executed at most once: `execution_status` moves
-- from 'pending' to 'running' in one guarded UPDATE before the action runs.
CREATE TABLE approvals (
  id                  uuid PRIMARY KEY,
  tenant_id           uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  kind                text NOT NULL CHECK (kind IN ('agent_action', 'workflow_step', 'workflow_activation')),
  status              text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'approved', 'rejected', 'expired')),
  -- what would run: {tool, arguments} or {workflowId, executionId, stepId, stepType, config}
  action              jsonb NOT NULL,
  summary             text NOT NULL CHECK (length(summary) BETWEEN 1 AND 2000),
  risk                text NOT NULL CHECK (risk IN ('low', 'medium', 'high')),
  -- who filed it: a person, or the tenant's system actor `via` an automation
  requested_by        uuid NOT NULL,
  requested_by_kind   text NOT NULL CHECK (requested_by_kind IN ('user', 'system')),
  via                 text,
  -- the user it serves: the action runs as them; a SALES_REP sees the requests filed for them
  requested_for       uuid NOT NULL,
  -- where the waiter is: a chat thread, a workflow execution
  subject_type        text,
  subject_id          text,
  -- filing the same request twice (a resumed graph, a restarted worker) returns the first row
  idempotency_key     text NOT NULL CHECK (length(idempotency_key) BETWEEN 1 AND 300),
  expires_at          timestamptz NOT NULL,
  decided_by          uuid,
  decided_at          timestamptz,
  decision_reason     text,
  execution_status    text NOT NULL DEFAULT 'none' CHECK (execution_status IN ('none', 'pending', 'running', 'succeeded', 'failed')),
  execution_result    jsonb,
  executed_at         timestamptz,
  -- millisecond precision, so the (created_at, id) keyset round-trips through a JS Date
  created_at          timestamptz NOT NULL DEFAULT date_trunc('milliseconds', clock_timestamp()),
  UNIQUE (tenant_id, idempotency_key),
  FOREIGN KEY (tenant_id, requested_for) REFERENCES users (tenant_id, id)
);
CREATE INDEX approvals_pending_idx ON approvals (tenant_id, created_at DESC) WHERE status = 'pending';
CREATE INDEX approvals_list_idx ON approvals (tenant_id, created_at DESC, id DESC);
CREATE INDEX approvals_expiry_idx ON approvals (expires_at) WHERE status = 'pending';

ALTER TABLE approvals ENABLE ROW LEVEL SECURITY;
ALTER TABLE approvals FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON approvals TO crm_app USING (tenant_id = crm_current_tenant()) WITH CHECK (tenant_id = crm_current_tenant());
GRANT SELECT, INSERT, UPDATE, DELETE ON approvals TO crm_app;
-- the expiry scan finds the tenants with overdue requests; the workflow worker reads the decision
CREATE POLICY worker_all ON approvals TO crm_worker USING (true) WITH CHECK (true);
GRANT SELECT, UPDATE ON approvals TO crm_worker;
