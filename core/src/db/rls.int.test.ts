import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ContactEntity } from '../contacts/contact.entity.ts';
import { createCrmCore, type CrmCore } from '../crm-core.ts';
import { silentLogger } from '../logger.ts';
import { createTenantFixture, openTestDatabase, testDbKinds, type TenantFixture, type TestDatabase } from '../testing/index.ts';

// Row-level security is the tenant boundary: these tests go around the services on purpose.
describe.each(testDbKinds())('row-level security on %s', (kind) => {
  let t: TestDatabase;
  let core: CrmCore;
  let a: TenantFixture;
  let b: TenantFixture;
  let bContactId: string;

  beforeAll(async () => {
    t = await openTestDatabase(kind);
    core = createCrmCore({ db: t.db, logger: silentLogger() });
    a = await createTenantFixture(core);
    b = await createTenantFixture(core);
    await core.contacts.create(a.admin, { firstName: 'Alice', lastName: 'A', email: 'alice@a.com' });
    const bc = await core.contacts.create(b.admin, { firstName: 'Bob', lastName: 'B', email: 'bob@b.com' });
    bContactId = bc.id;
    await core.interactions.log(b.admin, { contactId: bc.id, type: 'EMAIL', channel: 'EMAIL', direction: 'OUTBOUND', content: 'secret' });
  });
  afterAll(() => t.drop());

  it('the ORM sees only the current tenant', async () => {
    const seen = await t.db.withTenant(a.tenantId, (em) => em.find(ContactEntity, {}));
    expect(seen.map((c) => c.email)).toEqual(['alice@a.com']);
    expect(await t.db.withTenant(a.tenantId, (em) => em.findOne(ContactEntity, { id: bContactId }))).toBeNull();
  });

  it('the QueryBuilder and raw SQL cannot read, update or delete another tenant', async () => {
    await t.db.withTenant(a.tenantId, async (em) => {
      const qb = em.createQueryBuilder(ContactEntity).select('*').where({ email: 'bob@b.com' });
      expect(await qb.getResultList()).toHaveLength(0);
      expect(await em.execute('SELECT * FROM contacts WHERE id = ?', [bContactId])).toHaveLength(0);
      expect(await em.execute('SELECT * FROM interactions')).toHaveLength(0);
      expect(await em.execute('SELECT * FROM audit_log WHERE entity_id = ?', [bContactId])).toHaveLength(0);
      expect(await em.execute('SELECT * FROM outbox_events WHERE aggregate_id = ?', [bContactId])).toHaveLength(0);
      const upd = await em.execute("UPDATE contacts SET first_name = 'pwned' WHERE id = ? RETURNING id", [bContactId]);
      expect(upd).toHaveLength(0);
      const del = await em.execute('DELETE FROM contacts WHERE id = ? RETURNING id', [bContactId]);
      expect(del).toHaveLength(0);
      const qbUpd = await em.createQueryBuilder(ContactEntity).update({ firstName: 'pwned' }).where({ id: bContactId }).execute('run');
      expect((qbUpd as { affectedRows: number }).affectedRows).toBe(0);
    });
    const bob = await core.contacts.get(b.admin, bContactId);
    expect(bob.firstName).toBe('Bob');
  });

  it('cannot insert rows into another tenant', async () => {
    await expect(
      t.db.withTenant(a.tenantId, (em) =>
        em.execute("INSERT INTO contacts (id, tenant_id, first_name, last_name, email) VALUES (gen_random_uuid(), ?, 'x', 'y', 'z@z.z')", [b.tenantId]),
      ),
    ).rejects.toThrow(/row-level security/);
  });

  it('a transaction with no tenant set sees no rows', async () => {
    const em = t.db.orm.em.fork();
    const rows = await em.transactional(async (tx) => {
      await tx.execute("SELECT set_config('role', 'crm_app', true)");
      return [
        ...(await tx.execute('SELECT id FROM contacts')),
        ...(await tx.execute('SELECT id FROM users')),
        ...(await tx.execute('SELECT id FROM tenants')),
      ];
    });
    expect(rows).toHaveLength(0);
  });

  it.runIf(kind === 'postgres')('the app pool connects as the non-owner crm_app role', async () => {
    const [who] = await t.db.orm.em.fork().getConnection().execute<{ current_user: string; bypass: boolean }[]>(
      'SELECT current_user, (SELECT rolbypassrls FROM pg_roles WHERE rolname = current_user) AS bypass',
    );
    expect(who).toEqual({ current_user: 'crm_app', bypass: false });
    // and a bare connection as crm_app without any tenant sees nothing
    const c = new pg.Client({ connectionString: t.db.url });
    await c.connect();
    await c.query('SET ROLE crm_app');
    expect((await c.query('SELECT * FROM contacts')).rowCount).toBe(0);
    await c.end();
  });

  it('refuses a request without a valid tenant id', async () => {
    await expect(t.db.withTenant('', async () => 1)).rejects.toMatchObject({ code: 'PERMISSION_DENIED' });
    await expect(t.db.readAsTenant("' OR true --", [{ sql: 'SELECT 1' }])).rejects.toMatchObject({ code: 'PERMISSION_DENIED' });
  });

  it('the one-round-trip read path is tenant-scoped, read-only and injection-safe, and leaves the connection clean', async () => {
    const [mine, theirs] = await t.db.readAsTenant(a.tenantId, [
      { sql: 'SELECT email FROM contacts' },
      { sql: 'SELECT * FROM contacts WHERE id = $1', params: [bContactId] },
    ]);
    expect(mine.map((r) => r.email)).toEqual(['alice@a.com']);
    expect(theirs).toEqual([]);
    // a parameter is always one literal, whatever it contains
    const hostile = `x' OR tenant_id <> crm_current_tenant() OR '1'='1`;
    const [[n]] = await t.db.readAsTenant(a.tenantId, [{ sql: 'SELECT count(*)::int AS n FROM contacts WHERE email = $1 OR $2 = $2', params: [hostile, 'it\\s $1 \\'] }]);
    expect(n.n).toBe(1);
    await expect(t.db.readAsTenant(a.tenantId, [{ sql: "UPDATE contacts SET first_name = 'x'" }])).rejects.toThrow(/read-only/);
    await expect(t.db.readAsTenant(a.tenantId, [{ sql: 'SELECT $2', params: [1] }])).rejects.toMatchObject({ code: 'INTERNAL' });
    // after an error the pooled connections carry no role, tenant or aborted transaction
    for (let i = 0; i < 12; i++) {
      const [[s]] = await t.db.readAsTenant(b.tenantId, [{ sql: "SELECT current_setting('app.tenant_id') AS t, count(*)::int AS n FROM contacts" }]);
      expect(s).toEqual({ t: b.tenantId, n: 1 });
    }
    const c = new pg.Client({ connectionString: t.db.url });
    await c.connect();
    const { rows } = await c.query("SELECT current_user AS u, coalesce(current_setting('app.tenant_id', true), '') AS t");
    expect(rows[0].t).toBe('');
    await c.end();
  });
});
