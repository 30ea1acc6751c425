-- Duplicate detection (issue 9) on stored blocking keys. The expression indexes of 0061 were never
-- used under row-level security: lower(), regexp_replace() and split_part() are not LEAKPROOF, so
-- a join condition on them may not become an index condition below the tenant policy, and each
-- rule scanned the whole table (EXPLAIN as crm_app at 100k contacts: three sequential scans, 0.56 s
-- for one contact's lookup). On stored columns the conditions are plain text equality (leakproof),
-- so every rule is an index probe. Keys are NULL when too short to be evidence.
--   dup_name    lower first and last name (unit separator between them)
--   dup_phone   the last 10 digits after leading zeros, so '+1 201 200 0007', '(201) 200-0007' and
--               '+44 20 7946 0958' / '020 7946 0958' meet (national numbers of up to 10 digits)
--   dup_email   the local part without dots and without a +tag ('Ava.Smith+crm@x' -> 'avasmith')
--   dup_company lower, trimmed company (evidence only, not a blocking key)
ALTER TABLE contacts
  ADD COLUMN dup_name text GENERATED ALWAYS AS (lower(first_name) || E'\x1f' || lower(last_name)) STORED,
  ADD COLUMN dup_phone text GENERATED ALWAYS AS (
    CASE WHEN length(ltrim(regexp_replace(phone, '\D', '', 'g'), '0')) >= 7
         THEN right(ltrim(regexp_replace(phone, '\D', '', 'g'), '0'), 10) END) STORED,
  ADD COLUMN dup_email text GENERATED ALWAYS AS (
    CASE WHEN length(regexp_replace(split_part(lower(email), '@', 1), '\+.*$|\.', '', 'g')) >= 5
         THEN regexp_replace(split_part(lower(email), '@', 1), '\+.*$|\.', '', 'g') END) STORED,
  ADD COLUMN dup_company text GENERATED ALWAYS AS (nullif(lower(btrim(company)), '')) STORED;

DROP INDEX IF EXISTS contacts_dup_name_idx;
DROP INDEX IF EXISTS contacts_dup_phone_idx;
DROP INDEX IF EXISTS contacts_dup_email_idx;
-- Covering, so the whole-tenant scan groups blocks and lists their members from the index alone
-- (once autovacuum has marked the pages all-visible).
CREATE INDEX contacts_dup_name_idx ON contacts (tenant_id, dup_name, dup_company) INCLUDE (id);
CREATE INDEX contacts_dup_phone_idx ON contacts (tenant_id, dup_phone) INCLUDE (id) WHERE dup_phone IS NOT NULL;
CREATE INDEX contacts_dup_email_idx ON contacts (tenant_id, dup_email) INCLUDE (id) WHERE dup_email IS NOT NULL;
