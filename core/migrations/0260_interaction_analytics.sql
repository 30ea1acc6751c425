-- Analytics over large tenants (issue 13). Every metric and daily series reads the interactions of
-- a period window: (tenant, created_at) plus contact, user, direction and the sentiment score. The
-- score lived only inside the sentiment jsonb, so each read fetched and parsed that document per row;
-- a stored generated column carries it (NULL when absent or not a number, so no write can fail on
-- it), and a covering index serves the window reads without visiting the table once the rows are
-- all-visible (after autovacuum).
ALTER TABLE interactions ADD COLUMN sentiment_score float8
  GENERATED ALWAYS AS (CASE WHEN jsonb_typeof(sentiment->'score') = 'number' THEN (sentiment->>'score')::float8 END) STORED;

CREATE INDEX interactions_analytics_idx ON interactions (tenant_id, created_at) INCLUDE (contact_id, user_id, direction, sentiment_score, id);
