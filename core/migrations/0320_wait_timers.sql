-- WAIT timers on pg-boss (issue 11). An execution parked on a WAIT whose timer is a pg-boss job
-- has wait_timer = true: the claim loop leaves it alone until the job fires (which clears the flag
-- and makes it due). With WORKFLOW_WAIT_TIMERS=claim-loop, or for parks that are not WAITs
-- (approvals, retry back-off), the flag stays false and wake_at alone decides, as before.
ALTER TABLE workflow_executions ADD COLUMN wait_timer boolean NOT NULL DEFAULT false;
DROP INDEX IF EXISTS workflow_executions_due_idx;
CREATE INDEX workflow_executions_due_idx ON workflow_executions (wake_at) WHERE status IN ('pending','running','waiting') AND NOT wait_timer;
