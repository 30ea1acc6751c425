import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCrmCore, type CrmCore } from '../crm-core.ts';
import { openDatabase, type Database } from '../db/database.ts';
import { silentLogger } from '../logger.ts';
import { createTenantFixture, openTestDatabase, testDbKinds, type TenantFixture, type TestDatabase } from '../testing/index.ts';
import { createOutboxDispatcher, type OutboxDispatcher } from './outbox.dispatcher.ts';
import type { OutboxEvent } from './outbox.schema.ts';

/** `count` events of `type` spread round-robin over `aggregates`, committed in one statement. */
async function insertEvents(db: Database, tenantId: string, type: string, count: number, aggregates: string[]): Promise<void> {
  const c = await db.connect();
  try {
    await c.query(
      `INSERT INTO outbox_events (id, tenant_id, type, aggregate_type, aggregate_id, payload)
       SELECT gen_random_uuid(), $1, $2, 'contact', ($3::uuid[])[1 + (i % cardinality($3::uuid[]))], jsonb_build_object('i', i)
       FROM generate_series(0, $4 - 1) AS i`,
      [tenantId, type, aggregates, count],
    );
  } finally {
    c.release();
  }
}

async function pending(db: Database, type: string): Promise<number> {
  return db.asWorker(async (c) => Number((await c.query('SELECT count(*) AS n FROM outbox_events WHERE type = $1 AND dispatched_at IS NULL', [type])).rows[0].n));
}

const ids = (n: number) => Array.from({ length: n }, () => randomUUID());

describe.each(testDbKinds())('outbox dispatch: batches, per-aggregate order, fairness, shutdown on %s', (kind) => {
  let t: TestDatabase;
  let second: Database;
  let core: CrmCore;
  let big: TenantFixture;
  let small: TenantFixture;
  const log = silentLogger();

  beforeAll(async () => {
    t = await openTestDatabase(kind);
    // on the server a second pool is a second process; PGlite has one session, so the same database
    second = kind === 'postgres' ? await openDatabase({ config: { url: t.db.url, dataDir: 'unused', pglitePort: 0, poolMax: 4 }, logger: log, migrate: false }) : t.db;
    core = createCrmCore({ db: t.db, logger: log });
    big = await createTenantFixture(core);
    small = await createTenantFixture(core);
    await core.outbox.drain();
  });
  afterAll(async () => {
    await core.outbox.stop();
    if (second !== t.db) await second.close();
    await t.drop();
  });

  it('two dispatchers on one database deliver every event exactly once per consumer, in order per contact', async () => {
    const type = `two.${kind}`;
    const contacts = ids(25);
    await insertEvents(t.db, big.tenantId, type, 600, contacts);
    const got = new Map<string, OutboxEvent[]>([['alpha', []], ['beta', []]]);
    const dispatchers: OutboxDispatcher[] = [createOutboxDispatcher(t.db, log, { batchSize: 50, concurrency: 4 }), createOutboxDispatcher(second, log, { batchSize: 50, concurrency: 4 })];
    for (const d of dispatchers) {
      for (const consumer of ['alpha', 'beta']) {
        d.subscribe({
          consumer,
          types: [type],
          handler: async (e) => {
            got.get(consumer)!.push(e);
            if (e.seq % 7 === 0) await new Promise((r) => setTimeout(r, 1)); // let the other dispatcher interleave
          },
        });
      }
    }
    const counts = await Promise.all(dispatchers.map((d) => d.drain()));
    await Promise.all(dispatchers.map((d) => d.drain()));
    expect(counts[0] + counts[1]).toBeGreaterThanOrEqual(600);
    expect(await pending(t.db, type)).toBe(0);
    for (const [, events] of got) {
      expect(events).toHaveLength(600);
      expect(new Set(events.map((e) => e.id)).size).toBe(600);
      for (const contact of contacts) {
        const seqs = events.filter((e) => e.aggregateId === contact).map((e) => e.seq);
        expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
      }
    }
  });

  it('a failing event holds back later events of its contact only', async () => {
    const type = `hold.${kind}`;
    const [stuck, free] = ids(2);
    await insertEvents(t.db, big.tenantId, type, 6, [stuck, free]);
    let fail = true;
    const seen: OutboxEvent[] = [];
    const d = createOutboxDispatcher(t.db, log);
    d.subscribe({
      consumer: 'hold',
      types: [type],
      handler: (e) => {
        if (e.aggregateId === stuck && fail) throw new Error('transient');
        seen.push(e);
      },
    });
    await d.drain();
    expect(seen.map((e) => e.aggregateId)).toEqual([free, free, free]);
    fail = false;
    await t.db.asWorker((c) => c.query('UPDATE outbox_events SET locked_until = NULL WHERE type = $1 AND dispatched_at IS NULL', [type]));
    await d.drain();
    const late = seen.slice(3);
    expect(late.map((e) => e.aggregateId)).toEqual([stuck, stuck, stuck]);
    expect(late.map((e) => e.seq)).toEqual([...late.map((e) => e.seq)].sort((a, b) => a - b));
  });

  it("dispatches a small tenant's event while another tenant's backlog drains", async () => {
    const type = `fair.${kind}`;
    await insertEvents(t.db, big.tenantId, type, 1500, ids(150));
    await insertEvents(t.db, small.tenantId, type, 1, ids(1));
    const order: string[] = [];
    const d = createOutboxDispatcher(t.db, log, { batchSize: 100 });
    d.subscribe({ consumer: 'fair', types: [type], handler: (e) => void order.push(e.tenantId) });
    await d.drain();
    expect(order).toHaveLength(1501);
    // in the first batch, not after the 1,500 events committed before it
    expect(order.indexOf(small.tenantId)).toBeLessThan(100);
  });

  it('stops promptly mid-backlog and leaves the rest for the next start', async () => {
    const type = `stop.${kind}`;
    await insertEvents(t.db, big.tenantId, type, 1000, ids(100));
    const delivered: string[] = [];
    const handler = async (e: OutboxEvent) => {
      delivered.push(e.id);
      await new Promise((r) => setTimeout(r, 2));
    };
    const first = createOutboxDispatcher(t.db, log, { batchSize: 200, pollMs: 60_000 });
    first.subscribe({ consumer: 'stopper', types: [type], handler });
    await first.start();
    while (delivered.length < 50) await new Promise((r) => setTimeout(r, 5));
    await first.stop();
    const left = await pending(t.db, type);
    expect(left).toBeGreaterThan(0);
    expect(left).toBeLessThan(1000);
    // released, not leased: the next dispatcher takes them at once
    const next = createOutboxDispatcher(t.db, log, { pollMs: 60_000 });
    next.subscribe({ consumer: 'stopper', types: [type], handler: (e) => void delivered.push(e.id) });
    await next.drain();
    expect(await pending(t.db, type)).toBe(0);
    expect(new Set(delivered).size).toBe(1000);
    expect(delivered).toHaveLength(1000);
  });
});
