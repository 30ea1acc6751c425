-- Contact names stored decomposed (NFD: "Mu" + U+0308 + "ller", as macOS and some exports write
-- them) before every entry point composed its input (NFC) look like "Müller" but do not match a
-- search typed with "ü": compose them once. Only rows that are not already composed change (so
-- updated_at moves, and an export sends them again, only for those). FORCE RLS would hide every row
-- from a non-superuser owner (Cloud SQL), so it is lifted for the update, as 0230 does.
ALTER TABLE contacts NO FORCE ROW LEVEL SECURITY;
UPDATE contacts SET
  first_name = normalize(first_name, NFC),
  last_name = normalize(last_name, NFC),
  company = normalize(company, NFC),
  position = normalize(position, NFC)
WHERE NOT (first_name IS NFC NORMALIZED AND last_name IS NFC NORMALIZED
           AND coalesce(company IS NFC NORMALIZED, true) AND coalesce(position IS NFC NORMALIZED, true));
ALTER TABLE contacts FORCE ROW LEVEL SECURITY;
