-- OAuth 2.1 authorization server of the local issuer, for remote MCP clients (claude.ai, Claude
-- Code, MCP Inspector): dynamically registered clients, grants (one per consent: its one-time
-- authorization code and its family of rotated refresh tokens), refresh tokens. Secrets, codes
-- and refresh tokens are stored only as SHA-256 hashes (all are 256-bit random values).

-- Not tenant data: a client registers before anyone signs in. Only the worker role reads it.
CREATE TABLE oauth_clients (
  id                          text PRIMARY KEY CHECK (length(id) BETWEEN 8 AND 100),
  name                        text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  redirect_uris               text[] NOT NULL CHECK (cardinality(redirect_uris) BETWEEN 1 AND 10),
  grant_types                 text[] NOT NULL,
  token_endpoint_auth_method  text NOT NULL CHECK (token_endpoint_auth_method IN ('none', 'client_secret_post', 'client_secret_basic')),
  secret_hash                 text,
  scope                       text NOT NULL,
  client_uri                  text,
  software_id                 text,
  software_version            text,
  created_at                  timestamptz NOT NULL DEFAULT now(),
  last_used_at                timestamptz,
  revoked_at                  timestamptz,
  CHECK ((token_endpoint_auth_method = 'none') = (secret_hash IS NULL))
);
ALTER TABLE oauth_clients ENABLE ROW LEVEL SECURITY;
ALTER TABLE oauth_clients FORCE ROW LEVEL SECURITY;
CREATE POLICY worker_all ON oauth_clients TO crm_worker USING (true) WITH CHECK (true);
GRANT SELECT, INSERT, UPDATE, DELETE ON oauth_clients TO crm_worker;

-- One consent of a user to a client for one resource: the authorization code that starts it and
-- every token it leads to. Revoking the grant ends its refresh tokens and its access tokens
-- (they carry the grant id, checked on every request).
CREATE TABLE oauth_grants (
  id               uuid PRIMARY KEY,
  client_id        text NOT NULL REFERENCES oauth_clients(id) ON DELETE CASCADE,
  tenant_id        uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  user_id          uuid NOT NULL,
  role             text NOT NULL,
  resource         text NOT NULL,
  scope            text NOT NULL,
  redirect_uri     text NOT NULL,
  code_hash        text NOT NULL UNIQUE,
  code_challenge   text NOT NULL,
  code_expires_at  timestamptz NOT NULL,
  code_used_at     timestamptz,
  created_at       timestamptz NOT NULL DEFAULT now(),
  revoked_at       timestamptz,
  revoked_reason   text,
  FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX oauth_grants_client_idx ON oauth_grants (client_id);
CREATE INDEX oauth_grants_user_idx ON oauth_grants (tenant_id, user_id);
ALTER TABLE oauth_grants ENABLE ROW LEVEL SECURITY;
ALTER TABLE oauth_grants FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON oauth_grants TO crm_app USING (tenant_id = crm_current_tenant()) WITH CHECK (tenant_id = crm_current_tenant());
CREATE POLICY worker_all ON oauth_grants TO crm_worker USING (true) WITH CHECK (true);
GRANT SELECT, UPDATE ON oauth_grants TO crm_app;
GRANT SELECT, INSERT, UPDATE, DELETE ON oauth_grants TO crm_worker;

-- Rotated on every use; a second use of a spent one revokes the whole grant (the family).
CREATE TABLE oauth_refresh_tokens (
  token_hash  text PRIMARY KEY,
  grant_id    uuid NOT NULL REFERENCES oauth_grants(id) ON DELETE CASCADE,
  tenant_id   uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  created_at  timestamptz NOT NULL DEFAULT now(),
  expires_at  timestamptz NOT NULL,
  used_at     timestamptz
);
CREATE INDEX oauth_refresh_tokens_grant_idx ON oauth_refresh_tokens (grant_id);
CREATE INDEX oauth_refresh_tokens_expiry_idx ON oauth_refresh_tokens (expires_at);
ALTER TABLE oauth_refresh_tokens ENABLE ROW LEVEL SECURITY;
ALTER TABLE oauth_refresh_tokens FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON oauth_refresh_tokens TO crm_app USING (tenant_id = crm_current_tenant()) WITH CHECK (tenant_id = crm_current_tenant());
CREATE POLICY worker_all ON oauth_refresh_tokens TO crm_worker USING (true) WITH CHECK (true);
GRANT SELECT ON oauth_refresh_tokens TO crm_app;
GRANT SELECT, INSERT, UPDATE, DELETE ON oauth_refresh_tokens TO crm_worker;

-- Access tokens of a grant are checked against it on every request and may be cached (0240):
-- revoking a grant or a client notifies every process, as a revoked API key does.
CREATE TRIGGER oauth_grants_auth_changed AFTER UPDATE ON oauth_grants FOR EACH ROW
  WHEN (OLD.revoked_at IS DISTINCT FROM NEW.revoked_at)
  EXECUTE FUNCTION crm_notify_auth_changed();
CREATE TRIGGER oauth_grants_auth_deleted AFTER DELETE ON oauth_grants FOR EACH STATEMENT EXECUTE FUNCTION crm_notify_auth_changed();
CREATE TRIGGER oauth_clients_auth_changed AFTER UPDATE ON oauth_clients FOR EACH ROW
  WHEN (OLD.revoked_at IS DISTINCT FROM NEW.revoked_at)
  EXECUTE FUNCTION crm_notify_auth_changed();
CREATE TRIGGER oauth_clients_auth_deleted AFTER DELETE ON oauth_clients FOR EACH STATEMENT EXECUTE FUNCTION crm_notify_auth_changed();
