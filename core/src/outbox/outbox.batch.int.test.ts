import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCrmCore, type CrmCore } from '../crm-core.ts';
import type { Database } from '../db/database.ts';
import { silentLogger } from '../logger.ts';
import { createTenantFixture, openTestDatabase, testDbKinds, type TenantFixture, type TestDatabase } from '../testing/index.ts';
import { createOutboxDispatcher } from './outbox.dispatcher.ts';
import type { OutboxEvent } from './outbox.schema.ts';

/** `count` events of `type` spread round-robin over `aggregates`, committed in one statement. */
async function insertEvents(db: Database, tenantId: string, type: string, count: number, aggregates: string[]): Promise<void> {
  await db.asWorker((c) =>
    c.query(
      `INSERT INTO outbox_events (id, tenant_id, type, aggregate_type, aggregate_id, payload)
       SELECT gen_random_uuid(), $1, $2, 'contact', ($3::uuid[])[1 + (i % cardinality($3::uuid[]))], jsonb_build_object('i', i)
       FROM generate_series(0, $4 - 1) AS i`,
      [tenantId, type, aggregates, count],
    ),
  );
}

const state = (db: Database, type: string) =>
  db.asWorker(async (c) => (await c.query<{ i: number; dispatched: boolean; attempts: number; last_error: string | null }>(
    `SELECT (payload->>'i')::int AS i, dispatched_at IS NOT NULL AS dispatched, attempts, last_error FROM outbox_events WHERE type = $1 ORDER BY seq`,
    [type],
  )).rows);
const release = (db: Database, type: string) => db.asWorker((c) => c.query('UPDATE outbox_events SET locked_until = NULL WHERE type = $1 AND dispatched_at IS NULL', [type]));
const ids = (n: number) => Array.from({ length: n }, () => randomUUID());

describe.each(testDbKinds())('outbox batch delivery (Subscription.handleBatch) on %s', (kind) => {
  let t: TestDatabase;
  let core: CrmCore;
  let a: TenantFixture;
  let b: TenantFixture;
  const log = silentLogger();

  beforeAll(async () => {
    t = await openTestDatabase(kind);
    core = createCrmCore({ db: t.db, logger: log });
    a = await createTenantFixture(core);
    b = await createTenantFixture(core);
    await core.outbox.drain();
  });
  afterAll(async () => {
    await core.outbox.stop();
    await t.drop();
  });

  it('hands a batch consumer every matching event of the claimed batch in one call, in commit order, across tenants', async () => {
    const type = `batch.one.${kind}`;
    await insertEvents(t.db, a.tenantId, type, 40, ids(5));
    await insertEvents(t.db, b.tenantId, type, 10, ids(2));
    await insertEvents(t.db, a.tenantId, `${type}.other`, 3, ids(1));
    const calls: OutboxEvent[][] = [];
    const single: OutboxEvent[] = [];
    const d = createOutboxDispatcher(t.db, log, { batchSize: 500 });
    d.subscribe({ consumer: 'batcher', types: [type], handler: (e) => void single.push(e), handleBatch: async (events) => void calls.push(events) });
    const perEvent: OutboxEvent[] = [];
    d.subscribe({ consumer: 'plain', types: [type], handler: (e) => void perEvent.push(e) });
    expect(await d.drain()).toBe(53);
    expect(calls).toHaveLength(1);
    expect(calls[0]).toHaveLength(50);
    expect(new Set(calls[0].map((e) => e.tenantId))).toEqual(new Set([a.tenantId, b.tenantId]));
    expect(calls[0].map((e) => e.seq)).toEqual([...calls[0].map((e) => e.seq)].sort((x, y) => x - y));
    // the batch consumer's per-event handler is not called; a per-event consumer still sees each
    expect(single).toEqual([]);
    expect(perEvent).toHaveLength(50);
    expect((await state(t.db, type)).every((r) => r.dispatched)).toBe(true);
  });

  it('a failing batch falls back to one event at a time: a poison event fails and backs off alone', async () => {
    const type = `batch.poison.${kind}`;
    const [poisoned, other] = ids(2);
    await insertEvents(t.db, a.tenantId, type, 6, [poisoned, other]);
    const handled: number[] = [];
    let batches = 0;
    const d = createOutboxDispatcher(t.db, log);
    d.subscribe({
      consumer: 'fragile',
      types: [type],
      handler: (e) => {
        if (e.payload.i === 2) throw new Error('poison at 2');
        handled.push(e.payload.i as number);
      },
      handleBatch: async (events) => {
        batches++;
        if (events.some((e) => e.payload.i === 2)) throw new Error('one bad event in the batch');
      },
    });
    await d.drain();
    expect(batches).toBe(1);
    // 0, 2, 4 are the poisoned contact's: 2 fails, 4 waits behind it; 1, 3, 5 go through
    expect(handled.sort()).toEqual([0, 1, 3, 5]);
    const rows = await state(t.db, type);
    expect(rows.filter((r) => !r.dispatched).map((r) => r.i)).toEqual([2, 4]);
    expect(rows.find((r) => r.i === 2)!.last_error).toContain('poison at 2');
    expect(rows.find((r) => r.i === 4)!.last_error).toBeNull();
  });

  it("records what a batch consumer handled beside a failing consumer, so the retry does not hand it the events again", async () => {
    const type = `batch.partial.${kind}`;
    const [stuck, free] = ids(2);
    await insertEvents(t.db, a.tenantId, type, 4, [stuck, free]);
    const batchSeen: number[] = [];
    let fail = true;
    const plainSeen: number[] = [];
    const d = createOutboxDispatcher(t.db, log);
    d.subscribe({ consumer: 'batched', types: [type], handler: () => {}, handleBatch: async (events) => void batchSeen.push(...events.map((e) => e.payload.i as number)) });
    d.subscribe({
      consumer: 'flaky',
      types: [type],
      handler: (e) => {
        if (fail && e.aggregateId === stuck) throw new Error('flaky');
        plainSeen.push(e.payload.i as number);
      },
    });
    await d.drain();
    // the batch consumer saw all four; the stuck contact's first event failed and its second waits
    expect(batchSeen.sort()).toEqual([0, 1, 2, 3]);
    expect((await state(t.db, type)).filter((r) => !r.dispatched).map((r) => r.i)).toEqual([0, 2]);
    fail = false;
    await release(t.db, type);
    await d.drain();
    expect((await state(t.db, type)).every((r) => r.dispatched)).toBe(true);
    // the retry reached only the consumer that had not handled them: no second delivery to the batch consumer
    expect(batchSeen.sort()).toEqual([0, 1, 2, 3]);
    expect(plainSeen.sort()).toEqual([0, 1, 2, 3]);
  });

  it('stopping aborts the batch handler; its events are left and the next start delivers them', async () => {
    const type = `batch.stop.${kind}`;
    await insertEvents(t.db, a.tenantId, type, 30, ids(3));
    let entered!: () => void;
    const inside = new Promise<void>((r) => (entered = r));
    const first = createOutboxDispatcher(t.db, log, { pollMs: 60_000 });
    let aborted = false;
    first.subscribe({
      consumer: 'slow',
      types: [type],
      handler: () => {},
      handleBatch: async (_events, { signal }) => {
        entered();
        await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
        aborted = signal.aborted;
        signal.throwIfAborted();
      },
    });
    await first.start();
    await inside;
    await first.stop();
    expect(aborted).toBe(true);
    const left = await state(t.db, type);
    expect(left.filter((r) => r.dispatched)).toEqual([]);
    // released without using up an attempt
    expect(left.every((r) => r.attempts === 0 && r.last_error === null)).toBe(true);
    const got: number[] = [];
    const next = createOutboxDispatcher(t.db, log, { pollMs: 60_000 });
    next.subscribe({ consumer: 'slow', types: [type], handler: () => {}, handleBatch: async (events) => void got.push(...events.map((e) => e.payload.i as number)) });
    await next.drain();
    expect(got.sort((x, y) => x - y)).toEqual(Array.from({ length: 30 }, (_, i) => i));
    expect((await state(t.db, type)).every((r) => r.dispatched)).toBe(true);
  });
});
