import { AppError, listMailbox } from '@crm/core';
import { createTenantFixture, openTestDatabase, testDbKinds, type TenantFixture, type TestDatabase } from '@crm/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openWorkflowEnv, type WorkflowEnv } from './testing/workflow-env.ts';

// a metadata address known only when the step runs (a placeholder, empty here): a literal one is
// refused already when the workflow is created active, so the run-time guard would never be reached
const BLOCKED_AT_RUN_TIME = 'http://169.254.169.254/latest{{input.suffix}}';

describe.each(testDbKinds())('manual completion of a failed step on %s', (kind) => {
  let t: TestDatabase;
  let env: WorkflowEnv;
  let f: TenantFixture;

  beforeAll(async () => {
    t = await openTestDatabase(kind);
    env = await openWorkflowEnv(t.db);
    f = await createTenantFixture(env.core);
  });
  afterAll(async () => {
    await env.close();
    await t.drop();
  });

  const rejects = async (p: Promise<unknown>) => {
    const err = await p.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(AppError);
    return err as AppError;
  };

  it('records the step as done by hand, audited, and the execution continues with the next step without redoing the effect', async () => {
    const wf = await env.core.workflows.create(f.marketing, {
      name: 'Partner hook',
      isActive: true,
      trigger: { type: 'MANUAL', conditions: [] },
      steps: [
        { id: 'hello', name: 'Hello', type: 'SEND_EMAIL', config: { to: 'first@x.io', subject: 'hello', body: 'x' }, nextSteps: ['hook'] },
        // the metadata address is refused by the SSRF guard: the step fails for good
        { id: 'hook', name: 'Partner hook', type: 'WEBHOOK_CALL', config: { url: BLOCKED_AT_RUN_TIME }, nextSteps: ['after'], onError: { strategy: 'fail' } },
        { id: 'after', name: 'After', type: 'SEND_EMAIL', config: { to: 'after@x.io', subject: 'ticket {{steps.hook.ticket}}', body: 'x' } },
      ],
    });
    const exec = await env.core.workflows.execute(f.marketing, wf.id);
    const worker = env.worker({ effectActor: () => f.admin });
    await worker.runDue();
    expect(await env.core.workflows.getExecution(f.marketing, exec.id)).toMatchObject({ status: 'failed' });

    // bad input is refused with the field and the reason
    const wrongStep = await rejects(env.core.workflows.completeStep(f.marketing, exec.id, 'hello'));
    expect(wrongStep.code).toBe('VALIDATION_FAILED');
    expect(JSON.stringify(wrongStep.details)).toContain('the failed step of this execution is \\"hook\\"');
    expect((await rejects(env.core.workflows.completeStep(f.marketing, 'nope', 'hook'))).code).toBe('VALIDATION_FAILED');
    expect((await rejects(env.core.workflows.completeStep(f.rep, exec.id, 'hook'))).code).toBe('PERMISSION_DENIED');

    const queued = await env.core.workflows.completeStep(f.marketing, exec.id, 'hook', { ticket: 'T-42' });
    expect(queued).toMatchObject({ status: 'pending', error: null });
    // completing twice is a conflict: it is no longer failed
    expect((await rejects(env.core.workflows.completeStep(f.marketing, exec.id, 'hook'))).code).toBe('CONFLICT');

    expect(await worker.runDue()).toBe(1);
    const done = await env.core.workflows.getExecution(f.marketing, exec.id);
    expect(done.status).toBe('completed');
    expect(done.steps!.map((s) => `${s.stepId}:${s.attempt}:${s.status}`)).toEqual(['hello:1:succeeded', 'hook:1:failed', 'hook:2:succeeded', 'after:1:succeeded']);
    expect(done.steps![2].output).toEqual({ ticket: 'T-42', completedBy: f.marketing.userId });
    // the later step saw the hand-made output; the earlier mail was not sent again
    expect((await listMailbox(t.db, f.marketing, { to: 'after@x.io' })).map((m) => m.subject)).toEqual(['ticket T-42']);
    expect(await listMailbox(t.db, f.marketing, { to: 'first@x.io' })).toHaveLength(1);

    const owner = await t.db.connect();
    const audit = await owner
      .query(`SELECT actor_id, diff FROM audit_log WHERE action = 'workflow.step_completed' AND entity_id = $1`, [exec.id])
      .then((r) => r.rows)
      .finally(() => owner.release());
    expect(audit).toHaveLength(1);
    expect(audit[0].actor_id).toBe(f.marketing.userId);
    expect(audit[0].diff.after).toMatchObject({ stepId: 'hook', output: { ticket: 'T-42' } });
  });
});
