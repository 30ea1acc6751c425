-- Tenant locale and time zone: how the tenant's people write dates (en-GB reads 03/04/2024 as
-- 3 April; en-US as 4 March) and which clock "today" follows. CSV imports use the locale to read
-- date columns whose values fit both day/month orders. Defaults are the demo agency's (British).
-- Columns of tenants, which already has FORCE RLS and the crm_app / crm_worker grants.
ALTER TABLE tenants
  ADD COLUMN locale    text NOT NULL DEFAULT 'en-GB' CHECK (locale ~ '^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$'),
  ADD COLUMN time_zone text NOT NULL DEFAULT 'Europe/London' CHECK (time_zone ~ '^[A-Za-z0-9_+/-]{1,64}$');
