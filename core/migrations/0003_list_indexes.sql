-- List ordering is "<column> <dir>, id <dir>": the indexes must carry id in the same direction
-- (and the nulls placement the query uses) so a page is an index walk, not a sort of every row.
DROP INDEX IF EXISTS contacts_tenant_created_idx;
DROP INDEX IF EXISTS contacts_tenant_updated_idx;
DROP INDEX IF EXISTS contacts_tenant_score_idx;
DROP INDEX IF EXISTS contacts_tenant_last_contact_idx;
DROP INDEX IF EXISTS contacts_tenant_name_idx;
CREATE INDEX contacts_tenant_created_idx ON contacts (tenant_id, created_at DESC, id DESC);
CREATE INDEX contacts_tenant_updated_idx ON contacts (tenant_id, updated_at DESC, id DESC);
CREATE INDEX contacts_tenant_score_idx ON contacts (tenant_id, lead_score DESC, id DESC);
CREATE INDEX contacts_tenant_last_contact_idx ON contacts (tenant_id, last_contact_date DESC NULLS LAST, id DESC);
CREATE INDEX contacts_tenant_name_idx ON contacts (tenant_id, last_name DESC, id DESC);
