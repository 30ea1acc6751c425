-- Scheduled system jobs (follow-up due scan, lead-scoring retrain, reports, background agents) run on
-- wall-clock slots. Each process that schedules a job tries to insert the (job, slot) row; the
-- primary key lets exactly one of N replicas win a slot, so every slot runs once across replicas.
CREATE TABLE job_runs (
  job          text NOT NULL CHECK (length(job) BETWEEN 1 AND 100),
  slot         timestamptz NOT NULL,
  holder       text NOT NULL CHECK (length(holder) BETWEEN 1 AND 200),
  started_at   timestamptz NOT NULL DEFAULT now(),
  finished_at  timestamptz,
  status       text NOT NULL DEFAULT 'running' CHECK (status IN ('running', 'succeeded', 'failed')),
  error        text,
  result       jsonb,
  PRIMARY KEY (job, slot)
);
CREATE INDEX job_runs_started_idx ON job_runs (started_at);

-- Not tenant data: only the system worker role reads and writes it.
ALTER TABLE job_runs ENABLE ROW LEVEL SECURITY;
ALTER TABLE job_runs FORCE ROW LEVEL SECURITY;
CREATE POLICY worker_all ON job_runs TO crm_worker USING (true) WITH CHECK (true);
GRANT SELECT, INSERT, UPDATE, DELETE ON job_runs TO crm_worker;
