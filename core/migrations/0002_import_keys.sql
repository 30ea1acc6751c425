-- Re-importing the same activity export must not duplicate interactions: each imported row
-- carries a fingerprint, unique per tenant.
CREATE UNIQUE INDEX interactions_import_key_idx ON interactions (tenant_id, (metadata->>'importKey'))
  WHERE (metadata->>'importKey') IS NOT NULL;
