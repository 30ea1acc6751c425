/**
 * The status dates the database keeps on contacts (migrations 0230, 0350; one trigger function since
 * 0370, skipped by its WHEN clause for updates that touch neither status nor the two dates): what
 * every writer, the import and the set-based rescore rely on. Each statement compares against the
 * transaction time it ran in (`now()`), never the clock.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCrmCore, type CrmCore } from '../crm-core.ts';
import { silentLogger } from '../logger.ts';
import { createTenantFixture, openTestDatabase, testDbKinds, type TenantFixture, type TestDatabase } from '../testing/index.ts';

type Dates = { status: string; status_changed_at: string; outcome_recorded_at: string; now: string };
const PAST = '2020-01-02T03:04:05.000Z';
const ms = (d: string) => new Date(d).getTime();

describe.each(testDbKinds())('contact status dates on %s', (kind) => {
  let t: TestDatabase;
  let core: CrmCore;
  let f: TenantFixture;
  let id: string;

  /** One statement in its own transaction, returning the row's dates and that transaction's time. */
  const run = async (sql: string, params: unknown[] = []) => {
    const [row] = await t.db.withTenant(f.tenantId, (em) =>
      em.execute<Dates[]>(`${sql} RETURNING status, status_changed_at::text, outcome_recorded_at::text, now()::text AS now`, params),
    );
    return { status: row.status, changed: ms(row.status_changed_at), recorded: ms(row.outcome_recorded_at), now: ms(row.now) };
  };

  beforeAll(async () => {
    t = await openTestDatabase(kind);
    core = createCrmCore({ db: t.db, logger: silentLogger() });
    f = await createTenantFixture(core);
  });
  afterAll(() => t.drop());

  it('on insert: status_changed_at as given (else updated_at), outcome_recorded_at always the transaction time', async () => {
    const c = await core.contacts.create(f.admin, { firstName: 'Dora', lastName: 'Dates', email: 'dora@dates.example' });
    id = c.id;
    const given = await run(
      `INSERT INTO contacts (id, tenant_id, first_name, last_name, email, status_changed_at, outcome_recorded_at, updated_at)
       VALUES (gen_random_uuid(), crm_current_tenant(), 'Given', 'Dates', 'given@dates.example', ?, ?, ?)`,
      [PAST, PAST, '2021-05-05T00:00:00Z'],
    );
    expect(given.changed).toBe(ms(PAST));
    expect(given.recorded).toBe(given.now);
    const defaulted = await run(
      `INSERT INTO contacts (id, tenant_id, first_name, last_name, email, updated_at) VALUES (gen_random_uuid(), crm_current_tenant(), 'No', 'Date', 'nodate@dates.example', ?)`,
      ['2021-05-05T00:00:00Z'],
    );
    expect(defaulted.changed).toBe(ms('2021-05-05T00:00:00Z'));
    expect(defaulted.recorded).toBe(defaulted.now);
  });

  it('an update that leaves status alone moves neither date, even when a writer tries to set outcome_recorded_at', async () => {
    const before = await run('UPDATE contacts SET lead_score = 10 WHERE id = ?', [id]);
    const score = await run('UPDATE contacts SET lead_score = 55 WHERE id = ?', [id]);
    expect([score.changed, score.recorded]).toEqual([before.changed, before.recorded]);
    const forged = await run('UPDATE contacts SET outcome_recorded_at = ? WHERE id = ?', [PAST, id]);
    expect(forged.recorded).toBe(before.recorded);
    const cleared = await run('UPDATE contacts SET status_changed_at = NULL WHERE id = ?', [id]);
    expect(cleared.changed).toBe(before.changed);
    const backdated = await run('UPDATE contacts SET status_changed_at = ? WHERE id = ?', [PAST, id]);
    expect([backdated.changed, backdated.recorded]).toEqual([ms(PAST), before.recorded]);
  });

  it('a status change dates both to the transaction, unless the writer gives the status date', async () => {
    const plain = await run(`UPDATE contacts SET status = 'PROSPECT' WHERE id = ?`, [id]);
    expect([plain.status, plain.changed, plain.recorded]).toEqual(['PROSPECT', plain.now, plain.now]);
    const dated = await run(`UPDATE contacts SET status = 'CUSTOMER', status_changed_at = ? WHERE id = ?`, [PAST, id]);
    expect([dated.status, dated.changed, dated.recorded]).toEqual(['CUSTOMER', ms(PAST), dated.now]);
    const forged = await run(`UPDATE contacts SET status = 'INACTIVE', outcome_recorded_at = ? WHERE id = ?`, [PAST, id]);
    expect([forged.changed, forged.recorded]).toEqual([forged.now, forged.now]);
  });
});
