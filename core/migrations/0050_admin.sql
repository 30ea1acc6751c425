-- Administration: API keys as their own rows (several per user, expiry, revocation, last use),
-- deactivated users, a per-tenant SYSTEM user for automations, and audit rows that say
-- "by workflow/agent X on behalf of user Y".

-- The SYSTEM role belongs only to the one automation user per tenant; it never holds an API key.
ALTER TABLE users DROP CONSTRAINT IF EXISTS users_role_check;
ALTER TABLE users ADD CONSTRAINT users_role_check CHECK (role IN ('ADMIN','SALES_MANAGER','SALES_REP','MARKETING_MANAGER','SYSTEM'));
ALTER TABLE users ADD COLUMN deactivated_at timestamptz;
CREATE UNIQUE INDEX users_one_system_idx ON users (tenant_id) WHERE role = 'SYSTEM';

CREATE TABLE api_keys (
  id            uuid PRIMARY KEY,
  tenant_id     uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  user_id       uuid NOT NULL,
  name          text NOT NULL DEFAULT 'default' CHECK (length(name) BETWEEN 1 AND 100),
  -- the first characters of the key, so a person can tell keys apart in `crm apikey list`
  prefix        text NOT NULL,
  key_hash      text NOT NULL UNIQUE,
  created_by    uuid,
  created_at    timestamptz NOT NULL DEFAULT now(),
  expires_at    timestamptz,
  last_used_at  timestamptz,
  revoked_at    timestamptz,
  FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX api_keys_user_idx ON api_keys (tenant_id, user_id, created_at DESC);
-- a person tells their live keys apart by name ("laptop", "ci")
CREATE UNIQUE INDEX api_keys_live_name_idx ON api_keys (tenant_id, user_id, name) WHERE revoked_at IS NULL;

-- Existing keys keep working: each user's hash becomes one key row.
INSERT INTO api_keys (id, tenant_id, user_id, name, prefix, key_hash, created_at)
SELECT gen_random_uuid(), tenant_id, id, 'default', 'crm_…', api_key_hash, created_at FROM users WHERE api_key_hash IS NOT NULL;

-- One automation user per existing tenant (createTenant adds it for new ones).
INSERT INTO users (id, tenant_id, email, name, role)
SELECT gen_random_uuid(), t.id, 'system@' || t.slug || '.automation.invalid', 'Automation', 'SYSTEM' FROM tenants t
WHERE NOT EXISTS (SELECT 1 FROM users u WHERE u.tenant_id = t.id AND u.role = 'SYSTEM');

ALTER TABLE audit_log ADD COLUMN actor_kind text CHECK (actor_kind IN ('user','system'));
ALTER TABLE audit_log ADD COLUMN via text;
ALTER TABLE audit_log ADD COLUMN on_behalf_of uuid;

ALTER TABLE api_keys ENABLE ROW LEVEL SECURITY;
ALTER TABLE api_keys FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON api_keys TO crm_app USING (tenant_id = crm_current_tenant()) WITH CHECK (tenant_id = crm_current_tenant());
GRANT SELECT, INSERT, UPDATE, DELETE ON api_keys TO crm_app;

-- Resolving a key happens before any tenant is known: the worker reads keys and stamps last use.
CREATE POLICY worker_read ON api_keys FOR SELECT TO crm_worker USING (true);
CREATE POLICY worker_touch ON api_keys FOR UPDATE TO crm_worker USING (true) WITH CHECK (true);
GRANT SELECT ON api_keys TO crm_worker;
GRANT UPDATE (last_used_at) ON api_keys TO crm_worker;

-- Keys live in api_keys only (copied above).
ALTER TABLE users DROP COLUMN api_key_hash;
