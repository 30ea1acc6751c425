import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCrmCore, type CrmCore } from '../crm-core.ts';
import { silentLogger } from '../logger.ts';
import type { OutboxEvent } from '../outbox/outbox.schema.ts';
import { createOutboxTail, type OutboxTail } from '../outbox/outbox.tail.ts';
import { startScoring } from '../scoring/start-scoring.ts';
import { createTenantFixture, openTestDatabase, startTcpProxy, type TcpProxy, type TenantFixture, type TestDatabase } from '../testing/index.ts';

const server = process.env.TEST_DATABASE_URL;

async function eventually<T>(fn: () => Promise<T>, ms = 15_000): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    try {
      return await fn();
    } catch (err) {
      if (Date.now() > until) throw err;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

/**
 * The real PostgreSQL server behind a TCP proxy this test breaks on purpose: the process must
 * survive every failure, answer DATABASE_UNAVAILABLE with a retry hint, and recover by itself.
 */
describe.skipIf(!server)('database loss on the PostgreSQL server', () => {
  let proxy: TcpProxy;
  let t: TestDatabase;
  let core: CrmCore;
  let f: TenantFixture;
  let direct: string;
  let tail: OutboxTail;
  const delivered: OutboxEvent[] = [];
  const tailed: OutboxEvent[] = [];

  beforeAll(async () => {
    const u = new URL(server!);
    proxy = await startTcpProxy({ host: u.hostname, port: Number(u.port || 5432) });
    t = await openTestDatabase('postgres', [], {
      via: (url) => proxy.rewrite(url),
      timeouts: { connectTimeoutMs: 1_000, statementTimeoutMs: 1_500, queryTimeoutMs: 2_000, retryAfterSeconds: 3, listenRetryMaxMs: 300 },
    });
    const d = new URL(t.db.url);
    d.hostname = u.hostname;
    d.port = u.port || '5432';
    direct = d.toString();
    // a long poll: only LISTEN (or the in-process signal) can deliver promptly
    core = createCrmCore({ db: t.db, logger: silentLogger(), outbox: { pollMs: 60_000 } });
    f = await createTenantFixture(core);
    core.outbox.subscribe({ consumer: 'outage-test', handler: (e) => void delivered.push(e) });
    await core.outbox.start();
    tail = createOutboxTail(t.db, silentLogger(), { pollMs: 60_000 });
    tail.subscribe((e) => void tailed.push(e));
    await tail.start();
  });
  afterAll(async () => {
    await tail?.stop();
    await core?.outbox.stop();
    await proxy?.setMode('pass');
    await t?.drop();
    await proxy?.close();
  });

  /** An event committed by another process: only a working LISTEN connection wakes us for it. */
  async function foreignEvent(): Promise<string> {
    const c = new pg.Client({ connectionString: direct });
    await c.connect();
    try {
      const { rows } = await c.query<{ id: string }>(
        `INSERT INTO outbox_events (id, tenant_id, type, aggregate_type, payload) VALUES (gen_random_uuid(), $1, 'test.ping', 'test', '{}') RETURNING id`,
        [f.tenantId],
      );
      return rows[0].id;
    } finally {
      await c.end();
    }
  }

  const expectUnavailable = (p: Promise<unknown>) => expect(p).rejects.toMatchObject({ code: 'DATABASE_UNAVAILABLE', retryAfter: 3 });

  it('delivers through LISTEN before anything breaks', async () => {
    const id = await foreignEvent();
    await eventually(async () => expect(delivered.map((e) => e.id)).toContain(id));
    await eventually(async () => expect(tailed.map((e) => e.id)).toContain(id));
  });

  it('a refusing server gives DATABASE_UNAVAILABLE on every path, then recovers without a restart', async () => {
    const c = await core.contacts.create(f.rep, { firstName: 'Before', lastName: 'Outage', email: 'before@outage.io' });
    await proxy.setMode('refuse');
    proxy.reset();
    await expectUnavailable(core.contacts.get(f.rep, c.id));
    await expectUnavailable(core.contacts.create(f.rep, { firstName: 'During', lastName: 'Outage', email: 'during@outage.io' }));
    await expectUnavailable(t.db.readAsWorker([{ sql: 'SELECT 1' }]));
    await expectUnavailable(t.db.asWorker((cl) => cl.query('SELECT 1')));
    await expectUnavailable(t.db.ping());
    // the scheduled retrain during the outage: logged and skipped, not an unhandled rejection
    const scoring = startScoring(core, { retrainHours: 1, initialDelayMs: 0 });
    await new Promise((r) => setTimeout(r, 300));
    scoring.stop();
    await proxy.setMode('pass');
    const after = await eventually(() => core.contacts.create(f.rep, { firstName: 'After', lastName: 'Outage', email: 'after@outage.io' }));
    expect((await core.contacts.get(f.rep, c.id)).id).toBe(c.id);
    await eventually(async () => expect(delivered.map((e) => e.aggregateId)).toContain(after.id));
    // the LISTEN connection came back by itself
    const id = await foreignEvent();
    await eventually(async () => expect(delivered.map((e) => e.id)).toContain(id));
    await eventually(async () => expect(tailed.map((e) => e.id)).toContain(id));
  });

  it('a stalled server times out instead of hanging, and the stuck connections are replaced', async () => {
    await proxy.setMode('pause');
    await expectUnavailable(core.contacts.list(f.rep, { search: "outage" }));
    await expectUnavailable(core.contacts.create(f.rep, { firstName: 'Stalled', lastName: 'Outage', email: 'stalled@outage.io' }));
    await proxy.setMode('pass');
    await eventually(() => core.contacts.create(f.rep, { firstName: 'Unstuck', lastName: 'Outage', email: 'unstuck@outage.io' }));
    // every pooled connection works again, not only one
    const all = await Promise.all(Array.from({ length: 12 }, () => core.contacts.list(f.rep, { search: "outage" })));
    expect(all.every((r) => r.totalCount >= 3)).toBe(true);
  });

  it('survives pg_terminate_backend on all of its connections', async () => {
    await core.contacts.list(f.rep, { search: "outage" });
    const admin = new pg.Client({ connectionString: direct });
    await admin.connect();
    const { rows } = await admin.query<{ n: number }>(
      'SELECT count(pg_terminate_backend(pid))::int AS n FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()',
    );
    await admin.end();
    expect(rows[0].n).toBeGreaterThan(0);
    const c = await eventually(() => core.contacts.create(f.rep, { firstName: 'Terminated', lastName: 'Outage', email: 'terminated@outage.io' }));
    await eventually(async () => expect(delivered.map((e) => e.aggregateId)).toContain(c.id));
    const id = await foreignEvent();
    await eventually(async () => expect(delivered.map((e) => e.id)).toContain(id));
  });
});
