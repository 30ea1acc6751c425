/**
 * Deleting a tenant takes all its rows with it. Contacts, audit rows and outbox events have no
 * row-level foreign key to tenants since migration 0370 (the import writes one of each per row, and
 * each key cost a check): the tenants_cascade_delete trigger deletes them instead, and refuses when
 * row-level security would hide them from the deleting role.
 */
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCrmCore, type CrmCore } from '../crm-core.ts';
import { silentLogger } from '../logger.ts';
import { createTenantFixture, openTestDatabase, testDbKinds, type TenantFixture, type TestDatabase } from '../testing/index.ts';

const TABLES = ['contacts', 'audit_log', 'outbox_events', 'interactions', 'follow_ups', 'users'] as const;

describe.each(testDbKinds())('tenant deletion on %s', (kind) => {
  let t: TestDatabase;
  let core: CrmCore;
  let gone: TenantFixture;
  let kept: TenantFixture;

  /** Rows of each table per tenant, read as the owner (a superuser on both test databases: no RLS). */
  const counts = async (tenantId: string) => {
    const c = await t.db.connect();
    try {
      const out: Record<string, number> = {};
      for (const table of TABLES) out[table] = Number((await c.query(`SELECT count(*) AS n FROM ${table} WHERE tenant_id = $1`, [tenantId])).rows[0].n);
      return out;
    } finally {
      c.release();
    }
  };

  beforeAll(async () => {
    t = await openTestDatabase(kind);
    core = createCrmCore({ db: t.db, logger: silentLogger() });
    gone = await createTenantFixture(core);
    kept = await createTenantFixture(core);
    for (const f of [gone, kept]) {
      const csv = 'email,first_name,last_name\nann@a.example,Ann,Able\nbo@b.example,Bo,Baker\n';
      expect(await core.imports.importContacts(f.admin, Readable.from([csv]))).toMatchObject({ created: 2, failed: 0 });
      const ann = (await core.contacts.findByEmail(f.admin, 'ann@a.example'))!;
      await core.interactions.log(f.admin, { contactId: ann.id, type: 'EMAIL', channel: 'EMAIL', direction: 'OUTBOUND', content: 'hello' });
      await core.followUps.create(f.admin, { contactId: ann.id, title: 'call back', dueAt: new Date(Date.now() + 86_400_000).toISOString() });
    }
  });
  afterAll(async () => {
    await core.outbox.stop();
    await t.drop();
  });

  it('removes the tenant’s contacts, audit rows, outbox events, interactions, follow-ups and users, and nothing of another tenant', async () => {
    const before = await counts(gone.tenantId);
    for (const table of TABLES) expect(before[table], table).toBeGreaterThan(0);
    const keptBefore = await counts(kept.tenantId);

    const c = await t.db.connect();
    try {
      expect((await c.query('DELETE FROM tenants WHERE id = $1', [gone.tenantId])).rowCount).toBe(1);
    } finally {
      c.release();
    }
    expect(await counts(gone.tenantId)).toEqual(Object.fromEntries(TABLES.map((table) => [table, 0])));
    expect(await counts(kept.tenantId)).toEqual(keptBefore);
  });

  it.runIf(kind === 'postgres')('refuses, and deletes nothing, when row-level security hides the rows from the deleting role', async () => {
    const role = `crm_test_deleter_${Date.now().toString(36)}`;
    const c = await t.db.connect();
    try {
      // a role that may see and delete tenants but is subject to the other tables' policies
      await c.query(`CREATE ROLE ${role} NOLOGIN`);
      await c.query(`GRANT SELECT, DELETE ON tenants TO ${role}`);
      await c.query(`CREATE POLICY test_deleter ON tenants TO ${role} USING (true)`);
      const before = await counts(kept.tenantId);
      await c.query('BEGIN');
      await c.query(`SET LOCAL ROLE ${role}`);
      const err = await c.query('DELETE FROM tenants WHERE id = $1', [kept.tenantId]).catch((e: { code?: string; message: string }) => e);
      await c.query('ROLLBACK');
      expect(err).toMatchObject({ code: '42501', message: expect.stringContaining('row-level security hides its contacts, audit rows and outbox events') });
      expect(await counts(kept.tenantId)).toEqual(before);
    } finally {
      await c.query('ROLLBACK').catch(() => undefined);
      await c.query(`DROP POLICY IF EXISTS test_deleter ON tenants`);
      await c.query(`REVOKE ALL ON tenants FROM ${role}`).catch(() => undefined);
      await c.query(`DROP ROLE IF EXISTS ${role}`);
      c.release();
    }
  });
});
