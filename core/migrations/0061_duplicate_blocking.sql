-- Blocking keys for find_duplicate_contacts: each candidate rule is an equality on one of these
-- expressions, so pairs come from index/hash joins instead of a self-join on OR conditions.
CREATE INDEX IF NOT EXISTS contacts_dup_name_idx ON contacts (tenant_id, lower(first_name), lower(last_name));
CREATE INDEX IF NOT EXISTS contacts_dup_phone_idx ON contacts (tenant_id, regexp_replace(phone, '\D', '', 'g'))
  WHERE phone IS NOT NULL AND length(regexp_replace(phone, '\D', '', 'g')) >= 7;
CREATE INDEX IF NOT EXISTS contacts_dup_email_idx ON contacts (tenant_id, split_part(email, '@', 1))
  WHERE length(split_part(email, '@', 1)) >= 5;
