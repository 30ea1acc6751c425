-- Knowledge base: documents, their chunks and indexed interactions, full-text search, term
-- statistics for query weighting, per-tenant embedder state, and (where the server has pgvector)
-- chunk vectors under an HNSW index. Every table is tenant-owned and isolated by RLS exactly like
-- the foundation tables.

CREATE TABLE kb_documents (
  id               uuid PRIMARY KEY,
  tenant_id        uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  -- the filename or relative path it was ingested from: re-ingesting the same source replaces it
  source           text NOT NULL CHECK (length(source) BETWEEN 1 AND 512),
  title            text NOT NULL,
  type             text NOT NULL CHECK (type IN ('markdown','text','html','pdf')),
  content_hash     text NOT NULL,
  chunker_version  text NOT NULL,
  byte_size        integer NOT NULL CHECK (byte_size >= 0),
  chunk_count      integer NOT NULL CHECK (chunk_count >= 0),
  -- the whole readable text, for crm://kb/{id} and re-chunking without the original file
  text             text NOT NULL,
  metadata         jsonb NOT NULL DEFAULT '{}',
  created_by       uuid,
  created_at       timestamptz NOT NULL DEFAULT now(),
  updated_at       timestamptz NOT NULL DEFAULT now(),
  UNIQUE (tenant_id, source),
  UNIQUE (tenant_id, id)
);
CREATE INDEX kb_documents_tenant_updated_idx ON kb_documents (tenant_id, updated_at DESC, id);

-- Lets chunks follow an interaction to another contact (contact merge) by ON UPDATE CASCADE.
CREATE UNIQUE INDEX interactions_id_contact_idx ON interactions (id, contact_id);

CREATE TABLE kb_chunks (
  id              uuid PRIMARY KEY,
  tenant_id       uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  kind            text NOT NULL CHECK (kind IN ('document','interaction')),
  document_id     uuid,
  interaction_id  uuid,
  contact_id      uuid,
  chunk_index     integer NOT NULL DEFAULT 0,
  -- heading path (` > `-joined) for documents; type, contact and subject for interactions
  heading         text NOT NULL DEFAULT '',
  text            text NOT NULL,
  content_hash    text NOT NULL,
  word_count      integer NOT NULL DEFAULT 0,
  -- documents: when the version was ingested; interactions: when the interaction happened
  occurred_at     timestamptz NOT NULL DEFAULT now(),
  metadata        jsonb NOT NULL DEFAULT '{}',
  created_at      timestamptz NOT NULL DEFAULT now(),
  -- headings weigh more than body text in ts_rank
  tsv             tsvector GENERATED ALWAYS AS (
                    setweight(to_tsvector('english', heading), 'A') || setweight(to_tsvector('english', text), 'B')
                  ) STORED,
  CHECK ((kind = 'document') = (document_id IS NOT NULL)),
  CHECK ((kind = 'interaction') = (interaction_id IS NOT NULL AND contact_id IS NOT NULL)),
  FOREIGN KEY (tenant_id, document_id) REFERENCES kb_documents (tenant_id, id) ON DELETE CASCADE,
  FOREIGN KEY (interaction_id, contact_id) REFERENCES interactions (id, contact_id) ON DELETE CASCADE ON UPDATE CASCADE
);
CREATE INDEX kb_chunks_tsv_idx ON kb_chunks USING gin (tsv);
CREATE INDEX kb_chunks_tenant_idx ON kb_chunks (tenant_id, kind, occurred_at);
CREATE INDEX kb_chunks_document_idx ON kb_chunks (document_id, chunk_index) WHERE document_id IS NOT NULL;
CREATE INDEX kb_chunks_interaction_idx ON kb_chunks (interaction_id) WHERE interaction_id IS NOT NULL;
CREATE INDEX kb_chunks_contact_idx ON kb_chunks (tenant_id, contact_id) WHERE contact_id IS NOT NULL;

-- Per tenant: chunk count and words (BM25-style query weights), and the embedder's fitted state.
CREATE TABLE kb_index_state (
  tenant_id       uuid PRIMARY KEY REFERENCES tenants(id) ON DELETE CASCADE,
  chunk_count     integer NOT NULL DEFAULT 0,
  total_words     bigint NOT NULL DEFAULT 0,
  -- embedder id + dimensions the stored vectors were made with
  model           text,
  embedder_state  jsonb,
  fitted_chunks   integer NOT NULL DEFAULT 0,
  generation      integer NOT NULL DEFAULT 0,
  -- chunks were written without vectors (bulk load, embedder not fitted yet): re-embed soon
  pending_vectors boolean NOT NULL DEFAULT false,
  fitted_at       timestamptz
);

-- Document frequency of every lexeme per tenant: the IDF weights of query words.
CREATE TABLE kb_terms (
  tenant_id  uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  lexeme     text NOT NULL,
  df         integer NOT NULL,
  PRIMARY KEY (tenant_id, lexeme)
);

-- Chunks are written and deleted, never edited in text, so insert/delete keep the statistics.
CREATE OR REPLACE FUNCTION kb_chunks_count_ins() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO kb_terms (tenant_id, lexeme, df)
    SELECT n.tenant_id, l.lexeme, count(*) FROM new_rows n, unnest(tsvector_to_array(n.tsv)) AS l(lexeme)
    GROUP BY 1, 2 ORDER BY 1, 2
    ON CONFLICT (tenant_id, lexeme) DO UPDATE SET df = kb_terms.df + excluded.df;
  INSERT INTO kb_index_state (tenant_id, chunk_count, total_words)
    SELECT tenant_id, count(*), sum(word_count) FROM new_rows GROUP BY 1 ORDER BY 1
    ON CONFLICT (tenant_id) DO UPDATE SET chunk_count = kb_index_state.chunk_count + excluded.chunk_count,
      total_words = kb_index_state.total_words + excluded.total_words;
  RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION kb_chunks_count_del() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE kb_terms t SET df = t.df - d.n
    FROM (SELECT o.tenant_id, l.lexeme, count(*) AS n FROM old_rows o, unnest(tsvector_to_array(o.tsv)) AS l(lexeme) GROUP BY 1, 2) d
    WHERE t.tenant_id = d.tenant_id AND t.lexeme = d.lexeme;
  -- only the lexemes just decremented can have reached zero
  DELETE FROM kb_terms t
    USING (SELECT DISTINCT o.tenant_id, l.lexeme FROM old_rows o, unnest(tsvector_to_array(o.tsv)) AS l(lexeme)) d
    WHERE t.tenant_id = d.tenant_id AND t.lexeme = d.lexeme AND t.df <= 0;
  UPDATE kb_index_state s SET chunk_count = greatest(0, s.chunk_count - d.n), total_words = greatest(0, s.total_words - d.w)
    FROM (SELECT tenant_id, count(*) AS n, sum(word_count) AS w FROM old_rows GROUP BY 1) d
    WHERE s.tenant_id = d.tenant_id;
  RETURN NULL;
END $$;

CREATE TRIGGER kb_chunks_stats_ins AFTER INSERT ON kb_chunks
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION kb_chunks_count_ins();
CREATE TRIGGER kb_chunks_stats_del AFTER DELETE ON kb_chunks
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION kb_chunks_count_del();

DO $$
DECLARE t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['kb_documents','kb_chunks','kb_index_state','kb_terms'] LOOP
    EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
    EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
    EXECUTE format('CREATE POLICY tenant_isolation ON %I TO crm_app USING (tenant_id = crm_current_tenant()) WITH CHECK (tenant_id = crm_current_tenant())', t);
    EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON %I TO crm_app', t);
  END LOOP;
END $$;

-- Vectors only where the server has pgvector (PGlite and Cloud SQL do; a stock Debian
-- PostgreSQL does not): without it the knowledge base is full-text only and says so.
DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'vector') THEN
    RAISE NOTICE 'pgvector is not available on this server: the knowledge base will use full-text search only';
    RETURN;
  END IF;
  CREATE EXTENSION IF NOT EXISTS vector;
  EXECUTE $sql$
    CREATE TABLE kb_vectors (
      chunk_id   uuid NOT NULL REFERENCES kb_chunks(id) ON DELETE CASCADE,
      tenant_id  uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
      -- embedder id/dimensions/generation: a re-embedding writes the new model beside the old
      -- one and switches over in one statement, so searches never see a half-done refit
      model      text NOT NULL,
      embedding  vector(768) NOT NULL,
      PRIMARY KEY (chunk_id, model)
    )$sql$;
  EXECUTE 'CREATE INDEX kb_vectors_hnsw_idx ON kb_vectors USING hnsw (embedding vector_cosine_ops)';
  EXECUTE 'CREATE INDEX kb_vectors_tenant_idx ON kb_vectors (tenant_id, model)';
  EXECUTE 'ALTER TABLE kb_vectors ENABLE ROW LEVEL SECURITY';
  EXECUTE 'ALTER TABLE kb_vectors FORCE ROW LEVEL SECURITY';
  EXECUTE 'CREATE POLICY tenant_isolation ON kb_vectors TO crm_app USING (tenant_id = crm_current_tenant()) WITH CHECK (tenant_id = crm_current_tenant())';
  EXECUTE 'GRANT SELECT, INSERT, UPDATE, DELETE ON kb_vectors TO crm_app';
END $$;
