-- Foundation schema: tenants, users, contacts, interactions, follow-ups, audit log, outbox.
-- Tenant isolation is enforced by row-level security, not by the application:
--   crm_app    – the role every request runs as; sees only rows of current_setting('app.tenant_id').
--   crm_worker – system jobs (outbox dispatch, API-key lookup); explicit, narrow policies.
-- Both roles are NOLOGIN by default; the app switches to them with SET [LOCAL] ROLE.

DO $$ BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'crm_app') THEN CREATE ROLE crm_app NOLOGIN; END IF;
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'crm_worker') THEN CREATE ROLE crm_worker NOLOGIN; END IF;
END $$;

CREATE EXTENSION IF NOT EXISTS pg_trgm;

-- NULL when no tenant is set, so a query without a tenant matches nothing.
CREATE OR REPLACE FUNCTION crm_current_tenant() RETURNS uuid LANGUAGE sql STABLE AS
$$ SELECT nullif(current_setting('app.tenant_id', true), '')::uuid $$;

CREATE TABLE tenants (
  id          uuid PRIMARY KEY,
  name        text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  slug        text NOT NULL UNIQUE CHECK (slug ~ '^[a-z0-9][a-z0-9-]{0,62}$'),
  settings    jsonb NOT NULL DEFAULT '{}',
  created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE users (
  id            uuid PRIMARY KEY,
  tenant_id     uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  email         text NOT NULL,
  name          text NOT NULL,
  role          text NOT NULL CHECK (role IN ('ADMIN','SALES_MANAGER','SALES_REP','MARKETING_MANAGER')),
  api_key_hash  text UNIQUE,
  created_at    timestamptz NOT NULL DEFAULT now(),
  UNIQUE (tenant_id, email),
  UNIQUE (tenant_id, id)
);

CREATE TABLE contacts (
  id                 uuid PRIMARY KEY,
  tenant_id          uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  first_name         text NOT NULL,
  last_name          text NOT NULL,
  email              text NOT NULL,
  phone              text,
  company            text,
  position           text,
  lead_score         real NOT NULL DEFAULT 0 CHECK (lead_score BETWEEN 0 AND 100),
  status             text NOT NULL DEFAULT 'LEAD' CHECK (status IN ('LEAD','PROSPECT','CUSTOMER','INACTIVE')),
  source             text NOT NULL DEFAULT 'manual',
  assigned_to        uuid,
  custom_fields      jsonb NOT NULL DEFAULT '{}',
  metadata           jsonb NOT NULL DEFAULT '{}',
  last_contact_date  timestamptz,
  created_at         timestamptz NOT NULL DEFAULT now(),
  updated_at         timestamptz NOT NULL DEFAULT now(),
  -- one lower-cased haystack for substring search over name, email and company (trigram index)
  search_text        text GENERATED ALWAYS AS (
                       lower(first_name || ' ' || last_name || ' ' || email || ' ' || coalesce(company, ''))
                     ) STORED,
  UNIQUE (tenant_id, email),
  UNIQUE (tenant_id, id),
  FOREIGN KEY (tenant_id, assigned_to) REFERENCES users (tenant_id, id) ON DELETE SET NULL (assigned_to)
);
CREATE INDEX contacts_tenant_created_idx ON contacts (tenant_id, created_at DESC, id);
CREATE INDEX contacts_tenant_updated_idx ON contacts (tenant_id, updated_at DESC);
CREATE INDEX contacts_tenant_status_idx ON contacts (tenant_id, status, created_at DESC);
CREATE INDEX contacts_tenant_score_idx ON contacts (tenant_id, lead_score DESC);
CREATE INDEX contacts_tenant_assigned_idx ON contacts (tenant_id, assigned_to, created_at DESC);
CREATE INDEX contacts_tenant_last_contact_idx ON contacts (tenant_id, last_contact_date);
CREATE INDEX contacts_tenant_name_idx ON contacts (tenant_id, last_name, first_name);
CREATE INDEX contacts_search_trgm_idx ON contacts USING gin (search_text gin_trgm_ops);

CREATE TABLE interactions (
  id                  uuid PRIMARY KEY,
  tenant_id           uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  contact_id          uuid NOT NULL,
  user_id             uuid,
  type                text NOT NULL CHECK (type IN ('EMAIL','PHONE_CALL','MEETING','CHAT','SOCIAL_MEDIA','FORM_SUBMISSION','WEBSITE_VISIT')),
  channel             text NOT NULL CHECK (channel IN ('EMAIL','PHONE','LINKEDIN','TWITTER','FACEBOOK','WEBSITE','CHAT','IN_PERSON')),
  subject             text,
  content             text NOT NULL DEFAULT '',
  direction           text NOT NULL CHECK (direction IN ('INBOUND','OUTBOUND')),
  duration            integer CHECK (duration >= 0),
  outcome             text,
  scheduled_follow_up timestamptz,
  attachments         jsonb NOT NULL DEFAULT '[]',
  sentiment           jsonb,
  tags                jsonb NOT NULL DEFAULT '[]',
  metadata            jsonb NOT NULL DEFAULT '{}',
  created_at          timestamptz NOT NULL DEFAULT now(),
  FOREIGN KEY (tenant_id, contact_id) REFERENCES contacts (tenant_id, id) ON DELETE CASCADE,
  FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, id) ON DELETE SET NULL (user_id)
);
CREATE INDEX interactions_contact_idx ON interactions (tenant_id, contact_id, created_at DESC);
CREATE INDEX interactions_tenant_created_idx ON interactions (tenant_id, created_at DESC);

CREATE TABLE follow_ups (
  id              uuid PRIMARY KEY,
  tenant_id       uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  contact_id      uuid NOT NULL,
  owner_id        uuid NOT NULL,
  title           text NOT NULL,
  notes           text,
  due_at          timestamptz NOT NULL,
  done            boolean NOT NULL DEFAULT false,
  completed_at    timestamptz,
  interaction_id  uuid,
  due_notified_at timestamptz,
  created_at      timestamptz NOT NULL DEFAULT now(),
  FOREIGN KEY (tenant_id, contact_id) REFERENCES contacts (tenant_id, id) ON DELETE CASCADE,
  FOREIGN KEY (tenant_id, owner_id) REFERENCES users (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX follow_ups_open_idx ON follow_ups (tenant_id, due_at) WHERE NOT done;
CREATE INDEX follow_ups_contact_idx ON follow_ups (tenant_id, contact_id);
CREATE INDEX follow_ups_owner_idx ON follow_ups (tenant_id, owner_id, due_at);

CREATE TABLE audit_log (
  id           bigserial PRIMARY KEY,
  tenant_id    uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  actor_id     uuid,
  actor_role   text,
  action       text NOT NULL,
  entity_type  text NOT NULL,
  entity_id    uuid,
  diff         jsonb NOT NULL DEFAULT '{}',
  created_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX audit_log_entity_idx ON audit_log (tenant_id, entity_type, entity_id, id DESC);
CREATE INDEX audit_log_tenant_time_idx ON audit_log (tenant_id, created_at DESC);

CREATE TABLE outbox_events (
  seq             bigserial PRIMARY KEY,
  id              uuid NOT NULL UNIQUE,
  tenant_id       uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  type            text NOT NULL,
  aggregate_type  text NOT NULL,
  aggregate_id    uuid,
  actor_id        uuid,
  payload         jsonb NOT NULL,
  created_at      timestamptz NOT NULL DEFAULT now(),
  attempts        integer NOT NULL DEFAULT 0,
  locked_until    timestamptz,
  last_error      text,
  dispatched_at   timestamptz
);
CREATE INDEX outbox_pending_idx ON outbox_events (seq) WHERE dispatched_at IS NULL;

-- Consumers record what they have handled so a redelivered event is a no-op.
CREATE TABLE processed_events (
  consumer      text NOT NULL,
  event_id      uuid NOT NULL,
  processed_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (consumer, event_id)
);

CREATE OR REPLACE FUNCTION crm_outbox_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('crm_outbox', NEW.tenant_id::text);
  RETURN NULL;
END $$;
CREATE TRIGGER outbox_notify AFTER INSERT ON outbox_events
  FOR EACH STATEMENT EXECUTE FUNCTION crm_outbox_notify();

-- Row-level security on every tenant-owned table.
DO $$
DECLARE t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['users','contacts','interactions','follow_ups','audit_log','outbox_events'] LOOP
    EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
    EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
    EXECUTE format('CREATE POLICY tenant_isolation ON %I TO crm_app USING (tenant_id = crm_current_tenant()) WITH CHECK (tenant_id = crm_current_tenant())', t);
    EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON %I TO crm_app', t);
  END LOOP;
END $$;

ALTER TABLE tenants ENABLE ROW LEVEL SECURITY;
ALTER TABLE tenants FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_self ON tenants TO crm_app USING (id = crm_current_tenant()) WITH CHECK (id = crm_current_tenant());
GRANT SELECT, INSERT, UPDATE ON tenants TO crm_app;

-- The worker dispatches the outbox across tenants and resolves API keys to users.
CREATE POLICY worker_all ON outbox_events TO crm_worker USING (true) WITH CHECK (true);
CREATE POLICY worker_read ON users TO crm_worker USING (true);
CREATE POLICY worker_read ON tenants TO crm_worker USING (true);
GRANT SELECT, UPDATE ON outbox_events TO crm_worker;
GRANT SELECT ON users, tenants TO crm_worker;
GRANT SELECT, INSERT, DELETE ON processed_events TO crm_worker, crm_app;
GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO crm_app, crm_worker;
GRANT EXECUTE ON FUNCTION crm_current_tenant() TO crm_app, crm_worker;

-- The connecting (owner) user switches into the app and worker roles.
DO $$ BEGIN
  EXECUTE format('GRANT crm_app, crm_worker TO %I', current_user);
EXCEPTION WHEN OTHERS THEN
  RAISE NOTICE 'could not grant crm roles to %: %', current_user, SQLERRM;
END $$;
