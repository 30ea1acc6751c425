import { spawn, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createCrmCore, listMailbox, silentLogger, type CrmCore } from '@crm/core';
import { createTenantFixture, openTestDatabase, testDbKinds, type TenantFixture, type TestDatabase } from '@crm/core/testing';
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';

const WORKER = path.join(path.dirname(fileURLToPath(import.meta.url)), 'testing', 'worker-process.ts');
const N = 8;

function startWorker(url: string, f: TenantFixture): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', WORKER, JSON.stringify({ url, actor: f.admin, leaseMs: 1500 })], { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => d.toString().includes('ready') && resolve(child));
    child.on('exit', (code) => reject(new Error(`worker exited early (${code})`)));
  });
}

const until = async (check: () => Promise<boolean>, ms: number, what: string) => {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
};

describe.each(testDbKinds())('crash safety on %s', (kind) => {
  let t: TestDatabase;
  let core: CrmCore;
  let f: TenantFixture;
  const hits: string[] = [];
  // a slow receiver widens the window in which a kill lands inside a step
  const hook = http.createServer((req, res) => {
    hits.push(req.headers['idempotency-key'] as string);
    req.resume();
    setTimeout(() => res.end('{}'), 40);
  });

  beforeAll(async () => {
    t = await openTestDatabase(kind);
    core = createCrmCore({ db: t.db, logger: silentLogger(), knowledge: { indexInteractions: false }, workflowWebhookAllowHosts: ['127.0.0.1'] });
    f = await createTenantFixture(core);
    await new Promise<void>((r) => hook.listen(0, '127.0.0.1', () => r()));
  });
  afterAll(async () => {
    await new Promise<void>((r) => hook.close(() => r()));
    await core.outbox.stop();
    await t.drop();
  });

  it('a worker SIGKILLed mid-execution and a new one finish every execution with every effect once', async () => {
    const url = `http://127.0.0.1:${(hook.address() as AddressInfo).port}/hook`;
    const wf = await core.workflows.create(f.marketing, {
      name: 'Crash',
      isActive: true,
      trigger: { type: 'MANUAL', conditions: [] },
      steps: [
        { id: 'mail', name: 'Mail', type: 'SEND_EMAIL', config: { subject: 'first {{contact.firstName}}', body: 'x' }, nextSteps: ['hook'] },
        { id: 'hook', name: 'Hook', type: 'WEBHOOK_CALL', config: { url }, nextSteps: ['task'] },
        { id: 'task', name: 'Task', type: 'CREATE_TASK', config: { title: 'Call {{contact.firstName}}' }, nextSteps: ['pause'] },
        { id: 'pause', name: 'Pause', type: 'WAIT', config: { seconds: 1 }, nextSteps: ['mail2'] },
        { id: 'mail2', name: 'Mail 2', type: 'SEND_EMAIL', config: { subject: 'second {{contact.firstName}}', body: 'x' } },
      ],
    });
    const contacts = [];
    for (let i = 0; i < N; i++) {
      const c = await core.contacts.create(f.manager, { firstName: `C${i}`, lastName: 'K', email: `c${i}@crash.test` });
      contacts.push(c);
      await core.workflows.execute(f.marketing, wf.id, { contactId: c.id });
    }
    const first = await startWorker(t.db.url, f);
    await until(async () => hits.length >= 2, 120_000, 'the first webhook calls');
    first.kill('SIGKILL');
    const killedAfter = hits.length;
    const second = await startWorker(t.db.url, f);
    try {
      await until(async () => (await core.workflows.listExecutions(f.marketing, { workflowId: wf.id, status: 'completed' })).length === N, 180_000, 'all executions to complete');
    } finally {
      second.kill('SIGTERM');
    }
    expect(killedAfter).toBeLessThan(N); // the kill landed with work left to do
    const mail = await listMailbox(t.db, f.marketing, { limit: 500 });
    onTestFailed(async () => {
      // what happened, for a failure seen only under CI load
      const attempts = await t.db.asWorker(async (c) => (await c.query(`SELECT execution_id, step_id, attempt, status, error FROM workflow_step_attempts ORDER BY started_at`)).rows);
      const effects = await t.db.asWorker(async (c) => (await c.query(`SELECT idempotency_key, status FROM workflow_effects ORDER BY idempotency_key`)).rows);
      console.error(JSON.stringify({ killedAfter, subjects: mail.map((m) => m.subject).sort(), hits, attempts, effects }, null, 1));
    });
    for (const c of contacts) {
      expect(mail.filter((m) => m.subject === `first ${c.firstName}`)).toHaveLength(1);
      expect(mail.filter((m) => m.subject === `second ${c.firstName}`)).toHaveLength(1);
      const tasks = await core.followUps.list(f.manager, { contactId: c.id, scope: 'all' });
      expect(tasks).toHaveLength(1);
    }
    // webhooks carry the execution:step key; a call cut off by the kill may be resent with the same key
    const keys = new Set(hits);
    expect(keys.size).toBe(N);
    expect(hits.length - keys.size).toBeLessThanOrEqual(4); // at most one resend per execution in flight (concurrency 4)
    const ledger = await t.db.asWorker(async (c) => (await c.query(`SELECT count(*)::int AS n FROM workflow_effects WHERE status = 'done'`)).rows[0].n);
    expect(ledger).toBe(N * 4);
  }, 420_000);
});
