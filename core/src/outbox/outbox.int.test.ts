import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createCrmCore, type CrmCore } from '../crm-core.ts';
import { inTenantTx } from '../db/tenant-tx.ts';
import { silentLogger } from '../logger.ts';
import { createTenantFixture, openTestDatabase, testDbKinds, type TenantFixture, type TestDatabase } from '../testing/index.ts';
import type { OutboxEvent } from './outbox.schema.ts';
import { writeEvent } from './outbox.writer.ts';

describe.each(testDbKinds())('transactional outbox on %s', (kind) => {
  let t: TestDatabase;
  let core: CrmCore;
  let f: TenantFixture;
  let seen: OutboxEvent[] = [];

  beforeAll(async () => {
    t = await openTestDatabase(kind);
    core = createCrmCore({ db: t.db, logger: silentLogger(), outbox: { pollMs: 50 } });
    f = await createTenantFixture(core);
    core.outbox.subscribe({ consumer: 'test', handler: (e) => void seen.push(e) });
    await core.outbox.drain();
  });
  beforeEach(() => {
    seen = [];
  });
  afterAll(async () => {
    await core.outbox.stop();
    await t.drop();
  });

  it('emits exactly one event per committed change, in order', async () => {
    const c = await core.contacts.create(f.manager, { firstName: 'E', lastName: 'V', email: 'ev@x.io' });
    await core.contacts.update(f.manager, c.id, { company: 'EvCo' });
    await core.contacts.changeStatus(f.manager, c.id, { status: 'PROSPECT' });
    await core.interactions.log(f.manager, { contactId: c.id, type: 'EMAIL', channel: 'EMAIL', direction: 'INBOUND', content: 'hi' });
    await core.outbox.drain();
    expect(seen.map((e) => e.type)).toEqual(['contact.created', 'contact.updated', 'contact.status_changed', 'interaction.logged']);
    expect(seen.every((e) => e.tenantId === f.tenantId && e.aggregateId === c.id)).toBe(true);
    expect(seen[2].payload).toMatchObject({ from: 'LEAD', to: 'PROSPECT' });
    await core.outbox.drain();
    expect(seen).toHaveLength(4);
  });

  it('emits nothing for a rolled-back change or a rejected one', async () => {
    await expect(
      inTenantTx(t.db, f.manager, async (em) => {
        await writeEvent(em, f.manager, 'contact.created', { type: 'contact', id: null }, {});
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    await core.contacts.create(f.manager, { firstName: 'E', lastName: 'V', email: 'bad' }).catch(() => {});
    await core.outbox.drain();
    expect(seen).toEqual([]);
  });

  it('redelivers after a failing handler and dedupes what a consumer already processed', async () => {
    let failures = 1;
    const got: string[] = [];
    const unsubscribe = core.outbox.subscribe({
      consumer: 'flaky',
      types: ['contact.*'],
      handler: (e) => {
        if (failures-- > 0) throw new Error('transient');
        got.push(e.id);
      },
    });
    await core.contacts.create(f.manager, { firstName: 'R', lastName: 'D', email: 'rd@x.io' });
    await core.outbox.drain();
    expect(got).toEqual([]);
    expect(seen).toHaveLength(1); // the healthy consumer got it once
    const eventId = seen[0].id;
    const recorded = async () =>
      (await t.db.asWorker((c) => c.query<{ consumer: string }>('SELECT consumer FROM processed_events WHERE event_id = $1 ORDER BY consumer', [eventId]))).rows.map(
        (r) => r.consumer,
      );
    // only the consumer that succeeded beside a failing one is recorded
    expect(await recorded()).toEqual(['test']);
    // make the backed-off event due again, as time passing would
    await t.db.asWorker((c) => c.query('UPDATE outbox_events SET locked_until = NULL WHERE dispatched_at IS NULL'));
    await core.outbox.drain();
    expect(got).toHaveLength(1);
    expect(seen).toHaveLength(1); // not delivered twice to the consumer that had it
    // a crash after that delivery but before its outcome was written: the row is as the failure left
    // it, so the event comes round again to the consumer whose success was not recorded (at least
    // once), never to the one recorded before
    await t.db.asWorker((c) =>
      c.query(`UPDATE outbox_events SET dispatched_at = NULL, locked_until = NULL, last_error = 'flaky: transient' WHERE id = $1`, [eventId]),
    );
    await core.outbox.drain();
    expect(got).toEqual([eventId, eventId]);
    expect(seen).toHaveLength(1);
    unsubscribe();
  });

  it('writes no per-consumer record for an event every consumer handled', async () => {
    const c = await core.contacts.create(f.manager, { firstName: 'N', lastName: 'R', email: 'nr@x.io' });
    await core.outbox.drain();
    expect(seen.map((e) => e.aggregateId)).toEqual([c.id]);
    const rows = await t.db.asWorker((q) =>
      q.query<{ n: number; dispatched: number }>(
        `SELECT (SELECT count(*)::int FROM processed_events WHERE event_id = $1) AS n,
                (SELECT count(*)::int FROM outbox_events WHERE id = $1 AND dispatched_at IS NOT NULL) AS dispatched`,
        [seen[0].id],
      ),
    );
    expect(rows.rows[0]).toEqual({ n: 0, dispatched: 1 });
    await core.outbox.drain();
    expect(seen).toHaveLength(1);
  });

  it('parks an event that exhausted its attempts as failed, and replays it on retry', async () => {
    await core.outbox.drain();
    let broken = true;
    const got: string[] = [];
    const unsubscribe = core.outbox.subscribe({
      consumer: 'fragile',
      types: ['contact.created'],
      handler: (e) => {
        if (broken) throw new Error('mail server down');
        got.push(e.id);
      },
    });
    const c = await core.contacts.create(f.manager, { firstName: 'Dead', lastName: 'Letter', email: 'dl@x.io' });
    for (let i = 0; i < 10; i++) {
      await core.outbox.drain();
      await t.db.asWorker((q) => q.query('UPDATE outbox_events SET locked_until = NULL WHERE dispatched_at IS NULL'));
    }
    const dead = await core.outbox.failed({ tenantId: f.manager.tenantId });
    expect(dead).toHaveLength(1);
    expect(dead[0]).toMatchObject({ type: 'contact.created', aggregateId: c.id, attempts: 10, tenantId: f.manager.tenantId });
    expect(dead[0].lastError).toContain('fragile: mail server down');
    expect(await core.outbox.failed({ tenantId: '00000000-0000-4000-8000-000000000000' })).toEqual([]);
    // nothing else is parked, and an id that is not a failed event is not requeued
    expect(await core.outbox.retry({ ids: ['00000000-0000-4000-8000-000000000000'] })).toEqual([]);
    await core.outbox.drain();
    expect(got).toEqual([]);
    broken = false;
    expect(await core.outbox.retry({ ids: [dead[0].id] })).toEqual([dead[0].id]);
    await core.outbox.drain();
    expect(got).toEqual([dead[0].id]);
    expect(await core.outbox.failed()).toEqual([]);
    unsubscribe();
  });

  it('wakes the running dispatcher on commit', async () => {
    await core.outbox.start();
    const arrived = new Promise<OutboxEvent>((resolve) => {
      const off = core.outbox.subscribe({ consumer: 'waiter', types: ['contact.created'], handler: (e) => (off(), resolve(e)) });
    });
    const c = await core.contacts.create(f.manager, { firstName: 'W', lastName: 'K', email: 'wk@x.io' });
    expect((await arrived).aggregateId).toBe(c.id);
    await core.outbox.stop();
  });
});
