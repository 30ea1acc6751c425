import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { openTestDatabase, testDbKinds } from '../testing/index.ts';
import { databaseOf } from './database-handle.ts';

const STOPPING = { code: 'DATABASE_UNAVAILABLE', details: { reason: 'stopping' } };

/** A transaction that holds the only ORM connection until the test opens its gate. */
function hold(db: ReturnType<typeof databaseOf>, tenantId: string) {
  let open!: () => void;
  const gate = new Promise<void>((r) => (open = r));
  let entered!: () => void;
  const inside = new Promise<void>((r) => (entered = r));
  const done = db.withTenant(tenantId, async (em) => {
    entered();
    await gate;
    return em.execute('SELECT 1 AS one');
  });
  return { inside, open, done };
}

describe.each(testDbKinds())('shutting the database down on %s', (kind) => {
  it('abandons the calls waiting for a connection at once, lets the running one finish, and closes', async () => {
    const t = await openTestDatabase(kind, [], { poolMax: 1 });
    const db = databaseOf(t.db);
    const tenant = randomUUID();
    const held = hold(db, tenant);
    await held.inside;
    // waits for the pool's only connection
    const waiting = db.withTenant(tenant, (em) => em.execute('SELECT 2 AS two'));
    const waitingOutcome = waiting.then(
      () => 'answered',
      (err: unknown) => err,
    );
    db.stopping();
    expect(await waitingOutcome).toMatchObject(STOPPING);
    // and so is every later call, of every kind
    await expect(db.readAsTenant(tenant, [{ sql: 'SELECT 1' }])).rejects.toMatchObject(STOPPING);
    await expect(db.asWorker((c) => c.query('SELECT 1'))).rejects.toMatchObject(STOPPING);
    await expect(db.ping()).rejects.toMatchObject(STOPPING);
    held.open();
    expect(await held.done).toEqual([{ one: 1 }]);
    // the abandoned call's connection, handed over once the holder let go, went back: the pools end
    await t.drop();
  });

  it('closes while a transaction is still open: the embedded database rolls it back', async () => {
    const t = await openTestDatabase(kind, [], { poolMax: 1 });
    const db = databaseOf(t.db);
    const held = hold(db, randomUUID());
    await held.inside;
    // the test's own timeout is the bound: close must not wait for the gate
    await db.close({ graceMs: 50 });
    held.open();
    const outcome = await held.done.then(
      () => 'committed',
      () => 'cut off',
    );
    // PGlite's socket server dropped the connection; a server lets it finish (the process's exit would cut it)
    expect(outcome).toBe(kind === 'pglite' ? 'cut off' : 'committed');
    await t.drop();
  });
});
