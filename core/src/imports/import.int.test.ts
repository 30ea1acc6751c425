import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCrmCore, type CrmCore } from '../crm-core.ts';
import { silentLogger } from '../logger.ts';
import { createTenantFixture, openTestDatabase, testDbKinds, type TenantFixture, type TestDatabase } from '../testing/index.ts';

const text = (s: string) => Readable.from([Buffer.from(s, 'utf8')]);
async function collect(r: Readable): Promise<string> {
  let out = '';
  for await (const chunk of r) out += chunk.toString();
  return out;
}

const HUBSPOT = [
  '"Record ID","First Name","Last Name","Email","Phone Number","Company Name","Job Title","Lifecycle Stage","Original Source","Contact owner","Favourite Tool"',
  '101,Ann,Lee,ann@lee.io,+1 555 0100,Lee Inc,CEO,customer,Referral,MANAGER_EMAIL,Figma',
  '102,Bo,Chan,not-an-email,,,,lead,,,',
  '103,Cy,Diaz,cy@diaz.io,,Diaz LLC,Director,salesqualifiedlead,Paid Search,,Canva',
  '104,Di,Ek,di@ek.io,,,,ghost-stage,,,',
  '105,Ed,Fox,ed@fox.io,,,,,,nobody@nowhere.io,',
].join('\r\n');

describe.each(testDbKinds())('CSV import/export on %s', (kind) => {
  let t: TestDatabase;
  let core: CrmCore;
  let f: TenantFixture;
  let csv: string;

  beforeAll(async () => {
    t = await openTestDatabase(kind);
    core = createCrmCore({ db: t.db, logger: silentLogger() });
    f = await createTenantFixture(core);
    csv = HUBSPOT.replace('MANAGER_EMAIL', (await core.users.list(f.admin)).find((u) => u.role === 'SALES_MANAGER')!.email);
  });
  afterAll(() => t.drop());

  it('imports a HubSpot export: valid rows land, bad rows are reported with row, field and reason', async () => {
    const report = await core.imports.importContacts(f.admin, text(csv));
    expect(report).toMatchObject({ rows: 5, created: 3, updated: 0, failed: 2 });
    expect(report.errors).toEqual([expect.objectContaining({ row: 3, path: 'email' }), expect.objectContaining({ row: 6, path: 'ownerEmail' })]);
    // an unknown stage keeps the row (LEAD) and the value, with a warning
    expect(report.warnings).toEqual([expect.objectContaining({ row: 5, path: 'status' })]);
    expect(await core.contacts.findByEmail(f.admin, 'di@ek.io')).toMatchObject({ status: 'LEAD', customFields: { importedStatus: 'ghost-stage' } });
    expect(report.customColumns).toContain('Favourite Tool');
    const ann = await core.contacts.findByEmail(f.admin, 'ann@lee.io');
    expect(ann).toMatchObject({ status: 'CUSTOMER', company: 'Lee Inc', position: 'CEO', assignedTo: f.manager.userId });
    expect(ann!.customFields).toMatchObject({ 'Favourite Tool': 'Figma' });
    expect((await core.contacts.findByEmail(f.admin, 'cy@diaz.io'))!.status).toBe('PROSPECT');
  });

  it('imports a generic sample export with numbered columns (Email 1/2, Phone 1/2) and an owner given by name', async () => {
    // the header of the widely used "leads-100.csv"-style sample files
    const leads = [
      'Index,Account Id,Lead Owner,First Name,Last Name,Company,Phone 1,Phone 2,Email 1,Email 2,Website,Source,Deal Stage,Notes',
      '1,d8f16adf,Kristine Cook,Roy,Reyes,Acme Ltd,+1-461-220-8117,(979)560-7737,roy.reyes@sample.test,reyes@sample.test,https://acme.test,Event,Proposal,Call back',
      '2,0741c7a8,Richard Lang,Preston,Mullen,Mullen plc,,(912)556-4363,,p.mullen@sample.test,https://mullen.test,Referral,Closed Lost,',
    ].join('\n');
    // a tenant of its own: the tests below count this tenant's contacts
    const g = await createTenantFixture(core);
    const report = await core.imports.importContacts(g.admin, text(leads));
    expect(report).toMatchObject({ rows: 2, created: 2, failed: 0 });
    const roy = await core.contacts.findByEmail(g.admin, 'roy.reyes@sample.test');
    expect(roy).toMatchObject({ firstName: 'Roy', phone: '+1-461-220-8117', company: 'Acme Ltd', source: 'Event' });
    // an owner named, not emailed, is kept rather than failing the row; the second columns are not lost
    expect(roy!.customFields).toMatchObject({ 'Lead Owner': 'Kristine Cook', 'Deal Stage': 'Proposal', Website: 'https://acme.test' });
    // the second email and phone fill the rows whose first ones are empty
    const preston = await core.contacts.findByEmail(g.admin, 'p.mullen@sample.test');
    expect(preston).toMatchObject({ lastName: 'Mullen', phone: '(912)556-4363' });
  });

  it('re-importing the same file changes nothing and writes nothing; a changed row updates once', async () => {
    const before = (await core.contacts.list(f.admin)).totalCount;
    const writes = async () => {
      const c = await t.db.connect();
      try {
        return (await c.query<{ n: number }>('SELECT (SELECT count(*) FROM audit_log WHERE tenant_id = $1)::int + (SELECT count(*) FROM outbox_events WHERE tenant_id = $1)::int AS n', [f.tenantId])).rows[0].n;
      } finally {
        c.release();
      }
    };
    const ann = await core.contacts.findByEmail(f.admin, 'ann@lee.io');
    const written = await writes();
    const report = await core.imports.importContacts(f.admin, text(csv));
    expect(report).toMatchObject({ created: 0, updated: 0, unchanged: 3, failed: 2 });
    expect((await core.contacts.list(f.admin)).totalCount).toBe(before);
    expect(await writes()).toBe(written);
    expect((await core.contacts.findByEmail(f.admin, 'ann@lee.io'))!.updatedAt).toEqual(ann!.updatedAt);
    // one changed cell: that row updates (audit + event), the other stays untouched
    const changed = await core.imports.importContacts(f.admin, text(csv.replace('Lee Inc', 'Lee Holdings')));
    expect(changed).toMatchObject({ created: 0, updated: 1, unchanged: 2 });
    expect((await core.contacts.findByEmail(f.admin, 'ann@lee.io'))!.company).toBe('Lee Holdings');
    expect(await writes()).toBe(written + 2);
    // the audit diff holds the row's own columns, not the derived ones (search text, duplicate keys)
    const c = await t.db.connect();
    try {
      const { rows } = await c.query<{ diff: { before: Record<string, unknown>; after: Record<string, unknown> } }>(
        "SELECT diff FROM audit_log WHERE tenant_id = $1 AND action = 'contact.import_updated' ORDER BY created_at DESC LIMIT 1",
        [f.tenantId],
      );
      expect(rows[0]!.diff.after).toMatchObject({ company: 'Lee Holdings', email: 'ann@lee.io' });
      expect(rows[0]!.diff.before).toMatchObject({ company: 'Lee Inc' });
      for (const side of [rows[0]!.diff.before, rows[0]!.diff.after]) expect(Object.keys(side).filter((k) => k === 'search_text' || k.startsWith('dup_'))).toEqual([]);
    } finally {
      c.release();
    }
  });

  it("a file's score (HubSpot Score) seeds a new contact only: a scored contact keeps its score and the re-import writes nothing", async () => {
    const g = await createTenantFixture(core);
    const file = (score: number) => ['Email,First Name,Last Name,HubSpot Score', `hs@score.test,Hal,Score,${score}`].join('\n');
    expect(await core.imports.importContacts(g.admin, text(file(40)))).toMatchObject({ created: 1 });
    expect((await core.contacts.findByEmail(g.admin, 'hs@score.test'))!.leadScore).toBe(40);
    // lead scoring owns the score from here (here: set as the rescoring would)
    const c = await t.db.connect();
    try {
      await c.query("UPDATE contacts SET lead_score = 73 WHERE tenant_id = $1 AND email = 'hs@score.test'", [g.tenantId]);
    } finally {
      c.release();
    }
    for (const score of [40, 55]) {
      expect(await core.imports.importContacts(g.admin, text(file(score)))).toMatchObject({ created: 0, updated: 0, unchanged: 1 });
      expect((await core.contacts.findByEmail(g.admin, 'hs@score.test'))!.leadScore).toBe(73);
    }
  });

  it('dates an imported outcome by "Became a Customer Date" or "Status Changed At" (lead scoring trains on it); re-importing a corrected date updates it', async () => {
    const g = await createTenantFixture(core);
    const file = (annDate: string) =>
      [
        'Email,First Name,Last Name,Lifecycle Stage,Became a Customer Date,Status Changed At',
        `ann@history.test,Ann,Lee,customer,${annDate},`,
        'bo@history.test,Bo,Chan,lead,2024-01-15,', // a customer date on a lead says nothing
        'cy@history.test,Cy,Diaz,unqualified,,2024-05-20',
        'di@history.test,Di,Ek,customer,,', // no date: dated by the import
      ].join('\n');
    const dates = async () => {
      const c = await t.db.connect();
      try {
        const { rows } = await c.query<{ email: string; at: Date }>('SELECT email, status_changed_at AS at FROM contacts WHERE tenant_id = $1 ORDER BY email', [g.tenantId]);
        return Object.fromEntries(rows.map((r) => [r.email, r.at.toISOString().slice(0, 10)]));
      } finally {
        c.release();
      }
    };
    const today = new Date().toISOString().slice(0, 10);
    const first = await core.imports.importContacts(g.admin, text(file('2024-03-02')));
    expect(first).toMatchObject({ created: 4, failed: 0 });
    const landed = await dates();
    // dates alone start at the tenant's (Europe/London) midnight: in May that is 23:00Z the day before
    expect(landed).toMatchObject({ 'ann@history.test': '2024-03-02', 'cy@history.test': '2024-05-19' });
    expect([today, new Date(Date.now() - 86_400_000).toISOString().slice(0, 10)]).toContain(landed['bo@history.test']);
    expect([today, new Date(Date.now() - 86_400_000).toISOString().slice(0, 10)]).toContain(landed['di@history.test']);
    // the same file again writes nothing; a corrected date updates that row only
    expect(await core.imports.importContacts(g.admin, text(file('2024-03-02')))).toMatchObject({ created: 0, updated: 0, unchanged: 4 });
    expect(await core.imports.importContacts(g.admin, text(file('2023-11-30')))).toMatchObject({ created: 0, updated: 1, unchanged: 3 });
    expect((await dates())['ann@history.test']).toBe('2023-11-30');
    // a date ahead is a row error, as for the other dates
    const ahead = await core.imports.importContacts(g.admin, text(file('2099-01-01')));
    expect(ahead.errors).toEqual([expect.objectContaining({ row: 2, path: 'customerSince' })]);
  });

  it('imports in many batches over parallel lanes: every row once, the later duplicate wins across batches', async () => {
    const lines = ['Email,First Name,Last Name,Company'];
    for (let i = 0; i < 120; i++) lines.push(`lane${i % 50}@lanes.io,L${i},Row${i},Co ${i}`);
    const progress: number[] = [];
    const g = await createTenantFixture(core);
    const report = await core.imports.importContacts(g.admin, text(lines.join('\n')), { batchSize: 7, lanes: 3, onProgress: (n) => progress.push(n) });
    // 50 distinct emails; duplicates either replace a row still in the open batch (skipped) or update it later
    expect(report.failed).toBe(0);
    expect(report.created).toBe(50);
    expect(report.created + report.updated + report.skipped).toBe(120);
    expect(progress.length).toBeGreaterThan(5);
    const page = await core.contacts.list(g.admin, { search: '@lanes.io', limit: 100 });
    expect(page.totalCount).toBe(50);
    for (const c of page.data) {
      const k = Number(c.email.slice(4, c.email.indexOf('@')));
      const last = k + 50 * Math.floor((119 - k) / 50);
      expect(c.firstName).toBe(`L${last}`);
    }
  });

  it("gives the import's events time-ordered (version 7) ids: distinct, and ascending from batch to batch", async () => {
    const g = await createTenantFixture(core);
    const lines = ['Email,First Name,Last Name'];
    for (let i = 0; i < 40; i++) lines.push(`v7-${i}@order.io,V${i},Row${i}`);
    const t0 = Date.now();
    const report = await core.imports.importContacts(g.admin, text(lines.join('\n')), { batchSize: 7, lanes: 1 });
    const t1 = Date.now();
    expect(report.created).toBe(40);
    const c = await t.db.connect();
    const ids = await c
      .query<{ id: string }>("SELECT id::text FROM outbox_events WHERE tenant_id = $1 AND type = 'contact.created' ORDER BY seq", [g.tenantId])
      .then((r) => r.rows.map((x) => x.id))
      .finally(() => c.release());
    expect(ids).toHaveLength(40);
    expect(new Set(ids).size).toBe(40);
    for (const id of ids) expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    // the first 48 bits are the writing statement's Unix milliseconds (database clock, same host: a generous margin)
    const ms = ids.map((id) => parseInt(id.replace(/-/g, '').slice(0, 12), 16));
    for (const m of ms) expect(Math.abs(m - (t0 + t1) / 2)).toBeLessThan(60_000 + (t1 - t0));
    // one batch at a time (one lane): a later batch's events never carry an earlier millisecond
    for (let i = 1; i < ms.length; i++) expect(ms[i]).toBeGreaterThanOrEqual(ms[i - 1]);
  });

  it('reports a cell with a NUL character as that row and column; the other rows land', async () => {
    const g = await createTenantFixture(core);
    const csvText = 'Email,First Name,Last Name,Favourite\na@nul.io,A\u0000x,B,z\nc@nul.io,C,D,y\u0000y\ne@nul.io,E,F,ok\n';
    const report = await core.imports.importContacts(g.admin, text(csvText));
    expect(report).toMatchObject({ rows: 3, created: 1, failed: 2 });
    expect(report.errors).toEqual([
      expect.objectContaining({ row: 2, path: 'First Name', reason: expect.stringMatching(/NUL/) }),
      expect.objectContaining({ row: 3, path: 'Favourite', reason: expect.stringMatching(/NUL/) }),
    ]);
    expect(await core.contacts.findByEmail(g.admin, 'e@nul.io')).toMatchObject({ firstName: 'E' });
  });

  it('imports interactions by contact email, idempotently, and updates lastContactDate', async () => {
    const activity = [
      'Contact Email;Activity Type;Activity Date;Subject;Notes;Duration',
      'ann@lee.io;Call;2026-02-03T10:00:00Z;Kickoff;Discussed the SEO retainer;30',
      'ann@lee.io;Email;2026-02-05T10:00:00Z;Proposal;Sent the proposal;',
      'ghost@nowhere.io;Call;2026-02-05T10:00:00Z;x;y;',
      'cy@diaz.io;Teleport;2026-02-05T10:00:00Z;x;y;',
    ].join('\n');
    const r1 = await core.imports.importInteractions(f.admin, text(activity));
    expect(r1).toMatchObject({ rows: 4, created: 2, failed: 2 });
    // in row order, although an unknown contact is only found when its batch is written
    expect(r1.errors.map((e) => [e.row, e.path])).toEqual([[4, 'contactEmail'], [5, 'type']]);
    const r2 = await core.imports.importInteractions(f.admin, text(activity));
    expect(r2).toMatchObject({ created: 0, skipped: 2 });
    const ann = await core.contacts.findByEmail(f.admin, 'ann@lee.io');
    expect(ann!.lastContactDate!.toISOString()).toBe('2026-02-05T10:00:00.000Z');
    expect((await core.interactions.timeline(f.admin, ann!.id)).interactions.map((i) => i.type)).toEqual(['EMAIL', 'PHONE_CALL']);
  });

  it('round-trips its own export', async () => {
    const exported = await collect(await core.exports.exportContacts(f.admin));
    expect(exported.split('\n')[0]).toContain('email');
    const same = await core.imports.importContacts(f.admin, text(exported));
    expect(same).toMatchObject({ failed: 0, created: 0, updated: 0, unchanged: 3 });
    // user ids do not exist in another tenant: that row is reported, the rest lands
    const other = await createTenantFixture(core);
    const report = await core.imports.importContacts(other.admin, text(exported));
    expect(report).toMatchObject({ failed: 1, created: 2, errors: [expect.objectContaining({ path: 'assignedTo', row: expect.any(Number) })] });
    const copy = await core.contacts.findByEmail(f.admin, 'ann@lee.io');
    expect(copy).toMatchObject({ firstName: 'Ann', status: 'CUSTOMER', company: 'Lee Holdings' });
    // the status date (what lead scoring dates outcomes by) travels with the export, to the millisecond
    expect(exported.split('\n')[0]).toContain('statusChangedAt');
    const c = await t.db.connect();
    try {
      const { rows } = await c.query<{ email: string; here: Date; there: Date }>(
        'SELECT a.email, a.status_changed_at AS here, b.status_changed_at AS there FROM contacts a JOIN contacts b ON b.email = a.email AND b.tenant_id = $2 WHERE a.tenant_id = $1',
        [f.tenantId, other.tenantId],
      );
      expect(rows).toHaveLength(2);
      for (const r of rows) expect(r.there.getTime(), r.email).toBe(Math.trunc(r.here.getTime()));
    } finally {
      c.release();
    }
    expect(copy!.customFields).toMatchObject({ 'Favourite Tool': 'Figma' });
    const interactions = await collect(await core.exports.exportInteractions(f.admin));
    expect(interactions.trim().split('\n')).toHaveLength(3);
  });

  it.each([
    ['an empty file', ''],
    ['a file without a header row', 'ann@lee.io,Ann,Lee\nbo@chan.io,Bo,Chan'],
    ['the wrong delimiter', 'First Name|Last Name|Email\nA|B|a@b.io'],
    ['no email column', 'First Name,Last Name\nA,B'],
  ])('rejects %s with VALIDATION_FAILED and stores nothing', async (_label, body) => {
    const before = (await core.contacts.list(f.admin)).totalCount;
    const err = await core.imports.importContacts(f.admin, text(body)).catch((e) => e);
    expect(err.code).toBe('VALIDATION_FAILED');
    expect(err.details.length).toBeGreaterThan(0);
    expect((await core.contacts.list(f.admin)).totalCount).toBe(before);
  });

  it('rejects bytes that are not UTF-8', async () => {
    const latin1 = Buffer.concat([Buffer.from('First Name,Last Name,Email\nJos'), Buffer.from([0xe9]), Buffer.from(',X,jx@x.io\n')]);
    const err = await core.imports.importContacts(f.admin, Readable.from([latin1])).catch((e) => e);
    expect(err.code).toBe('VALIDATION_FAILED');
    expect(JSON.stringify(err.details)).toMatch(/UTF-8/i);
  });

  describe('a file-level error late in the file stores nothing (the whole file is checked before the first write)', () => {
    // as a file stream delivers it: in chunks, so the rows before the error reach the import first
    const chunked = (buf: Buffer) => Readable.from(Array.from({ length: Math.ceil(buf.length / 16384) }, (_, i) => buf.subarray(i * 16384, (i + 1) * 16384)));
    const rows = (n: number, tag: string) => Array.from({ length: n }, (_, i) => `P${i},Late,late-${tag}-${i}@late.io`);
    const cases: [string, (tag: string) => Buffer][] = [
      ['an unterminated quote at row 4,802', (tag) => Buffer.from(['First Name,Last Name,Email', ...rows(4800, tag), '"Open,Quote,open@late.io', ...rows(5, `${tag}b`)].join('\n'))],
      ['a byte that is not UTF-8 at row 4,802', (tag) => Buffer.concat([Buffer.from(['First Name,Last Name,Email', ...rows(4800, tag), 'Jos'].join('\n')), Buffer.from([0xe9]), Buffer.from(',X,jx@late.io\n')])],
      ['a record over the size limit at row 4,802', (tag) => Buffer.from(['First Name,Last Name,Email', ...rows(4800, tag), `"${'x'.repeat(1_100_000)}",Y,big@late.io`].join('\n'))],
    ];
    it.each(cases)('%s', async (_name, make) => {
      const tag = Math.random().toString(36).slice(2, 8);
      const before = (await core.contacts.list(f.admin)).totalCount;
      const progress: number[] = [];
      // small batches: without the check, 48 batches would have committed before the error
      const err = await core.imports.importContacts(f.admin, chunked(make(tag)), { batchSize: 100, onProgress: (n) => progress.push(n) }).catch((e) => e);
      expect(err.code).toBe('VALIDATION_FAILED');
      expect(err.details[0].row ?? 0).toBeGreaterThanOrEqual(4800);
      expect(progress).toEqual([]);
      expect((await core.contacts.list(f.admin)).totalCount).toBe(before);
      expect((await core.contacts.list(f.admin, { search: `late-${tag}` })).totalCount).toBe(0);
    });

    it('interactions too (past the 5,000 rows read ahead to decide date formats)', async () => {
      await core.contacts.create(f.admin, { firstName: 'Ivy', lastName: 'Late', email: 'ivy@late.io' });
      const good = ['Contact Email,Activity Type,Activity Date,Notes', 'ivy@late.io,Call,2024-05-01T10:00:00Z,first call'].join('\n');
      // the same rows without the bad line land (so the test would see them if they were written)
      expect((await core.imports.importInteractions(f.admin, text(good))).created).toBe(1);
      const before = (await core.interactions.list(f.admin, {})).totalCount;
      const lines = Array.from({ length: 6000 }, (_, i) => `ivy@late.io,Call,2024-05-01T10:${String(i % 60).padStart(2, '0')}:00Z,late note ${i}`);
      const body = Buffer.from(['Contact Email,Activity Type,Activity Date,Notes', ...lines, '"unterminated,Call,2024-05-01T10:00:00Z,x'].join('\n'));
      const err = await core.imports.importInteractions(f.admin, chunked(body), { batchSize: 100 }).catch((e) => e);
      expect(err.code).toBe('VALIDATION_FAILED');
      expect((await core.interactions.list(f.admin, {})).totalCount).toBe(before);
    });

    it('row-level problems still land the good rows of the same file', async () => {
      const tag = Math.random().toString(36).slice(2, 8);
      const body = ['First Name,Last Name,Email', ...rows(300, tag), 'Bad,Row,not-an-email', 'Too,Many,cells@late.io,extra,cells'].join('\n');
      const report = await core.imports.importContacts(f.admin, text(body), { batchSize: 100 });
      expect(report.created).toBe(300);
      expect(report.errors.map((e) => e.row)).toEqual([302, 303]);
    });
  });

  it('a sales rep may not bulk import', async () => {
    await expect(core.imports.importContacts(f.rep, text(csv))).rejects.toMatchObject({ code: 'PERMISSION_DENIED' });
  });
});
