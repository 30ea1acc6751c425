/**
 * Regression (migration 0230): a contact created or imported already closed has no
 * contact.status_changed audit row, and its outcome date came from updated_at — which every rescore
 * moves (the 0180 trigger), so after a tenant's first rescore all such outcomes shared one date and
 * the next retrain answered cold_start ("too few dated rows"). The outcome date is now the
 * database-maintained status_changed_at. All instants here are fixed: no assertion reads the clock.
 */
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCrmCore, type CrmCore } from '../crm-core.ts';
import { silentLogger } from '../logger.ts';
import { createTenantFixture, openTestDatabase, testDbKinds, type TenantFixture, type TestDatabase } from '../testing/index.ts';
import { blendFavouringLeads, seedBlendFavouringLeads } from './blend-leads.fixture.ts';
import { loadLabelled } from './scoring.repository.ts';

const DAY = 86_400_000;
const T1 = Date.UTC(2025, 5, 1, 12); // first retrain
const T2 = T1 + 200 * DAY; // second retrain, after a second batch of outcomes
const MIGRATION = '0230_contact_status_changed_at.sql';

type Row = { id: string; status: string; updated_at: Date; status_changed_at: Date };

describe.each(testDbKinds())('outcome dates of closed contacts (status_changed_at) on %s', { timeout: 300_000 }, (kind) => {
  let t: TestDatabase;
  let core: CrmCore;
  let f: TenantFixture;
  let batchA: string[] = [];

  const rows = async (ids?: string[]) => {
    const found = await t.db.withTenant(f.tenantId, (em) =>
      em.execute<Row[]>('SELECT id, status, updated_at, status_changed_at FROM contacts WHERE ?::uuid[] IS NULL OR id = ANY(?::uuid[])', [
        ids ? `{${ids.join(',')}}` : null,
        ids ? `{${ids.join(',')}}` : null,
      ]),
    );
    return new Map(found.map((r) => [r.id, { ...r, updated_at: new Date(r.updated_at).getTime(), status_changed_at: new Date(r.status_changed_at).getTime() }]));
  };
  const cutoffs = async (now: number) => {
    const leads = await t.db.withTenant(f.tenantId, (em) => loadLabelled(em, now, 60));
    return new Map(leads.map((l) => [l.contact.id, l.cutoff]));
  };

  beforeAll(async () => {
    t = await openTestDatabase(kind);
    core = createCrmCore({ db: t.db, logger: silentLogger() });
    f = await createTenantFixture(core);
  }, 120_000);
  afterAll(async () => {
    await core.outbox.stop();
    await t.drop();
  });

  it('a rescore does not move the outcome dates of closed contacts without audit rows; the next retrain trains on the new outcomes', async () => {
    batchA = await seedBlendFavouringLeads(t.db, f.tenantId, { now: T1, n: 600, seed: 1 });
    const expected = blendFavouringLeads(600, 1, T1 - 260 * DAY).map((l) => l.cutoff);
    const before = await cutoffs(T1);
    expect(batchA.map((id) => before.get(id))).toEqual(expected);

    const first = await core.scoring.retrain(f.admin, { now: new Date(T1), rescore: 'always' });
    expect(first.status).toBe('activated');
    expect(first.summary).toMatchObject({ labelled: 600, from: new Date(expected[0]).toISOString(), to: new Date(expected[599]).toISOString() });
    expect(first.rescored!.changed).toBeGreaterThan(500);
    // and once more as `crm scoring rescore` does it
    await core.scoring.rescoreTenant(f.admin);

    const stored = await rows(batchA);
    // the rescores moved updated_at (the 0180 trigger), the old source of these dates
    expect([...stored.values()].filter((r) => r.updated_at !== r.status_changed_at).length).toBeGreaterThan(500);
    const after = await cutoffs(T1);
    expect(batchA.map((id) => after.get(id))).toEqual(expected);

    // 200 newer outcomes, also closed without audit rows: the second retrain holds them out and compares
    const batchB = await seedBlendFavouringLeads(t.db, f.tenantId, { now: T2, n: 200, seed: 2, offset: 600 });
    const second = await core.scoring.retrain(f.admin, { now: new Date(T2), rescore: 'always' });
    expect(second.status).not.toBe('cold_start');
    expect(['activated', 'rejected']).toContain(second.status);
    expect(second.summary.labelled).toBe(800);
    expect(second.model!.version).toBe(2);
    expect(second.model!.metrics.holdoutRows).toBe(200);
    expect(second.model!.metrics.validation).toMatch(/on 600 outcomes v1 saw; held out the 200 recorded after it was trained$/);
    expect(second.model!.decision.comparedWith).toBe('v1');

    const last = await cutoffs(T2);
    expect(batchA.map((id) => last.get(id))).toEqual(expected);
    expect(batchB.map((id) => last.get(id))).toEqual(blendFavouringLeads(200, 2, T2 - 260 * DAY).map((l) => l.cutoff));
  });

  it('the database keeps status_changed_at: set on insert and import, moved by a status change (at its audit time), not by edits or score updates', async () => {
    const c = await core.contacts.create(f.admin, { firstName: 'Cleo', lastName: 'Closed', email: 'cleo@closed.example', status: 'CUSTOMER' });
    const created = (await rows([c.id])).get(c.id)!;
    expect(created.status_changed_at).toBe(created.updated_at);

    await core.contacts.update(f.admin, c.id, { phone: '+44 20 7946 0000' });
    await t.db.withTenant(f.tenantId, (em) => em.execute('UPDATE contacts SET lead_score = 77 WHERE id = ?', [c.id]));
    const edited = (await rows([c.id])).get(c.id)!;
    expect(edited.updated_at).not.toBe(created.updated_at);
    expect(edited.status_changed_at).toBe(created.status_changed_at);

    await core.contacts.changeStatus(f.admin, c.id, { status: 'INACTIVE', reason: 'lost to a competitor' });
    const closed = (await rows([c.id])).get(c.id)!;
    const audit = (await core.audit.list(f.admin, { entityType: 'contact', entityId: c.id })).find((a) => a.action === 'contact.status_changed')!;
    expect(audit).toBeDefined();
    expect(closed.status_changed_at).toBe(new Date(audit.createdAt).getTime());
    expect(closed.status_changed_at).not.toBe(created.status_changed_at);

    const csv = 'email,first_name,last_name,status\nivan@imported.example,Ivan,Imported,CUSTOMER\n';
    const report = await core.imports.importContacts(f.admin, Readable.from([csv]));
    expect(report.created).toBe(1);
    const [imported] = (await core.contacts.list(f.admin, { search: 'ivan@imported.example' })).data;
    const row = (await rows([imported.id])).get(imported.id)!;
    expect(row.status_changed_at).toBe(row.updated_at);
    // no contact.status_changed row for it: the outcome date is the column's
    expect((await cutoffs(T2 + 10_000 * DAY)).get(imported.id)).toBe(row.status_changed_at);
  });

  it('migration 0230 backfills from the audit log, else updated_at, without touching updated_at, and keeps RLS forced', async () => {
    const owner = await t.db.connect();
    let before: Map<string, Row>;
    try {
      // back to the schema before 0230
      // (0370 replaced 0230's trigger by one for both status dates; its WHEN clause reads the column)
      await owner.query('DROP TRIGGER IF EXISTS contacts_status_changed_at ON contacts');
      await owner.query('DROP TRIGGER IF EXISTS contacts_status_dates_update ON contacts');
      await owner.query('ALTER TABLE contacts DROP COLUMN status_changed_at');
      await owner.query('DELETE FROM schema_migrations WHERE name = $1', [MIGRATION]);
      const old = await owner.query<{ id: string; updated_at: Date }>('SELECT id, updated_at FROM contacts WHERE tenant_id = $1', [f.tenantId]);
      before = new Map(old.rows.map((r) => [r.id, { id: r.id, status: '', updated_at: new Date(r.updated_at), status_changed_at: new Date(0) }]));
    } finally {
      owner.release();
    }
    expect(await t.db.migrate()).toEqual([MIGRATION]);

    const after = await rows();
    expect(after.size).toBe(before.size);
    const audits = (await core.audit.list(f.admin, { entityType: 'contact', limit: 1000 })).filter((a) => a.action === 'contact.status_changed');
    expect(audits).toHaveLength(1);
    const [audit] = audits;
    for (const [id, r] of after) {
      expect(r.updated_at).toBe(before.get(id)!.updated_at.getTime());
      if (id === audit.entityId) expect(r.status_changed_at).toBe(new Date(audit.createdAt).getTime());
      else expect(r.status_changed_at).toBe(r.updated_at);
    }
    const owner2 = await t.db.connect();
    try {
      const forced = await owner2.query<{ relname: string; relforcerowsecurity: boolean }>(
        "SELECT relname, relforcerowsecurity FROM pg_class WHERE relname IN ('contacts', 'audit_log') ORDER BY relname",
      );
      expect(forced.rows).toEqual([
        { relname: 'audit_log', relforcerowsecurity: true },
        { relname: 'contacts', relforcerowsecurity: true },
      ]);
    } finally {
      owner2.release();
    }
  });
});
