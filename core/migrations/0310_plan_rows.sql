-- The planner's row estimate of a query, for contact lists past their count cap (more than 10,000
-- matches report the estimate). Called from inside the list's one statement, and only when the
-- capped count reached the cap, so a page that is not full, or counted under the cap, never pays
-- for planning it (it used to be a second EXPLAIN statement on every list).
-- EXPLAIN without ANALYZE only plans; the caller's role, row-level security and read-only
-- transaction apply (SECURITY INVOKER). Core passes its own SELECT with escaped literals.
CREATE OR REPLACE FUNCTION crm_plan_rows(query text) RETURNS bigint LANGUAGE plpgsql VOLATILE AS $$
DECLARE
  plan json;
BEGIN
  IF query !~* '^\s*SELECT\s' THEN
    RAISE EXCEPTION 'crm_plan_rows takes one SELECT';
  END IF;
  EXECUTE 'EXPLAIN (FORMAT JSON) ' || query INTO plan;
  RETURN round((plan -> 0 -> 'Plan' ->> 'Plan Rows')::numeric);
END $$;
