import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCrmCore, type CrmCore } from '../crm-core.ts';
import { silentLogger } from '../logger.ts';
import { createTenantFixture, openTestDatabase, testDbKinds, type TenantFixture, type TestDatabase } from '../testing/index.ts';
import { EXECUTIONS_QUEUED } from './workflow.service.ts';
import { createClaimLoopWaitTimers, createPgBossWaitTimers, WAIT_TIMER_QUEUE, type WaitTimers } from './wait-timers.ts';

/** WAIT timers on pg-boss: parked with the execution in one transaction, fired once across workers. */
describe.each(testDbKinds())('WAIT timers on %s', (kind) => {
  let t: TestDatabase;
  let core: CrmCore;
  let f: TenantFixture;
  let a: WaitTimers;
  let b: WaitTimers;

  beforeAll(async () => {
    t = await openTestDatabase(kind);
    core = createCrmCore({ db: t.db, logger: silentLogger(), knowledge: { indexInteractions: false } });
    f = await createTenantFixture(core);
    a = createPgBossWaitTimers(t.db, { logger: silentLogger() });
    b = createPgBossWaitTimers(t.db, { logger: silentLogger() });
  });
  afterAll(async () => {
    await a.stop();
    await b.stop();
    await core.outbox.stop();
    await t.drop();
  });

  /** A queued execution, leased by `workerId` as a worker's claim would. */
  async function leased(workerId: string): Promise<string> {
    const wf = await core.workflows.create(f.marketing, {
      name: `Timer ${workerId}`,
      trigger: { type: 'MANUAL', conditions: [] },
      steps: [{ id: 'pause', name: 'Pause', type: 'WAIT', config: { minutes: 5 } }],
    });
    const e = await core.workflows.execute(f.marketing, wf.id, {});
    await t.db.asWorker((c) => c.query(`UPDATE workflow_executions SET status = 'running', locked_by = $2, locked_until = now() + interval '1 minute' WHERE id = $1`, [e.id, workerId]));
    return e.id;
  }
  const row = async (id: string) =>
    (
      await t.db.asWorker((c) =>
        c.query<{ status: string; wait_timer: boolean; wake_at: Date; locked_by: string | null }>('SELECT status, wait_timer, wake_at, locked_by FROM workflow_executions WHERE id = $1', [id]),
      )
    ).rows[0];
  const jobs = async (id: string) =>
    (
      await t.db.asWorker((c) =>
        c.query<{ state: string; start_after: Date; data: { due: string } }>(`SELECT state, start_after, data FROM pgboss.job WHERE name = $1 AND data->>'executionId' = $2 ORDER BY created_on`, [WAIT_TIMER_QUEUE, id]),
      )
    ).rows;
  const park = (timers: WaitTimers, id: string, workerId: string, wakeAt: Date) => timers.park({ id, workerId }, wakeAt);
  const due = (id: string) => t.db.asWorker((c) => c.query(`UPDATE pgboss.job SET start_after = now() - interval '1 second' WHERE name = $1 AND data->>'executionId' = $2`, [WAIT_TIMER_QUEUE, id]));

  it('parks the execution and sends its job in one transaction; several workers fire it once; the claim loop never sees it early', async () => {
    const id = await leased('w1');
    const wakeAt = new Date(Date.now() + 5 * 60_000);
    expect(await park(a, id, 'w1', wakeAt)).toBe(true);
    expect(await row(id)).toMatchObject({ status: 'waiting', wait_timer: true, locked_by: null });
    expect((await row(id)).wake_at.getTime()).toBe(wakeAt.getTime());
    const [job] = await jobs(id);
    expect(job).toMatchObject({ state: 'created', data: { due: wakeAt.toISOString() } });
    expect(job.start_after.getTime()).toBe(wakeAt.getTime());
    // not due: nothing fires, and a claim skips the row even with its wake_at forced into the past
    expect(await a.fireDue()).toBe(0);
    await t.db.asWorker((c) => c.query(`UPDATE workflow_executions SET wake_at = now() - interval '1 second' WHERE id = $1`, [id]));
    expect((await t.db.asWorker((c) => c.query(`SELECT 1 FROM workflow_executions WHERE id = $1 AND NOT wait_timer AND wake_at <= now()`, [id]))).rowCount).toBe(0);
    await t.db.asWorker((c) => c.query('UPDATE workflow_executions SET wake_at = $2 WHERE id = $1', [id, wakeAt]));

    await due(id);
    let signals = 0;
    const count = () => signals++;
    t.db.events.on(EXECUTIONS_QUEUED, count);
    try {
      // three workers' timers at once (a fourth call joins a's round in progress)
      const c = createPgBossWaitTimers(t.db, { logger: silentLogger() });
      await c.ready();
      const fired = await Promise.all([a.fireDue(), b.fireDue(), c.fireDue()]).finally(() => c.stop());
      expect(fired.reduce((x, y) => x + y, 0)).toBe(1);
      expect(signals).toBeGreaterThanOrEqual(1);
    } finally {
      t.db.events.off(EXECUTIONS_QUEUED, count);
    }
    const after = await row(id);
    expect(after).toMatchObject({ status: 'waiting', wait_timer: false });
    expect(after.wake_at.getTime()).toBeLessThanOrEqual(Date.now());
    expect((await jobs(id)).map((j) => j.state)).toEqual(['completed']);
  });

  it('a worker that lost the lease parks nothing; its job can only wake the same WAIT at the same deadline', async () => {
    const id = await leased('w1');
    const wakeAt = new Date(Date.now() + 60_000);
    expect(await park(a, id, 'someone-else', wakeAt)).toBe(false);
    expect(await row(id)).toMatchObject({ status: 'running', wait_timer: false, locked_by: 'w1' });
    // its job is in, but fires nothing while the lease holder runs the execution
    expect((await jobs(id)).map((j) => j.state)).toEqual(['created']);
    await due(id);
    expect(await a.fireDue()).toBe(0);
    expect(await row(id)).toMatchObject({ status: 'running', locked_by: 'w1' });
  });

  it("an older job of the execution does not end a later, longer WAIT early", async () => {
    const id = await leased('w1');
    const first = new Date(Date.now() + 60_000);
    expect(await park(a, id, 'w1', first)).toBe(true);
    // resumed and parked again on a later WAIT (as a worker does after the first fired)
    await t.db.asWorker((c) => c.query(`UPDATE workflow_executions SET status = 'running', wait_timer = false, locked_by = 'w2' WHERE id = $1`, [id]));
    const second = new Date(Date.now() + 10 * 60_000);
    expect(await park(a, id, 'w2', second)).toBe(true);
    // only the first job comes due: it is completed without waking the execution
    await t.db.asWorker((c) => c.query(`UPDATE pgboss.job SET start_after = now() - interval '1 second' WHERE name = $1 AND data->>'due' = $2`, [WAIT_TIMER_QUEUE, first.toISOString()]));
    expect(await a.fireDue()).toBe(0);
    expect(await row(id)).toMatchObject({ status: 'waiting', wait_timer: true });
    expect((await jobs(id)).map((j) => j.state)).toEqual(['completed', 'created']);
    await due(id);
    expect(await a.fireDue()).toBe(1);
    expect(await row(id)).toMatchObject({ status: 'waiting', wait_timer: false });
  });

  it('the claim-loop timers keep the deadline on the row alone', async () => {
    const id = await leased('w1');
    const wakeAt = new Date(Date.now() + 60_000);
    expect(await park(createClaimLoopWaitTimers(t.db), id, 'w1', wakeAt)).toBe(true);
    expect(await row(id)).toMatchObject({ status: 'waiting', wait_timer: false });
    expect((await row(id)).wake_at.getTime()).toBe(wakeAt.getTime());
    expect(await jobs(id)).toEqual([]);
  });
});
