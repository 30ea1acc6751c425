import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createSmtpTransport, listMailbox, verifyWebhook, type WorkflowDefinitionInput } from '@crm/core';
import { createTenantFixture, openTestDatabase, startSmtpSink, testDbKinds, type TenantFixture, type TestDatabase } from '@crm/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openWorkflowEnv, type WorkflowEnv } from './testing/workflow-env.ts';

// a metadata address known only when the step runs (a placeholder, empty here): a literal one is
// refused already when the workflow is created active, so the run-time guard would never be reached
const BLOCKED_AT_RUN_TIME = 'http://169.254.169.254/latest{{input.suffix}}';

const SECRET = 'test-webhook-secret-0123456789';

/** A real HTTP receiver: records each request, verifies its signature, can fail the first N calls. */
function receiver() {
  const hits: { key: string; body: unknown; verified: boolean }[] = [];
  let failFirst = 0;
  const server = http.createServer((req, res) => {
    let raw = '';
    req.on('data', (c) => (raw += c));
    req.on('end', () => {
      let verified = true;
      try {
        verifyWebhook(SECRET, { timestamp: req.headers['x-crm-timestamp'] as string, signature: req.headers['x-crm-signature'] as string, body: raw });
      } catch {
        verified = false;
      }
      hits.push({ key: req.headers['idempotency-key'] as string, body: JSON.parse(raw), verified });
      res.statusCode = failFirst-- > 0 ? 500 : 200;
      res.end('{}');
    });
  });
  return {
    hits,
    failNext: (n: number) => (failFirst = n),
    url: () => `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`,
    listen: () => new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r())),
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

describe.each(testDbKinds())('workflow worker on %s', (kind) => {
  let t: TestDatabase;
  let env: WorkflowEnv;
  let f: TenantFixture;
  const hook = receiver();

  beforeAll(async () => {
    t = await openTestDatabase(kind);
    env = await openWorkflowEnv(t.db, { secret: SECRET });
    f = await createTenantFixture(env.core);
    await hook.listen();
  });
  afterAll(async () => {
    await hook.close();
    await env.close();
    await t.drop();
  });

  // effects act as the tenant admin until the system actor exists (the owner is a marketing manager)
  const worker = (o: Parameters<WorkflowEnv['worker']>[0] = {}) => env.worker({ effectActor: () => f.admin, ...o });
  const create = async (def: WorkflowDefinitionInput) => env.core.workflows.create(f.marketing, { ...def, isActive: true });

  it('runs the onboarding journey: contact → CUSTOMER starts New Customer Onboarding → email in the mailbox + task created', async () => {
    const wf = await env.core.workflows.installTemplate(f.marketing, 'new-customer-onboarding', { variables: { companyName: 'Acme' } });
    await env.core.workflows.setActive(f.marketing, wf.id, true);
    const jane = await env.core.contacts.create(f.manager, { firstName: 'Jane', lastName: 'Smith', email: 'jane.smith@prospect.com', company: 'ProspectCorp', assignedTo: f.rep.userId });
    await env.core.interactions.log(f.manager, { contactId: jane.id, type: 'PHONE_CALL', channel: 'PHONE', direction: 'OUTBOUND', content: 'Initial discovery call completed' });
    await env.core.contacts.changeStatus(f.manager, jane.id, { status: 'CUSTOMER' });
    await env.core.outbox.drain();
    expect(await worker().runDue()).toBe(1);

    const [exec] = await env.core.workflows.listExecutions(f.marketing, { workflowId: wf.id });
    expect(exec.error).toBeNull();
    expect(exec).toMatchObject({ status: 'waiting', contactId: jane.id, triggerType: 'CONTACT_STATUS_CHANGED' });
    expect(exec.wakeAt!.getTime()).toBeGreaterThan(Date.now() + 6 * 86_400_000);
    const mail = await listMailbox(t.db, f.marketing, { to: 'jane.smith@prospect.com' });
    expect(mail).toHaveLength(1);
    expect(mail[0]).toMatchObject({ subject: 'Welcome aboard, Jane!', executionId: exec.id });
    expect(mail[0].body).toContain('Welcome to Acme');
    const tasks = await env.core.followUps.list(f.manager, { contactId: jane.id, scope: 'all' });
    expect(tasks.map((x) => x.title)).toEqual(['Kickoff call with Jane Smith']);
    expect(tasks[0].ownerId).toBe(f.rep.userId);
    const detail = await env.core.workflows.getExecution(f.marketing, exec.id);
    expect(detail.steps!.map((s) => [s.stepId, s.status])).toEqual([
      ['welcome', 'succeeded'],
      ['kickoff-task', 'succeeded'],
      ['wait-week', 'succeeded'],
    ]);
  });

  it.each(['pg-boss', 'claim-loop'] as const)('resumes a WAIT (timers: %s) in a new worker (a restart) and finishes on the version it started with', async (timers) => {
    const wf = await create({
      name: `Wait then mail (${timers})`,
      trigger: { type: 'MANUAL', conditions: [] },
      steps: [
        { id: 'pause', name: 'Pause', type: 'WAIT', config: { minutes: 10 }, nextSteps: ['mail'] },
        { id: 'mail', name: 'Mail', type: 'SEND_EMAIL', config: { to: '{{input.to}}', subject: 'v1 after wait', body: 'x' } },
      ],
    });
    const to = `wait-${timers}@x.io`;
    const exec = await env.core.workflows.execute(f.marketing, wf.id, { input: { to } });
    await worker({ waitTimers: timers }).runDue();
    expect((await env.core.workflows.getExecution(f.marketing, exec.id)).status).toBe('waiting');
    await env.core.workflows.update(f.marketing, wf.id, { name: 'Wait then mail', trigger: { type: 'MANUAL', conditions: [] }, steps: [{ id: 'only', name: 'x', type: 'WAIT', config: { seconds: 1 } }] });
    const parked = await env.core.workflows.getExecution(f.marketing, exec.id);
    expect(parked.wakeAt!.getTime()).toBeGreaterThan(Date.now() + 9 * 60_000);
    expect(await worker({ waitTimers: timers }).runDue()).toBe(0); // not due yet
    const row = async () =>
      (await t.db.asWorker((c) => c.query<{ wait_timer: boolean; wake_at: Date }>('SELECT wait_timer, wake_at FROM workflow_executions WHERE id = $1', [exec.id]))).rows[0];
    if (timers === 'pg-boss') {
      // the timer is a pg-boss job due at the WAIT's deadline, and the claim loop leaves the row alone
      expect((await row()).wait_timer).toBe(true);
      const { rows: jobs } = await t.db.asWorker((c) =>
        c.query<{ start_after: Date; state: string }>(`SELECT start_after, state FROM pgboss.job WHERE name = 'workflow-wait' AND data->>'executionId' = $1`, [exec.id]),
      );
      expect(jobs).toHaveLength(1);
      expect(jobs[0]).toMatchObject({ state: 'created' });
      expect(jobs[0].start_after.getTime()).toBe(parked.wakeAt!.getTime());
      // a due wake_at alone does not resume it: only the job does
      await t.db.asWorker((c) => c.query(`UPDATE workflow_executions SET wake_at = now() - interval '1 second' WHERE id = $1`, [exec.id]));
      expect(await worker({ waitTimers: timers }).runDue()).toBe(0);
      await t.db.asWorker((c) => c.query('UPDATE workflow_executions SET wake_at = $2 WHERE id = $1', [exec.id, parked.wakeAt]));
      // ten minutes pass: the job is due (and the WAIT's deadline too, for the resumed graph)
      await t.db.asWorker((c) => c.query(`UPDATE pgboss.job SET start_after = now() - interval '1 second' WHERE name = 'workflow-wait' AND data->>'executionId' = $1`, [exec.id]));
    } else {
      expect((await row()).wait_timer).toBe(false);
      // ten minutes pass: the timer is due
      await t.db.asWorker((c) => c.query('UPDATE workflow_executions SET wake_at = now() WHERE id = $1', [exec.id]));
    }
    const restarted = await openWorkflowEnv(t.db);
    try {
      expect(await restarted.worker({ effectActor: () => f.admin, waitTimers: timers }).runDue()).toBe(1);
    } finally {
      await restarted.close();
    }
    const done = await env.core.workflows.getExecution(f.marketing, exec.id);
    expect(done).toMatchObject({ status: 'completed', version: 1 });
    expect((await listMailbox(t.db, f.marketing, { to })).map((m) => m.subject)).toEqual(['v1 after wait']);
    if (timers === 'pg-boss') {
      const { rows } = await t.db.asWorker((c) => c.query<{ state: string }>(`SELECT state FROM pgboss.job WHERE name = 'workflow-wait' AND data->>'executionId' = $1`, [exec.id]));
      expect(rows.map((r) => r.state)).toEqual(['completed']);
    }
  });

  it('calls a signed webhook, retrying with backoff, and branches with the AI decision rule fallback', async () => {
    hook.failNext(2);
    const wf = await create({
      name: 'Hook',
      trigger: { type: 'MANUAL', conditions: [] },
      steps: [
        { id: 'hook', name: 'Hook', type: 'WEBHOOK_CALL', config: { url: hook.url(), body: { who: '{{contact.email}}' } }, nextSteps: ['decide'], onError: { strategy: 'retry', maxRetries: 3, backoffMs: 10 } },
        {
          id: 'decide',
          name: 'Decide',
          type: 'AI_DECISION',
          config: {
            question: 'Hot?',
            branches: [
              { stepId: 'hot', description: 'hot' },
              { stepId: 'cold', description: 'cold' },
            ],
            fallback: { rules: [{ when: [{ field: 'contact.leadScore', operator: 'gte', value: 60 }], goTo: 'hot' }], default: 'cold' },
          },
          nextSteps: ['hot', 'cold'],
        },
        { id: 'hot', name: 'Hot', type: 'UPDATE_CONTACT', config: { status: 'PROSPECT', position: 'Hot lead' } },
        { id: 'cold', name: 'Cold', type: 'ASSIGN_USER', config: { userIds: [f.otherRep.userId] } },
      ],
    });
    const hot = await env.core.contacts.create(f.manager, { firstName: 'H', lastName: 'L', email: 'hot@x.io', leadScore: 75 });
    const exec = await env.core.workflows.execute(f.marketing, wf.id, { contactId: hot.id });
    await worker().runDue();
    const done = await env.core.workflows.getExecution(f.marketing, exec.id);
    expect(done.status).toBe('completed');
    expect(done.steps!.map((s) => `${s.stepId}:${s.attempt}:${s.status}`)).toEqual(['hook:1:failed', 'hook:2:failed', 'hook:3:succeeded', 'decide:1:succeeded', 'hot:1:succeeded']);
    expect((done.steps![3].output as { decidedBy: string; reason: string }).reason).toContain('no language model configured');
    expect(hook.hits.filter((h) => h.key === `${exec.id}:hook`)).toHaveLength(3);
    expect(hook.hits.every((h) => h.verified)).toBe(true);
    expect(hook.hits.at(-1)!.body).toEqual({ who: 'hot@x.io' });
    expect(await env.core.contacts.get(f.manager, hot.id)).toMatchObject({ status: 'PROSPECT', position: 'Hot lead' });
  });

  it('fails a step for good: execution failed, owner notified, workflow.failed emitted; skip and goto continue', async () => {
    const failing = (onError: Record<string, unknown>) =>
      create({
        name: 'Fails',
        trigger: { type: 'MANUAL', conditions: [] },
        steps: [
          { id: 'bad', name: 'Blocked hook', type: 'WEBHOOK_CALL', config: { url: BLOCKED_AT_RUN_TIME }, nextSteps: ['after'], onError },
          { id: 'after', name: 'After', type: 'SEND_EMAIL', config: { to: 'after@x.io', subject: 'after', body: 'x' }, nextSteps: [] },
          { id: 'rescue', name: 'Rescue', type: 'SEND_EMAIL', config: { to: 'rescue@x.io', subject: 'rescue', body: 'x' } },
        ],
      });
    // 'rescue' is reachable only through the error handler's goto
    const fail = await failing({ strategy: 'fail', gotoStep: 'rescue' });
    const skip = await failing({ strategy: 'skip', gotoStep: 'rescue' });
    const jump = await failing({ strategy: 'goto', gotoStep: 'rescue' });
    const runs = await Promise.all([fail, skip, jump].map((w) => env.core.workflows.execute(f.marketing, w.id)));
    await worker().runDue();
    const [e1, e2, e3] = await Promise.all(runs.map((r) => env.core.workflows.getExecution(f.marketing, r.id)));
    expect(e1).toMatchObject({ status: 'failed' });
    expect(e1.error).toContain('step "bad" failed');
    expect(e1.error).toContain('non-public address');
    expect(e2.status).toBe('completed');
    expect(e3.status).toBe('completed');
    const ownerEmail = (await t.db.asWorker((c) => c.query<{ email: string }>('SELECT email FROM users WHERE id = $1', [f.marketing.userId]))).rows[0].email;
    const notices = await listMailbox(t.db, f.marketing, { to: ownerEmail });
    expect(notices.map((m) => m.subject)).toEqual(['Workflow "Fails" failed at step "bad"']);
    expect((await listMailbox(t.db, f.marketing, { to: 'after@x.io' })).filter((m) => m.executionId === e2.id)).toHaveLength(1);
    expect((await listMailbox(t.db, f.marketing, { to: 'rescue@x.io' })).map((m) => m.executionId)).toEqual([e3.id]);
    const failedEvents = await t.db.asWorker(async (c) => (await c.query(`SELECT payload FROM outbox_events WHERE type = 'workflow.failed'`)).rows);
    expect(failedEvents.map((r) => r.payload.executionId)).toEqual([e1.id]);
  });

  it('does not retry a step refused for a reason a retry cannot change (a blocked address, no contact): one attempt, then onError', async () => {
    const wf = await create({
      name: 'Refused',
      trigger: { type: 'MANUAL', conditions: [] },
      steps: [
        { id: 'hook', name: 'Blocked hook', type: 'WEBHOOK_CALL', config: { url: BLOCKED_AT_RUN_TIME }, nextSteps: ['task'], onError: { strategy: 'retry', maxRetries: 3, backoffMs: 10, then: 'skip' } },
        { id: 'task', name: 'Task', type: 'CREATE_TASK', config: { title: 'x' }, nextSteps: [], onError: { strategy: 'retry', maxRetries: 3, backoffMs: 10 } },
      ],
    });
    const run = await env.core.workflows.execute(f.marketing, wf.id);
    await worker().runDue();
    const done = await env.core.workflows.getExecution(f.marketing, run.id);
    expect(done.status).toBe('failed');
    expect(done.error).toContain('needs a contact');
    expect(done.steps!.map((s) => `${s.stepId}:${s.attempt}:${s.status}`)).toEqual(['hook:1:failed', 'task:1:failed']);
  });

  it('two workers never run the same execution twice', async () => {
    const wf = await create({
      name: 'Fan',
      trigger: { type: 'MANUAL', conditions: [] },
      steps: [{ id: 'mail', name: 'Mail', type: 'SEND_EMAIL', config: { to: 'fan@x.io', subject: 'n={{input.n}}', body: 'x' } }],
    });
    for (let n = 0; n < 12; n++) await env.core.workflows.execute(f.marketing, wf.id, { input: { n } });
    const [a, b] = await Promise.all([worker({ concurrency: 3 }).runDue(), worker({ concurrency: 3 }).runDue()]);
    expect(a + b).toBe(12);
    const attempts = await t.db.asWorker(async (c) =>
      (await c.query(`SELECT a.execution_id, count(*)::int AS n FROM workflow_step_attempts a JOIN workflow_executions e ON e.id = a.execution_id WHERE e.workflow_id = $1 GROUP BY 1`, [wf.id])).rows,
    );
    expect(attempts).toHaveLength(12);
    expect(attempts.every((r) => r.n === 1)).toBe(true);
    expect(await listMailbox(t.db, f.marketing, { to: 'fan@x.io' })).toHaveLength(12);
  });

  it('delivers SEND_EMAIL over real SMTP with a stable Message-ID', async () => {
    const smtp = await startSmtpSink();
    const { received } = smtp;
    const transport = createSmtpTransport(smtp.url);
    try {
      const wf = await create({
        name: 'SMTP',
        trigger: { type: 'MANUAL', conditions: [] },
        steps: [{ id: 'mail', name: 'Mail', type: 'SEND_EMAIL', config: { subject: 'Hello {{contact.firstName}}', body: 'Hi {{contact.firstName}} from {{contact.company}}' } }],
      });
      const c = await env.core.contacts.create(f.manager, { firstName: 'Sam', lastName: 'T', email: 'sam@smtp.test', company: 'Mailco' });
      const exec = await env.core.workflows.execute(f.marketing, wf.id, { contactId: c.id });
      await worker({ mail: transport }).runDue();
      expect((await env.core.workflows.getExecution(f.marketing, exec.id)).status).toBe('completed');
      expect(received).toHaveLength(1);
      expect(received[0]).toMatch(/Subject: Hello Sam/);
      expect(received[0]).toContain('Hi Sam from Mailco');
      expect(received[0]).toContain(`X-Idempotency-Key: ${exec.id}:mail`);
    } finally {
      transport.close();
      await smtp.close();
    }
  });
});
