import { spawnSync, type ChildProcess } from 'node:child_process';
import { createScratchDatabase, type ScratchDatabase } from '@crm/core/testing';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CRM_BIN as BIN, startCrm, stopCrm } from '../testing/crm-process.ts';

const base = process.env.TEST_DATABASE_URL;

/** Three real `crm start` processes on one PostgreSQL database: every scheduled slot runs once. */
describe.skipIf(!base)('replicas on one PostgreSQL database (real processes)', () => {
  let scratch: ScratchDatabase | undefined;
  let url: string;
  const procs: ChildProcess[] = [];

  beforeAll(async () => {
    scratch = await createScratchDatabase(base!);
    url = scratch.url;
  });

  afterAll(async () => {
    for (const p of procs) p.kill('SIGKILL');
    await scratch?.drop();
  });

  const env = () => ({ ...process.env, DATABASE_URL: url, LOG_LEVEL: 'warn', FOLLOW_UP_SCAN_SECONDS: '1', SCORING_RETRAIN_HOURS: '0' });
  const start = async () => (await startCrm(env(), { started: (proc) => procs.push(proc) })).proc;

  it('each follow-up due-scan slot runs in exactly one of three processes, no follow-up is announced twice, a due report is emailed once', async () => {
    const seeded = spawnSync(process.execPath, [BIN, 'seed', '--demo', '--contacts', '40', '--no-knowledge'], { env: env(), encoding: 'utf8', timeout: 240_000 });
    expect(seeded.status, seeded.stderr).toBe(0);
    // a report schedule whose slot is already due: the replicas' reports.deliver job must email it
    // once (a yearly cron: with "every 5 minutes" a run that crossed a 5-minute boundary was rightly
    // emailed twice, once per slot, and the test failed by the clock)
    const added = spawnSync(process.execPath, [BIN, 'report', 'schedule', 'add', 'USER_ACTIVITY', '--name', 'Due now', '--cron', '0 0 1 1 *', '--to', 'a@agency.test,b@agency.test', '--json'], { env: env(), encoding: 'utf8', timeout: 120_000 });
    expect(added.status, added.stderr).toBe(0);
    const scheduleId = (JSON.parse(added.stdout) as { id: string }).id;
    const pre = new pg.Client({ connectionString: url });
    await pre.connect();
    await pre.query(`UPDATE report_schedules SET next_run_at = now() - interval '1 minute' WHERE id = $1`, [scheduleId]);
    // every open follow-up overdue and not yet announced: how many of the demo's are overdue depends on the clock
    const open = await pre.query(`UPDATE follow_ups SET due_at = now() - interval '1 hour', due_notified_at = NULL WHERE NOT done`);
    expect(open.rowCount).toBeGreaterThan(0);
    // a dynamic registration abandoned a week ago: the oauth.purge job deletes it
    await pre.query(
      `INSERT INTO oauth_clients (id, name, redirect_uris, grant_types, token_endpoint_auth_method, scope, created_at)
       VALUES ('mcp_abandoned_registration', 'abandoned', '{http://127.0.0.1:4000/cb}', '{authorization_code}', 'none', 'crm:read', now() - interval '8 days')`,
    );
    await pre.end();
    const replicas = await Promise.all([start(), start(), start()]);
    await new Promise((r) => setTimeout(r, 6_000));
    await Promise.all(replicas.map((p) => stopCrm(p, 'SIGTERM')));

    const c = new pg.Client({ connectionString: url });
    await c.connect();
    try {
      const runs = (await c.query<{ slot: Date; holder: string }>(`SELECT slot, holder FROM job_runs WHERE job = 'follow-ups.due-scan' ORDER BY slot`)).rows;
      expect(runs.length).toBeGreaterThanOrEqual(3);
      // the primary key makes a second run of a slot impossible; every slot row names one process
      expect(new Set(runs.map((r) => r.slot.getTime())).size).toBe(runs.length);
      const holders = new Set(runs.map((r) => r.holder));
      expect(holders.size).toBeGreaterThanOrEqual(1);
      const dup = await c.query(`SELECT payload->'followUp'->>'id' AS id, count(*) FROM outbox_events WHERE type = 'follow-up.due' GROUP BY 1 HAVING count(*) > 1`);
      expect(dup.rows).toEqual([]);
      // each of them announced exactly once
      const due = await c.query(`SELECT count(*)::int AS n FROM outbox_events WHERE type = 'follow-up.due'`);
      expect(due.rows[0].n).toBe(open.rowCount);
      const mails = (await c.query<{ to_address: string }>(`SELECT to_address FROM mailbox_messages WHERE subject = 'Due now' ORDER BY to_address`)).rows;
      expect(mails.map((m) => m.to_address)).toEqual(['a@agency.test', 'b@agency.test']);
      const [schedule] = (await c.query(`SELECT last_status, next_run_at FROM report_schedules WHERE id = $1`, [scheduleId])).rows;
      expect(schedule.last_status).toBe('succeeded');
      expect(schedule.next_run_at.getTime()).toBeGreaterThan(Date.now() - 60_000);
      const purges = (await c.query(`SELECT status, result FROM job_runs WHERE job = 'oauth.purge'`)).rows;
      expect(purges).toEqual([{ status: 'succeeded', result: { refreshTokens: 0, grants: 0, clients: 1 } }]);
      expect((await c.query(`SELECT id FROM oauth_clients WHERE id = 'mcp_abandoned_registration'`)).rows).toEqual([]);
    } finally {
      await c.end();
    }
  });
});
