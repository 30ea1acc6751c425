-- The dispatcher claims pending events per tenant (fair batches, outbox.claim.ts) ...
CREATE INDEX IF NOT EXISTS outbox_pending_tenant_idx ON outbox_events (tenant_id, seq) WHERE dispatched_at IS NULL;
-- ... and skips events queued behind a leased or backing-off event of the same aggregate: only
-- those few rows are in this index, so the check stays cheap under a backlog of any size.
CREATE INDEX IF NOT EXISTS outbox_leased_aggregate_idx ON outbox_events (tenant_id, aggregate_id, seq)
  WHERE dispatched_at IS NULL AND locked_until IS NOT NULL;
-- Superseded by outbox_pending_tenant_idx; one index fewer to maintain on every claim and dispatch.
DROP INDEX IF EXISTS outbox_pending_idx;
