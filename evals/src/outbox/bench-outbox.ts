/**
 * Outbox dispatch benchmark: events/s drained by one dispatcher from a backlog spread over many
 * contacts in two tenants, plus how soon a small tenant's event arrives behind that backlog, on
 * embedded PGlite and on the PostgreSQL server.
 *
 *   npx tsx evals/src/outbox/bench-outbox.ts [--events 20000] [--server postgresql://postgres@127.0.0.1:5432/test] [--only pglite|postgres]
 */
import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import { createCrmCore, createOutboxDispatcher, silentLogger, type Database } from '@crm/core';
import { createTenantFixture, openTestDatabase, type TestDbKind, databaseOf } from '@crm/core/testing';

const { values } = parseArgs({ options: { events: { type: 'string', default: '20000' }, server: { type: 'string' }, only: { type: 'string' }, batch: { type: 'string' } } });
const EVENTS = Number(values.events);
const SERVER = values.server ?? process.env.BENCH_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/test';

async function backlog(db: Database, tenantId: string, count: number, contacts: number): Promise<void> {
  const aggregates = Array.from({ length: contacts }, () => randomUUID());
  const c = await databaseOf(db).connect();
  try {
    await c.query(
      `INSERT INTO outbox_events (id, tenant_id, type, aggregate_type, aggregate_id, payload)
       SELECT gen_random_uuid(), $1, 'contact.updated', 'contact', ($2::uuid[])[1 + (i % cardinality($2::uuid[]))], jsonb_build_object('i', i)
       FROM generate_series(0, $3 - 1) AS i`,
      [tenantId, aggregates, count],
    );
    await c.query('ANALYZE outbox_events');
  } finally {
    c.release();
  }
}

async function bench(kind: TestDbKind) {
  if (kind === 'postgres') process.env.TEST_DATABASE_URL = SERVER;
  const t = await openTestDatabase(kind);
  const logger = silentLogger();
  const core = createCrmCore({ db: t.db, logger, knowledge: { indexInteractions: false } });
  try {
    const big = await createTenantFixture(core);
    const small = await createTenantFixture(core);
    await core.outbox.drain();
    await backlog(t.db, big.tenantId, EVENTS, Math.max(1, Math.floor(EVENTS / 10)));
    const d = createOutboxDispatcher(t.db, logger, values.batch ? { batchSize: Number(values.batch) } : {});
    let delivered = 0;
    let smallAt: number | undefined;
    let t0 = 0;
    d.subscribe({
      consumer: 'bench',
      handler: (e) => {
        delivered++;
        if (e.tenantId === small.tenantId) smallAt = performance.now() - t0;
      },
    });
    t0 = performance.now();
    const running = d.drain();
    // a small tenant's event committed while the backlog drains
    await new Promise((r) => setTimeout(r, 50));
    const smallCommitted = performance.now() - t0;
    await backlog(t.db, small.tenantId, 1, 1);
    await running;
    await d.drain();
    const seconds = (performance.now() - t0) / 1000;
    const result = {
      kind,
      events: delivered,
      seconds: Number(seconds.toFixed(2)),
      eventsPerSecond: Math.round(delivered / seconds),
      smallTenantLatencyMs: smallAt === undefined ? null : Math.round(smallAt - smallCommitted),
    };
    console.log(JSON.stringify(result));
    return result;
  } finally {
    await core.outbox.stop();
    await t.drop();
  }
}

const kinds: TestDbKind[] = values.only ? [values.only as TestDbKind] : ['postgres', 'pglite'];
const results = [];
for (const kind of kinds) results.push(await bench(kind));
console.log('\n| database | events | events/s | small tenant latency |\n|---|---|---|---|');
for (const r of results) console.log(`| ${r.kind} | ${r.events} | ${r.eventsPerSecond} | ${r.smallTenantLatencyMs ?? '–'} ms |`);
