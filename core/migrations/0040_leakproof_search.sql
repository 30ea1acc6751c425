-- Row-level security lets the planner use an index for a query condition only when the condition's
-- operator is LEAKPROOF (otherwise it must run after the tenant policy, i.e. on every row). The
-- built-in LIKE (`textlike`, behind the trigram index on contacts.search_text) and full-text match
-- (`ts_match_vq`, behind the GIN index on kb_chunks.tsv) are not marked so, although their only
-- errors depend on the pattern/query the caller wrote, never on a row's contents. Marking them lets
-- contact search use the trigram index (100k contacts: ~30 ms sequential scan -> < 1 ms).
-- Only a superuser may change this; elsewhere (e.g. managed PostgreSQL without superuser) search
-- still works, by scanning, and this says so.
DO $$
BEGIN
  IF (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) THEN
    ALTER FUNCTION textlike(text, text) LEAKPROOF;
    ALTER FUNCTION ts_match_vq(tsvector, tsquery) LEAKPROOF;
  ELSE
    RAISE WARNING 'crm: % is not a superuser, so LIKE and full-text search cannot be marked LEAKPROOF; contact search will scan instead of using its trigram index under row-level security', current_user;
  END IF;
END $$;
