-- API keys are resolved on every request. The gateway may keep resolved keys in memory
-- (API_KEY_CACHE_SECONDS) only while it listens on `crm_auth`: every change that can turn a
-- key's answer (revocation, expiry, deletion; the user's role, name, email, deactivation or
-- removal) notifies at commit, and each listening process drops its cache. Touching a key's
-- last-used stamp does not notify.
CREATE OR REPLACE FUNCTION crm_notify_auth_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('crm_auth', TG_TABLE_NAME);
  RETURN NULL;
END $$;

CREATE TRIGGER api_keys_auth_changed AFTER UPDATE ON api_keys FOR EACH ROW
  WHEN (OLD.revoked_at IS DISTINCT FROM NEW.revoked_at OR OLD.expires_at IS DISTINCT FROM NEW.expires_at
        OR OLD.key_hash IS DISTINCT FROM NEW.key_hash OR OLD.user_id IS DISTINCT FROM NEW.user_id OR OLD.tenant_id IS DISTINCT FROM NEW.tenant_id)
  EXECUTE FUNCTION crm_notify_auth_changed();
CREATE TRIGGER api_keys_auth_deleted AFTER DELETE ON api_keys FOR EACH STATEMENT EXECUTE FUNCTION crm_notify_auth_changed();

CREATE TRIGGER users_auth_changed AFTER UPDATE ON users FOR EACH ROW
  WHEN (OLD.role IS DISTINCT FROM NEW.role OR OLD.deactivated_at IS DISTINCT FROM NEW.deactivated_at
        OR OLD.email IS DISTINCT FROM NEW.email OR OLD.name IS DISTINCT FROM NEW.name OR OLD.tenant_id IS DISTINCT FROM NEW.tenant_id)
  EXECUTE FUNCTION crm_notify_auth_changed();
CREATE TRIGGER users_auth_deleted AFTER DELETE ON users FOR EACH STATEMENT EXECUTE FUNCTION crm_notify_auth_changed();
