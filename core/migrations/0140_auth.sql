-- Authentication beyond API keys: passwords for console login, the local JWT issuer's signing
-- keys (one key set shared by every replica), and refresh tokens (rotated on use, revocable).

-- scrypt hash "scrypt$N$r$p$salt$hash" (base64url); NULL = this user cannot log in with a password
ALTER TABLE users ADD COLUMN password_hash text;

-- Not tenant data: the local issuer's RSA key pairs. The private JWK never leaves the database
-- except to the process that signs; the public half is served at /.well-known/jwks.json.
CREATE TABLE auth_signing_keys (
  kid          text PRIMARY KEY CHECK (length(kid) BETWEEN 8 AND 100),
  alg          text NOT NULL CHECK (alg IN ('RS256', 'ES256')),
  public_jwk   jsonb NOT NULL,
  private_jwk  jsonb NOT NULL,
  created_at   timestamptz NOT NULL DEFAULT now(),
  retired_at   timestamptz
);
ALTER TABLE auth_signing_keys ENABLE ROW LEVEL SECURITY;
ALTER TABLE auth_signing_keys FORCE ROW LEVEL SECURITY;
CREATE POLICY worker_all ON auth_signing_keys TO crm_worker USING (true) WITH CHECK (true);
GRANT SELECT, INSERT ON auth_signing_keys TO crm_worker;

-- One row per issued refresh token (its jti); a token is good once: refreshing consumes it and
-- issues the next. Resolved before a tenant is known, so the worker role reads and consumes them.
CREATE TABLE refresh_tokens (
  jti          uuid PRIMARY KEY,
  tenant_id    uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  user_id      uuid NOT NULL,
  issued_at    timestamptz NOT NULL DEFAULT now(),
  expires_at   timestamptz NOT NULL,
  used_at      timestamptz,
  FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX refresh_tokens_expiry_idx ON refresh_tokens (expires_at);
ALTER TABLE refresh_tokens ENABLE ROW LEVEL SECURITY;
ALTER TABLE refresh_tokens FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON refresh_tokens TO crm_app USING (tenant_id = crm_current_tenant()) WITH CHECK (tenant_id = crm_current_tenant());
CREATE POLICY worker_all ON refresh_tokens TO crm_worker USING (true) WITH CHECK (true);
GRANT SELECT, INSERT, UPDATE, DELETE ON refresh_tokens TO crm_app;
GRANT SELECT, INSERT, UPDATE, DELETE ON refresh_tokens TO crm_worker;
