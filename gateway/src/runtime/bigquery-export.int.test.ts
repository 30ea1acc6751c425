import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createCrmCore, loadConfig, openDatabase, silentLogger, startScoring } from '@crm/core';
import { createTenantFixture, startBigQueryDouble, type BigQueryDouble, databaseOf } from '@crm/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRuntime, type Runtime } from './runtime.ts';

const PROJECT = 'acme-crm-test';
const DATASET = 'crm_analytics';

// The runtime's scheduler runs analytics.export-bigquery (once across replicas, at start when its
// slot was missed) when BIGQUERY_DATASET is set; without it the job is not scheduled.
describe('analytics.export-bigquery job in the runtime', { timeout: 300_000 }, () => {
  let dir: string;
  let bq: BigQueryDouble;
  let runtime: Runtime | undefined;
  const contactIds: string[] = [];
  const env = () => ({ CRM_DATA_DIR: path.join(dir, 'data'), LOG_LEVEL: 'warn', AGENT_FOLLOW_UP_HOURS: '0', SCORING_RETRAIN_HOURS: '0' });

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'crm-bq-job-'));
    bq = await startBigQueryDouble({ datasets: [`${PROJECT}:${DATASET}`] });
    const config = loadConfig(env());
    const db = await openDatabase({ config: config.database, logger: silentLogger() });
    const core = createCrmCore({ db, logger: silentLogger(), knowledge: { indexInteractions: false } });
    try {
      const f = await createTenantFixture(core, 'bqjob');
      for (let i = 0; i < 4; i++) {
        const c = await core.contacts.create(f.manager, { firstName: `Job${i}`, lastName: 'Run', email: `job${i}@bq.test` });
        contactIds.push(c.id);
      }
      // score them now (contact.created), as a running platform would have: otherwise the runtime's
      // scoring at start rewrites lead_score (and updated_at) just before the job looks
      const scoring = startScoring(core, { retrainHours: 0 });
      await core.outbox.drain();
      scoring.stop();
      await core.outbox.stop();
      // older than the job's 60 s lag, as rows are by the time a scheduled run sees them
      await databaseOf(db).withTenant(f.tenantId, (em) => em.execute(`UPDATE contacts SET updated_at = now() - interval '1 hour'`));
    } finally {
      await db.close();
    }
  });
  afterAll(async () => {
    await runtime?.stop();
    await bq.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('is off without BIGQUERY_DATASET', async () => {
    const off = await createRuntime(loadConfig(env()), { logger: silentLogger() });
    try {
      expect(off.bigQueryExport()).toBeUndefined();
    } finally {
      await off.stop();
    }
  });

  it('runs at start and streams the tenant rows to BigQuery; the run is recorded in job_runs', async () => {
    runtime = await createRuntime(loadConfig({ ...env(), BIGQUERY_PROJECT: PROJECT, BIGQUERY_DATASET: DATASET, BIGQUERY_API_ENDPOINT: bq.url, BIGQUERY_EXPORT_MINUTES: '60' }), { logger: silentLogger() });
    await runtime.start();
    let runs = await runtime.jobs.recentRuns('analytics.export-bigquery', 1);
    for (let i = 0; i < 600 && runs[0]?.status !== 'succeeded' && runs[0]?.status !== 'failed'; i++) {
      await new Promise((r) => setTimeout(r, 100));
      runs = await runtime.jobs.recentRuns('analytics.export-bigquery', 1);
    }
    expect(runs[0], 'the job ran').toBeDefined();
    expect(runs[0].error ?? null).toBeNull();
    expect(runs[0].status).toBe('succeeded');
    const stored = bq.table(PROJECT, DATASET, 'crm_contacts')!.rows.map((r) => r.id);
    expect(stored.sort()).toEqual([...contactIds].sort());
    expect(bq.table(PROJECT, DATASET, 'crm_interactions')).toBeDefined();
  });
});
