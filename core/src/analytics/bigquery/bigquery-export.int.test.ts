import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCrmCore, type CrmCore } from '../../crm-core.ts';
import { silentLogger } from '../../logger.ts';
import { createTenantFixture, openTestDatabase, testDbKinds, type TenantFixture, type TestDatabase } from '../../testing/index.ts';
import { startBigQueryDouble, type BigQueryDouble } from './bigquery-double.fixture.ts';
import { createBigQueryExport } from './bigquery-export.service.ts';
import { createBigQuerySink } from './bigquery.sink.ts';

const PROJECT = 'acme-crm-test';
const DATASET = 'crm_analytics';

// The export job on a real database (PGlite; PostgreSQL with TEST_DATABASE_URL, where RLS applies)
// streaming through the official client to the BigQuery REST double.
describe.each(testDbKinds())('BigQuery export on %s', (kind) => {
  let t: TestDatabase;
  let core: CrmCore;
  let bq: BigQueryDouble;
  let f: TenantFixture;
  let other: TenantFixture;
  const contactIds: string[] = [];

  /** A fresh sink and export, as a new process would build them (state only in the database). */
  const exporter = (batchSize = 500) =>
    createBigQueryExport({ db: t.db, sink: createBigQuerySink({ projectId: PROJECT, dataset: DATASET, apiEndpoint: bq.url }, { maxRetries: 0 }), batchSize, lagSeconds: 0 });
  const ours = () => ({ tenantIds: [f.tenantId, other.tenantId] });
  const stored = (table: string) => bq.table(PROJECT, DATASET, table)?.rows ?? [];

  beforeAll(async () => {
    t = await openTestDatabase(kind);
    core = createCrmCore({ db: t.db, logger: silentLogger(), knowledge: { indexInteractions: false } });
    bq = await startBigQueryDouble({ datasets: [`${PROJECT}:${DATASET}`] });
    f = await createTenantFixture(core);
    other = await createTenantFixture(core);
    for (let i = 0; i < 5; i++) {
      const c = await core.contacts.create(f.manager, { firstName: `Ann${i}`, lastName: 'Lee', email: `ann${i}@bq.test`, source: i % 2 ? 'webinar' : 'referral', assignedTo: f.rep.userId });
      contactIds.push(c.id);
      await core.interactions.log(f.rep, { contactId: c.id, type: 'EMAIL', channel: 'EMAIL', direction: 'INBOUND', content: 'Thanks, this looks great', occurredAt: new Date('2026-11-01T10:00:00Z') });
    }
    const o = await core.contacts.create(other.manager, { firstName: 'Otto', lastName: 'Other', email: 'otto@bq.test' });
    await core.interactions.log(other.manager, { contactId: o.id, type: 'PHONE_CALL', channel: 'PHONE', direction: 'OUTBOUND', content: 'call' });
  });
  afterAll(async () => {
    await core.outbox.stop();
    await bq.close();
    await t.drop();
  });

  it('first run exports every contact and interaction of each tenant, with the analytics columns', async () => {
    const report = await exporter().run(ours());
    expect(report.failed).toBe(0);
    expect(report.tenants.map((x) => [x.tenantId, x.contacts, x.interactions]).sort()).toEqual(
      [
        [f.tenantId, 5, 5],
        [other.tenantId, 1, 1],
      ].sort(),
    );
    expect(stored('crm_contacts')).toHaveLength(6);
    expect(stored('crm_interactions')).toHaveLength(6);
    const contact = stored('crm_contacts').find((r) => r.id === contactIds[1])!;
    expect(contact).toMatchObject({ tenant_id: f.tenantId, status: 'LEAD', source: 'webinar', assigned_to: f.rep.userId, lead_score: expect.any(Number) });
    expect(contact.updated_at).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/);
    const interaction = stored('crm_interactions').find((r) => r.contact_id === contactIds[1])!;
    expect(interaction).toMatchObject({ tenant_id: f.tenantId, type: 'EMAIL', channel: 'EMAIL', direction: 'INBOUND', occurred_at: '2026-11-01T10:00:00.000000Z', user_id: f.rep.userId });

    const marks = await exporter().watermarks([f.tenantId]);
    expect(marks.map((m) => [m.source, m.exportedRows])).toEqual([
      ['contacts', 5],
      ['interactions', 5],
    ]);
  });

  it('a second run (a new process: the watermark is in the database) exports only the rows changed since', async () => {
    const nothing = await exporter().run(ours());
    expect([nothing.contacts, nothing.interactions]).toEqual([0, 0]);

    await core.contacts.changeStatus(f.manager, contactIds[2], { status: 'CUSTOMER' });
    // a set-wise write that does not touch updated_at itself (as rescoring and sentiment do): the trigger bumps it
    await t.db.withTenant(f.tenantId, (em) => em.execute(`UPDATE interactions SET sentiment = '{"score":0.8,"confidence":0.9,"emotions":[]}'::jsonb WHERE contact_id = ?`, [contactIds[3]]));
    await t.db.withTenant(f.tenantId, (em) => em.execute('UPDATE contacts SET lead_score = 77 WHERE id = ?', [contactIds[4]]));

    const report = await exporter().run(ours());
    expect(report.tenants.find((x) => x.tenantId === f.tenantId)).toMatchObject({ contacts: 2, interactions: 1 });
    expect(report.tenants.find((x) => x.tenantId === other.tenantId)).toMatchObject({ contacts: 0, interactions: 0 });
    const versions = stored('crm_contacts').filter((r) => r.id === contactIds[2]);
    expect(versions.map((r) => r.status)).toEqual(['LEAD', 'CUSTOMER']);
    expect(stored('crm_contacts').filter((r) => r.id === contactIds[4]).map((r) => r.lead_score)).toContain(77);
    expect(stored('crm_interactions').filter((r) => r.contact_id === contactIds[3]).map((r) => r.sentiment_score)).toEqual([null, 0.8]);
  });

  it('a run that BigQuery stops part-way keeps what was stored, and the next run resumes without duplicates', async () => {
    for (let i = 5; i < 10; i++) {
      const c = await core.contacts.create(f.manager, { firstName: `Bo${i}`, lastName: 'Ng', email: `bo${i}@bq.test` });
      contactIds.push(c.id);
    }
    const before = stored('crm_contacts').length;
    // the 4th new contact (by change order) is refused: the batch of 2 holding it is not stored
    bq.rejectRows((r) => r.id === contactIds[8]);
    const failed = await exporter(2).run({ tenantIds: [f.tenantId] });
    expect(failed.failed).toBe(1);
    expect(failed.tenants[0].error).toMatch(/BigQuery refused 1 of 2 rows for acme-crm-test:crm_analytics\.crm_contacts: [0-9a-f-]{36}@/);
    expect(failed.tenants[0].contacts).toBe(2);
    expect(stored('crm_contacts').length).toBe(before + 2);

    bq.rejectRows(undefined);
    const resumed = await exporter(2).run({ tenantIds: [f.tenantId] });
    expect(resumed.failed).toBe(0);
    expect(resumed.tenants[0].contacts).toBe(3);
    const rows = stored('crm_contacts').filter((r) => contactIds.slice(5).includes(String(r.id)));
    expect(rows).toHaveLength(5);
    expect(new Set(rows.map((r) => r.id)).size).toBe(5);
  });

  it('--full re-sends everything with the same insertIds (BigQuery drops the copies) and keeps the watermark', async () => {
    const marksBefore = await exporter().watermarks([f.tenantId]);
    const before = stored('crm_contacts').length;
    const report = await exporter().run({ tenantIds: [f.tenantId], full: true });
    expect(report.tenants[0].contacts).toBe(10);
    // the double de-duplicates by insertId like BigQuery's best effort does within minutes
    expect(stored('crm_contacts').length).toBe(before);
    const marksAfter = await exporter().watermarks([f.tenantId]);
    expect(marksAfter.map((m) => [m.source, m.lastUpdatedAt, m.lastId])).toEqual(marksBefore.map((m) => [m.source, m.lastUpdatedAt, m.lastId]));
  });

  it('rows changed within the lag wait for a later run', async () => {
    await core.contacts.changeStatus(f.manager, contactIds[0], { status: 'PROSPECT' });
    const lagging = createBigQueryExport({ db: t.db, sink: createBigQuerySink({ projectId: PROJECT, dataset: DATASET, apiEndpoint: bq.url }, { maxRetries: 0 }), lagSeconds: 3600 });
    expect((await lagging.run({ tenantIds: [f.tenantId] })).contacts).toBe(0);
    expect((await exporter().run({ tenantIds: [f.tenantId] })).contacts).toBe(1);
  });
});
