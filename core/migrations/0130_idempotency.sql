-- Idempotency-Key of REST POSTs: the first request with a key runs and its response is kept for
-- 24 hours; a retry with the same key and the same request gets that response again, the same key
-- with a different request is refused (422), and a retry while the first is still running gets 409.
CREATE TABLE idempotency_keys (
  tenant_id        uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  key              text NOT NULL CHECK (length(key) BETWEEN 1 AND 255),
  -- sha256 of method, path, user and canonical body: what "the same request" means
  request_hash     text NOT NULL,
  user_id          uuid,
  state            text NOT NULL DEFAULT 'in_progress' CHECK (state IN ('in_progress', 'completed')),
  response_status  integer,
  response_headers jsonb,
  response_body    text,
  created_at       timestamptz NOT NULL DEFAULT now(),
  completed_at     timestamptz,
  expires_at       timestamptz NOT NULL DEFAULT now() + interval '24 hours',
  PRIMARY KEY (tenant_id, key)
);
CREATE INDEX idempotency_keys_expires_idx ON idempotency_keys (expires_at);

ALTER TABLE idempotency_keys ENABLE ROW LEVEL SECURITY;
ALTER TABLE idempotency_keys FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON idempotency_keys TO crm_app USING (tenant_id = crm_current_tenant()) WITH CHECK (tenant_id = crm_current_tenant());
GRANT SELECT, INSERT, UPDATE, DELETE ON idempotency_keys TO crm_app;
-- the scheduled purge of expired keys runs for every tenant at once
CREATE POLICY worker_purge ON idempotency_keys FOR DELETE TO crm_worker USING (expires_at < now());
CREATE POLICY worker_read ON idempotency_keys FOR SELECT TO crm_worker USING (expires_at < now());
GRANT SELECT, DELETE ON idempotency_keys TO crm_worker;
