import { randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCrmCore, type CrmCore } from '../crm-core.ts';
import { inTenantTx } from '../db/tenant-tx.ts';
import { writeEvent } from '../outbox/outbox.writer.ts';
import type { Actor } from '../users/user.schema.ts';
import { createTenantFixture, openTestDatabase, testDbKinds, type TenantFixture, type TestDatabase } from '../testing/index.ts';
import { buildPdf } from './test-pdf.fixture.ts';

const bytes = (s: string) => new TextEncoder().encode(s);
const PLAYBOOK = `# Discount playbook

## Annual prepayment

Clients who prepay a full year get a 10% discount on the monthly retainer.

## Nonprofits

Registered charities receive 15% off every service package.
`;

describe.each(testDbKinds())('knowledge base on %s', (kind) => {
  let t: TestDatabase;
  let core: CrmCore;
  let f: TenantFixture;
  let other: TenantFixture;
  const logLines: string[] = [];
  const count = async (actor: Actor, table: string) =>
    Number((await t.db.withTenant(actor.tenantId, (em) => em.execute<{ n: string }[]>(`SELECT count(*) AS n FROM ${table}`)))[0].n);

  beforeAll(async () => {
    t = await openTestDatabase(kind);
    const sink = new Writable({ write: (chunk, _enc, done) => (logLines.push(String(chunk)), done()) });
    core = createCrmCore({ db: t.db, logger: pino({ level: 'warn' }, sink), outbox: { pollMs: 50 } });
    f = await createTenantFixture(core);
    other = await createTenantFixture(core);
  });
  afterAll(async () => {
    await core.outbox.stop();
    await t.drop();
  });

  it('ingests a document, and re-ingesting it unchanged is a no-op', async () => {
    const first = await core.knowledge.addDocument(f.admin, { filename: 'sales/discounts.md', bytes: bytes(PLAYBOOK) });
    expect(first).toMatchObject({ status: 'created', document: { source: 'sales/discounts.md', title: 'Discount playbook', type: 'markdown' } });
    expect(first.chunks).toBeGreaterThan(0);
    const chunkIds = await t.db.withTenant(f.tenantId, (em) => em.execute<{ id: string }[]>('SELECT id FROM kb_chunks ORDER BY id'));
    const again = await core.knowledge.addDocument(f.manager, { filename: 'sales/discounts.md', bytes: bytes(`${PLAYBOOK}\n\n`) });
    expect(again).toMatchObject({ status: 'unchanged', document: { id: first.document.id } });
    expect(await t.db.withTenant(f.tenantId, (em) => em.execute<{ id: string }[]>('SELECT id FROM kb_chunks ORDER BY id'))).toEqual(chunkIds);
    const got = await core.knowledge.getDocument(f.rep, first.document.id);
    expect(got.text).toContain('Registered charities receive 15% off');
    expect((await core.knowledge.listDocuments(f.marketing)).total).toBe(1);
  });

  it('finds passages with citations, and a changed document replaces its chunks atomically', async () => {
    const res = await core.knowledge.search(f.rep, { query: 'discount for charities', k: 3 });
    expect(res.results[0]).toMatchObject({ kind: 'document', source: 'sales/discounts.md', title: 'Discount playbook' });
    expect(res.results[0].passage).toContain('Registered charities receive 15% off');
    expect(res.results[0].uri).toBe(`crm://kb/${res.results[0].documentId}`);
    expect(res.vectorSearch).toBe(kind === 'pglite' ? 'used' : 'unavailable');

    const changed = await core.knowledge.addDocument(f.admin, {
      filename: 'sales/discounts.md',
      bytes: bytes(PLAYBOOK.replace('Registered charities receive 15% off every service package.', 'Charities get a free audit instead of a discount.')),
    });
    expect(changed.status).toBe('updated');
    expect(await count(f.admin, 'kb_documents')).toBe(1);
    expect(await count(f.admin, "kb_chunks WHERE kind = 'document'")).toBe(changed.chunks);
    const after = await core.knowledge.search(f.rep, { query: 'charities', k: 5, mode: 'fulltext' });
    expect(after.results.map((r) => r.passage).join(' ')).toContain('free audit');
    expect(after.results.map((r) => r.passage).join(' ')).not.toContain('15% off');
  });

  it('rejects bad files with a clear error and stores nothing', async () => {
    const before = [await count(f.admin, 'kb_documents'), await count(f.admin, 'kb_chunks')];
    const corruptPdf = buildPdf([['Hello']]).slice(0, 120);
    for (const [filename, data, reason] of [
      ['empty.md', new Uint8Array(0), /empty/],
      ['blank.txt', bytes('   \n\n  '), /empty/],
      ['image.txt', new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0, 0, 0, 0, 1, 2, 3, 0, 0, 9]), /binary/],
      ['broken.pdf', corruptPdf, /PDF/i],
      ['sheet.xlsx', bytes('a,b'), /unsupported file type/],
      ['huge.txt', new Uint8Array(21 * 1024 * 1024).fill(97), /too large/],
    ] as const) {
      await expect(core.knowledge.addDocument(f.admin, { filename, bytes: data }), filename).rejects.toMatchObject({
        code: 'VALIDATION_FAILED',
        message: expect.stringMatching(reason),
      });
    }
    expect([await count(f.admin, 'kb_documents'), await count(f.admin, 'kb_chunks')]).toEqual(before);
  });

  it('lets managers and marketing write the knowledge base, not reps', async () => {
    await expect(core.knowledge.addDocument(f.rep, { filename: 'x.md', bytes: bytes('# X\n\nText') })).rejects.toMatchObject({ code: 'PERMISSION_DENIED' });
    const doc = await core.knowledge.addDocument(f.marketing, { filename: 'campaigns.md', bytes: bytes('# Campaigns\n\nSpring newsletter goes out in March.') });
    await expect(core.knowledge.deleteDocument(f.rep, doc.document.id)).rejects.toMatchObject({ code: 'PERMISSION_DENIED' });
    await expect(core.knowledge.deleteDocument(f.manager, doc.document.id)).resolves.toMatchObject({ deleted: true });
    await expect(core.knowledge.getDocument(f.admin, doc.document.id)).rejects.toMatchObject({ code: 'NOT_FOUND' });
    // term statistics follow deletes: the document's own words are gone, the chunk count is exact
    expect(await count(f.admin, "kb_terms WHERE lexeme = 'newslett'")).toBe(0);
    const [state] = await t.db.withTenant(f.tenantId, (em) => em.execute<{ chunk_count: number }[]>('SELECT chunk_count FROM kb_index_state'));
    expect(state.chunk_count).toBe(await count(f.admin, 'kb_chunks'));
  });

  it('never returns another tenant’s chunks', async () => {
    await core.knowledge.addDocument(other.admin, { filename: 'sales/discounts.md', bytes: bytes('# Other agency\n\nCharities pay full price with us, no discount for charities.') });
    for (const mode of ['hybrid', 'fulltext', 'vector'] as const) {
      const mine = await core.knowledge.search(f.admin, { query: 'discount for charities', mode, k: 20 });
      expect(mine.results.length, mode).toBeGreaterThan(0);
      expect(mine.results.every((r) => !r.passage.includes('Other agency') && !r.title.includes('Other agency')), mode).toBe(true);
      const theirs = await core.knowledge.search(other.rep, { query: 'discount for charities', mode, k: 20 });
      expect(theirs.results.every((r) => r.title === 'Other agency'), mode).toBe(true);
    }
    // row-level security itself: a tenant transaction sees only its own rows, whatever the WHERE
    const rows = await t.db.withTenant(f.tenantId, (em) => em.execute<{ tenant_id: string }[]>('SELECT DISTINCT tenant_id FROM kb_chunks'));
    expect(rows.map((r) => r.tenant_id)).toEqual([f.tenantId]);
  });

  it('indexes logged interactions from the outbox; a rep sees only interactions of their own contacts', async () => {
    const mine = await core.contacts.create(f.rep, { firstName: 'Nadia', lastName: 'Osei', email: 'nadia@harbourside.test', company: 'Harbourside Dental' });
    const theirs = await core.contacts.create(f.otherRep, { firstName: 'Tom', lastName: 'Reyes', email: 'tom@pennant.test', company: 'Pennant Fixings' });
    await core.interactions.log(f.rep, { contactId: mine.id, type: 'PHONE_CALL', channel: 'PHONE', direction: 'OUTBOUND', subject: 'Invisalign campaign', content: 'Discussed a paid social campaign for Invisalign consultations.', outcome: 'Wants a proposal by Friday' });
    await core.interactions.log(f.otherRep, { contactId: theirs.id, type: 'MEETING', channel: 'IN_PERSON', direction: 'OUTBOUND', subject: 'Trade catalogue', content: 'Walked through a paid social campaign for the trade catalogue launch.' });
    await core.outbox.drain();

    const forManager = await core.knowledge.search(f.manager, { query: 'paid social campaign', types: ['interaction'], k: 10 });
    expect(forManager.results.map((r) => r.contactId).sort()).toEqual([mine.id, theirs.id].sort());
    expect(forManager.results.find((r) => r.contactId === mine.id)).toMatchObject({
      title: expect.stringMatching(/^Phone call with Nadia Osei \(Harbourside Dental\) on \d{4}-\d{2}-\d{2}$/),
      uri: expect.stringMatching(/^crm:\/\/interactions\//),
    });
    expect(forManager.results.find((r) => r.contactId === mine.id)!.passage).toContain('Outcome: Wants a proposal by Friday');

    const forRep = await core.knowledge.search(f.rep, { query: 'paid social campaign', types: ['interaction'], k: 10 });
    expect(forRep.results.map((r) => r.contactId)).toEqual([mine.id]);
    const forMarketing = await core.knowledge.search(f.marketing, { query: 'paid social campaign', k: 10 });
    expect(forMarketing.results.every((r) => r.kind === 'document')).toBe(true);
    const byContact = await core.knowledge.search(f.manager, { query: 'campaign', contactId: theirs.id });
    expect(byContact.results.map((r) => r.contactId)).toEqual([theirs.id]);
    const future = await core.knowledge.search(f.manager, { query: 'campaign', types: ['interaction'], after: new Date(Date.now() + 86_400_000) });
    expect(future.results).toEqual([]);
    expect((await core.knowledge.search(other.admin, { query: 'paid social campaign', types: ['interaction'] })).results).toEqual([]);
  });

  it('indexes interactions announced by an import event ({interactionId})', async () => {
    const c = await core.contacts.create(f.manager, { firstName: 'Ola', lastName: 'Berg', email: 'ola@fernwood.test', company: 'Fernwood Outdoor' });
    const id = randomUUID();
    await inTenantTx(t.db, f.manager, async (em) => {
      await em.execute(
        `INSERT INTO interactions (id, tenant_id, contact_id, type, channel, direction, subject, content) VALUES (?, ?, ?, 'EMAIL', 'EMAIL', 'INBOUND', ?, ?)`,
        [id, f.tenantId, c.id, 'Tent catalogue', 'Imported note: wants a Black Friday email sequence for the tent catalogue.'],
      );
      await writeEvent(em, f.manager, 'interaction.logged', { type: 'contact', id: c.id }, { interactionId: id, contactId: c.id, source: 'import' });
    });
    await core.outbox.drain();
    const res = await core.knowledge.search(f.manager, { query: 'black friday email sequence', types: ['interaction'] });
    expect(res.results[0]).toMatchObject({ interactionId: id, contactId: c.id, title: expect.stringMatching(/^Email with Ola Berg \(Fernwood Outdoor\) on \d{4}-\d{2}-\d{2}$/) });
  });

  it('follows an interaction to the surviving contact when contacts are merged', async () => {
    const a = await core.contacts.create(f.manager, { firstName: 'Ines', lastName: 'Mora', email: 'ines@olive.test', company: 'Olive & Ember' });
    const b = await core.contacts.create(f.manager, { firstName: 'Ines', lastName: 'Mora', email: 'ines.mora@olive.test', company: 'Olive & Ember' });
    await core.interactions.log(f.manager, { contactId: b.id, type: 'EMAIL', channel: 'EMAIL', direction: 'INBOUND', subject: 'Menu photography', content: 'Asked about seasonal menu photography.' });
    await core.outbox.drain();
    await core.merge.merge(f.manager, { primaryId: a.id, duplicateId: b.id });
    const res = await core.knowledge.search(f.manager, { query: 'menu photography', types: ['interaction'] });
    expect(res.results[0].contactId).toBe(a.id);
  });

  it('puts the interactions of a contact the question names first, each citing who and when', async () => {
    const dana = await core.contacts.create(f.manager, { firstName: 'Dana', lastName: 'Whitfield', email: 'dana@ledgerly.test', company: 'Ledgerly' });
    const sam = await core.contacts.create(f.manager, { firstName: 'Sam', lastName: 'Okafor', email: 'sam@castell.test', company: 'Castell & Reed' });
    await core.interactions.log(f.manager, { contactId: sam.id, type: 'EMAIL', channel: 'EMAIL', direction: 'INBOUND', subject: 'Pricing', content: 'Thinks the pricing of the SEO retainer is too high; asked for pricing of a smaller package.' });
    await core.interactions.log(f.manager, { contactId: dana.id, type: 'PHONE_CALL', channel: 'PHONE', direction: 'OUTBOUND', subject: 'Budget', content: 'Happy with the blog results; the retainer cost is fine if reporting improves.' });
    await core.outbox.drain();
    const plain = await core.knowledge.search(f.manager, { query: 'pricing too high', types: ['interaction'], k: 5 });
    expect(plain.results[0].contactId).toBe(sam.id);
    // a possessive is the name too ("Dana Whitfield's" was read as the word "whitfield's" and missed)
    for (const query of ['what did Dana Whitfield say about pricing', 'what did Dana say about pricing', 'what did dana whitfield say about pricing', "Dana Whitfield's view on pricing", 'Dana’s pricing feedback']) {
      const res = await core.knowledge.search(f.manager, { query, k: 5 });
      expect(res.results[0], query).toMatchObject({
        kind: 'interaction',
        contactId: dana.id,
        title: expect.stringMatching(/^Phone call with Dana Whitfield \(Ledgerly\) on \d{4}-\d{2}-\d{2}$/),
      });
    }
    // a named company's people come first too: Dana's call has the subject "Budget", Sam works at Castell & Reed
    const company = await core.knowledge.search(f.manager, { query: 'what did Castell say about the budget', k: 5 });
    expect(company.results[0]).toMatchObject({ kind: 'interaction', contactId: sam.id });
    // a first name in lower case alone is not taken for a name; the other rep's view stays scoped
    expect((await core.knowledge.search(f.manager, { query: 'what did dana say about pricing', types: ['interaction'], k: 5 })).results[0].contactId).toBe(sam.id);
    expect((await core.knowledge.search(f.rep, { query: 'what did Dana say about pricing', k: 5 })).results.every((r) => r.contactId !== dana.id)).toBe(true);
  });

  it.runIf(kind === 'postgres')('degrades to full-text search when the server has no pgvector, and says so', async () => {
    const res = await core.knowledge.search(f.admin, { query: 'discount for charities', mode: 'vector' });
    expect(res).toMatchObject({ vectorSearch: 'unavailable', warning: expect.stringContaining('pgvector') });
    expect(res.results.length).toBeGreaterThan(0);
    expect(await core.knowledge.vectorSearchStatus()).toMatchObject({ available: false, store: 'pgvector' });
    expect(logLines.filter((l) => l.includes('vector search is unavailable'))).toHaveLength(1);
  });
});
