import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createCrmCore, loadConfig, openDatabase, silentLogger } from '@crm/core';
import { createTenantFixture, databaseOf } from '@crm/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRuntime, type Runtime } from './runtime.ts';

const BIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../bin/crm.js');
const SLUG = 'bgjobs';
const TITLE = 'Weekly pipeline digest: 16 Nov 2026 – 23 Nov 2026';

// The runtime's scheduler runs the rescoring agent (instead of scoring.retrain: one retrain
// schedule) and the weekly digest (hourly check of each tenant's AGENT_DIGEST_CRON slot in its time
// zone); each run's per-tenant summary is kept in job_runs.result and shown by `crm jobs --json`.
describe('background agent jobs in the runtime', { timeout: 600_000 }, () => {
  let dir: string;
  let runtime: Runtime | undefined;
  let contacts = 0;
  const env = () => ({ CRM_DATA_DIR: path.join(dir, 'data'), LOG_LEVEL: 'warn', AGENT_FOLLOW_UP_HOURS: '0', SCORING_RETRAIN_HOURS: '24', AGENT_RESCORING_HOURS: '24', AGENT_DIGEST_CRON: '0 7 * * 1' });

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'crm-bg-jobs-'));
    const db = await openDatabase({ config: loadConfig(env()).database, logger: silentLogger() });
    const core = createCrmCore({ db, logger: silentLogger(), knowledge: { indexInteractions: false } });
    try {
      const f = await createTenantFixture(core, SLUG);
      for (const name of ['Ann', 'Ben', 'Cy']) await core.contacts.create(f.manager, { firstName: name, lastName: 'Job', email: `${name.toLowerCase()}@jobs.test` });
      contacts = 3;
      await core.outbox.stop();
    } finally {
      await db.close();
    }
  });
  afterAll(async () => {
    await runtime?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('the rescoring agent runs at start in place of scoring.retrain and records what it did', async () => {
    runtime = await createRuntime(loadConfig(env()), { logger: silentLogger() });
    await runtime.start();
    let runs = await runtime.jobs.recentRuns('agents.rescoring', 1);
    for (let i = 0; i < 1200 && runs[0]?.status !== 'succeeded' && runs[0]?.status !== 'failed'; i++) {
      await new Promise((r) => setTimeout(r, 100));
      runs = await runtime.jobs.recentRuns('agents.rescoring', 1);
    }
    expect(runs[0]?.error ?? null).toBeNull();
    expect(runs[0].status).toBe('succeeded');
    const mine = (runs[0].result as { tenants: { tenant: string }[] }).tenants.find((t) => t.tenant === SLUG);
    expect(mine).toMatchObject({ tenant: SLUG, decision: 'cold_start', modelVersionBefore: null, modelVersionAfter: null, scored: contacts, movers: expect.any(Array) });
    expect(await runtime.jobs.recentRuns('scoring.retrain')).toEqual([]);
  });

  it('the digest job writes each tenant\'s slot once: saved, emailed to managers and admins, then skipped', async () => {
    const rt = runtime!;
    expect(await rt.jobs.runSlot('agents.digest', new Date('2026-11-23T08:00:00Z'))).toBe(true);
    expect(await rt.jobs.runSlot('agents.digest', new Date('2026-11-23T09:00:00Z'))).toBe(true);
    expect(await rt.jobs.runSlot('agents.digest', new Date('2026-11-25T09:00:00Z'))).toBe(true);
    const runs = await rt.jobs.recentRuns('agents.digest', 10);
    const result = (iso: string) => (runs.find((r) => r.slot.toISOString() === iso)!.result as { tenants: Record<string, unknown>[] }).tenants.find((t) => t.tenant === SLUG);
    const first = result('2026-11-23T08:00:00.000Z');
    expect(first).toMatchObject({ tenant: SLUG, slotKey: 'cron:2026-11-23T07:00:00.000Z', duplicate: false, emailed: 3 });
    expect(result('2026-11-23T09:00:00.000Z')).toEqual({ tenant: SLUG, skipped: 'the digest of 2026-11-23T07:00:00.000Z was already saved and emailed' });
    expect(result('2026-11-25T09:00:00.000Z')).toEqual({ tenant: SLUG, skipped: 'the last slot (2026-11-23T07:00:00.000Z) is more than 24 h old' });

    const tenantId = (await rt.core.directory.tenantIdBySlug(SLUG))!;
    const mails = (await databaseOf(rt.core.db).asWorker((c) => c.query<{ to_address: string }>('SELECT to_address FROM mailbox_messages WHERE tenant_id = $1 AND subject = $2 ORDER BY to_address', [tenantId, TITLE]))).rows;
    expect(mails.map((m) => m.to_address)).toEqual([`admin@${SLUG}.test`, `manager@${SLUG}.test`, `marketing@${SLUG}.test`]);
    const system = await rt.core.users.systemActor(tenantId, { via: 'agent:digest' });
    const saved = await rt.core.savedReports.list(system, { kind: 'pipeline_digest' });
    expect(saved.filter((r) => r.slotKey === 'cron:2026-11-23T07:00:00.000Z').map((r) => r.id)).toEqual([first!.reportId]);
  });

  it('crm jobs --json shows the runs with their results', async () => {
    await runtime!.stop();
    runtime = undefined;
    const r = spawnSync(process.execPath, [BIN, 'jobs', '--job', 'agents.digest', '--json'], { env: { ...process.env, ...env(), DATABASE_URL: '', CRM_API_KEY: '' }, encoding: 'utf8', timeout: 240_000 });
    expect(r.status, r.stderr).toBe(0);
    const runs = JSON.parse(r.stdout) as { job: string; slot: string; result: { tenants: { tenant: string; slotKey?: string }[] } }[];
    const run = runs.find((x) => x.slot === '2026-11-23T08:00:00.000Z')!;
    expect(run.job).toBe('agents.digest');
    expect(run.result.tenants.find((t) => t.tenant === SLUG)).toMatchObject({ slotKey: 'cron:2026-11-23T07:00:00.000Z', emailed: 3 });
    // a misspelt job name says so and names the jobs that have runs (it said no job had run yet)
    const typo = spawnSync(process.execPath, [BIN, 'jobs', '--job', 'agents.digets'], { env: { ...process.env, ...env(), DATABASE_URL: '', CRM_API_KEY: '' }, encoding: 'utf8', timeout: 240_000 });
    expect(typo.status, typo.stderr).toBe(0);
    expect(typo.stdout).toMatch(/^No run of the job "agents.digets" is recorded\. Jobs with runs: .*agents\.digest/);
  });
});
