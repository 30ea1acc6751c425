import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppError } from '../errors/app-error.ts';
import { openTestDatabase, testDbKinds, type TestDatabase } from '../testing/index.ts';

/**
 * QA round 7: under a write-heavy load the writes were refused with "The database is unavailable"
 * (reason "timeout") while the database sat idle: every connection of the process's pool was
 * checked out. That is a busy server, and is now said so (reason "pool_busy", the pool's size).
 */
describe.each(testDbKinds())('a full connection pool (%s)', (kind) => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await openTestDatabase(kind, [], { poolMax: 1, timeouts: { connectTimeoutMs: 300, retryAfterSeconds: 2 } });
  }, 120_000);
  afterAll(() => t?.drop());

  const gate = () => {
    let open!: () => void;
    const opened = new Promise<void>((r) => (open = r));
    return { open, opened };
  };

  it('answers pool_busy while every ORM connection is in use, and serves again once one is back', async () => {
    const tenant = randomUUID();
    const inside = gate();
    const release = gate();
    const holder = t.db.withTenant(tenant, async (em) => {
      await em.execute('SELECT 1');
      inside.open();
      await release.opened;
      return 'held';
    });
    await inside.opened;
    const refused = await t.db.withTenant(tenant, (em) => em.execute('SELECT 1')).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(AppError);
    expect(refused).toMatchObject({ code: 'DATABASE_UNAVAILABLE', retryAfter: 2, details: { reason: 'pool_busy', poolMax: 1 } });
    expect((refused as Error).message).toBe(
      'The server is busy: all 1 of its database connections are in use (long requests or a slow database); retry in 2 s, or raise DB_POOL_MAX',
    );
    release.open();
    expect(await holder).toBe('held');
    const [row] = await t.db.withTenant(tenant, (em) => em.execute<{ one: number }[]>('SELECT 1 AS one'));
    expect(row.one).toBe(1);
    // a domain error inside a transaction is still itself
    const notFound = await t.db.withTenant(tenant, () => Promise.reject(new AppError('NOT_FOUND', 'nothing'))).catch((e: unknown) => e);
    expect(notFound).toMatchObject({ code: 'NOT_FOUND' });
  });

  it.skipIf(kind === 'pglite')('answers pool_busy while every worker connection is in use (PostgreSQL: PGlite runs one transaction at a time)', async () => {
    const release = gate();
    const entered: Promise<void>[] = [];
    const holders = Array.from({ length: 4 }, () => {
      const inside = gate();
      entered.push(inside.opened);
      return t.db.asWorker(async (c) => {
        await c.query('SELECT 1');
        inside.open();
        await release.opened;
        return 'held';
      });
    });
    await Promise.all(entered);
    const refused = await t.db.asWorker((c) => c.query('SELECT 1')).catch((e: unknown) => e);
    expect(refused).toMatchObject({ code: 'DATABASE_UNAVAILABLE', details: { reason: 'pool_busy', poolMax: 4 } });
    const batch = await t.db.readAsWorker([{ sql: 'SELECT 1 AS one' }]).catch((e: unknown) => e);
    expect(batch).toMatchObject({ code: 'DATABASE_UNAVAILABLE', details: { reason: 'pool_busy', poolMax: 4 } });
    release.open();
    expect(await Promise.all(holders)).toEqual(['held', 'held', 'held', 'held']);
    const [[row]] = await t.db.readAsWorker([{ sql: 'SELECT 1 AS one' }]);
    expect(row).toEqual({ one: 1 });
  });
});
