-- GET /api/v1/interactions lists a tenant's interactions "created_at DESC, id DESC": like the
-- contact list (0003), the index carries id in the same direction so a page is an index walk.
-- The second index serves `userId` and a sales rep's scope (the interactions they logged); a rep's
-- own contacts and `ownerId` go through contacts_tenant_assigned_idx and interactions_contact_idx.
DROP INDEX IF EXISTS interactions_tenant_created_idx;
CREATE INDEX interactions_tenant_created_idx ON interactions (tenant_id, created_at DESC, id DESC);
CREATE INDEX IF NOT EXISTS interactions_tenant_user_created_idx ON interactions (tenant_id, user_id, created_at DESC, id DESC);
