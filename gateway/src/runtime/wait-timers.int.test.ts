import { execFile, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createScratchDatabase, type ScratchDatabase } from '@crm/core/testing';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CRM_BIN as BIN, startCrm, stopCrm } from '../testing/crm-process.ts';

const server = process.env.TEST_DATABASE_URL;
const kinds = server ? (['pglite', 'postgres'] as const) : (['pglite'] as const);

/**
 * Issue 11: a WAIT is a pg-boss job (the product default, WORKFLOW_WAIT_TIMERS=pg-boss) that survives
 * a restart of the real `crm start` process — the execution parks, the process stops, a new one
 * fires the timer after the deadline and the mail after the WAIT goes out once.
 */
describe.each(kinds)('WAIT timers on pg-boss in a real crm start (%s)', { timeout: 420_000 }, (kind) => {
  let dir: string;
  let scratch: ScratchDatabase | undefined;
  let proc: ChildProcess | undefined;

  const env = () => ({
    ...process.env,
    CRM_DATA_DIR: path.join(dir, 'data'),
    DATABASE_URL: scratch?.url ?? '',
    LOG_LEVEL: 'warn',
    SCORING_RETRAIN_HOURS: '0',
    WORKFLOW_POLL_MS: '200',
  });
  const crm = (...args: string[]) =>
    new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) => {
      execFile(process.execPath, [BIN, ...args], { env: env(), encoding: 'utf8', timeout: 240_000 }, (err, stdout, stderr) =>
        resolve({ status: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
      );
    });
  /** The server's pg-boss job of an execution (the test reads the database directly; PGlite is private to crm). */
  const jobOf = async (executionId: string) => {
    const c = new pg.Client({ connectionString: scratch!.url });
    await c.connect();
    try {
      return (await c.query<{ state: string; start_after: Date }>(`SELECT state, start_after FROM pgboss.job WHERE name = 'workflow-wait' AND data->>'executionId' = $1`, [executionId])).rows;
    } finally {
      await c.end();
    }
  };

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'crm-wait-'));
    if (kind === 'postgres') scratch = await createScratchDatabase(server!);
    const seeded = await crm('seed', '--demo', '--contacts', '5', '--no-knowledge');
    expect(seeded.status, seeded.stderr).toBe(0);
  }, 400_000);
  afterAll(async () => {
    proc?.kill('SIGKILL');
    await scratch?.drop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('parks an execution on a WAIT, keeps the timer through a restart, and sends the mail after it once', async () => {
    const token = await crm('token', 'create', '--role', 'MARKETING_MANAGER');
    expect(token.status, token.stderr).toBe(0);
    const headers = { authorization: `Bearer ${token.stdout.trim()}`, 'content-type': 'application/json' };
    const started = await startCrm(env(), { started: (p) => (proc = p) });
    const first = started.proc;
    let url = started.url;
    const call = async (method: string, p: string, body?: unknown) => {
      const res = await fetch(`${url}${p}`, { method, headers, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
      return { status: res.status, json: (await res.json()) as Record<string, unknown> };
    };
    const created = await call('POST', '/api/v1/workflows', {
      name: 'Pause then mail',
      isActive: true,
      trigger: { type: 'MANUAL', conditions: [] },
      steps: [
        { id: 'pause', name: 'Pause', type: 'WAIT', config: { seconds: 8 }, nextSteps: ['mail'] },
        { id: 'mail', name: 'Mail', type: 'SEND_EMAIL', config: { to: 'after.wait@timers.test', subject: 'After the pause', body: 'Hello' } },
      ],
    });
    expect(created.status, JSON.stringify(created.json)).toBe(201);
    const run = await call('POST', `/api/v1/workflows/${created.json.id as string}/execute`, { input: {} });
    expect(run.status, JSON.stringify(run.json)).toBeLessThan(300);
    const executionId = ((run.json.execution as { id?: string } | undefined)?.id ?? run.json.id) as string;
    expect(executionId).toMatch(/^[0-9a-f-]{36}$/);

    // parked on the WAIT, with its deadline
    const until = async (check: () => Promise<boolean>, what: string) => {
      const end = Date.now() + 120_000;
      while (!(await check())) {
        if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
        await new Promise((r) => setTimeout(r, 200));
      }
    };
    let wakeAt = 0;
    await until(async () => {
      const e = (await call('GET', `/api/v1/executions/${executionId}`)).json;
      wakeAt = e.wakeAt ? Date.parse(e.wakeAt as string) : 0;
      return e.status === 'waiting';
    }, 'the execution to park on its WAIT');
    expect(wakeAt).toBeGreaterThan(Date.now() - 8_000);
    await stopCrm(first, 'SIGTERM');
    proc = undefined;
    if (kind === 'postgres') {
      // the timer is a pg-boss job due at the WAIT's deadline, waiting while no crm runs
      const jobs = await jobOf(executionId);
      expect(jobs).toHaveLength(1);
      expect(jobs[0].start_after.getTime()).toBe(wakeAt);
      if (Date.now() < wakeAt) expect(jobs[0].state).toBe('created');
    }

    ({ url } = await startCrm(env(), { started: (p) => (proc = p) }));
    let finished: Record<string, unknown> = {};
    await until(async () => {
      finished = (await call('GET', `/api/v1/executions/${executionId}`)).json;
      return finished.status !== 'waiting' && finished.status !== 'running' && finished.status !== 'pending';
    }, 'the execution to finish after the restart');
    expect(finished.status).toBe('completed');
    // the mail step ran after the deadline, not before
    const detail = finished as { steps?: { stepId: string; status: string; startedAt: string }[] };
    const mailStep = detail.steps!.find((s) => s.stepId === 'mail')!;
    expect(mailStep.status).toBe('succeeded');
    expect(Date.parse(mailStep.startedAt)).toBeGreaterThanOrEqual(wakeAt);
    const mailbox = (await call('GET', '/api/v1/mailbox?to=after.wait@timers.test')).json as { data: { subject: string }[] };
    expect(mailbox.data.map((m) => m.subject)).toEqual(['After the pause']);
    if (kind === 'postgres') expect((await jobOf(executionId)).map((j) => j.state)).toEqual(['completed']);
    const health = (await (await fetch(`${url}/health`)).json()) as { checks: { services: { name: string; status: string }[] } };
    expect(health.checks.services.find((s) => s.name === 'workflow-engine')).toMatchObject({ status: 'running' });
    await stopCrm(proc!, 'SIGTERM');
    proc = undefined;
  });
});
