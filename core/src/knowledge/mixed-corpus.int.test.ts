import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCrmCore, type CrmCore } from '../crm-core.ts';
import { silentLogger } from '../logger.ts';
import { createTenantFixture, openTestDatabase, testDbKinds, type TenantFixture, type TestDatabase } from '../testing/index.ts';

const PRICING = `# SEO retainer

## What the package includes

The SEO retainer includes a technical site audit, keyword research, monthly content briefs and a
ranking report. Pricing starts at 1,800 per month with a three-month minimum term.
`;

// four more one-chunk playbooks that mention the retainer, so the document list is longer than four
const RETAINER_NOTES = [
  '# SEO retainer reporting\n\nEvery SEO retainer client gets a monthly ranking report by the fifth working day.',
  '# SEO retainer tiers\n\nAn SEO retainer can move up or down a tier at the start of any month.',
  '# Pausing an SEO retainer\n\nAn SEO retainer can be paused once a year for up to two months.',
  '# Ending an SEO retainer\n\nAfter the minimum term the SEO retainer rolls monthly with 30 days of notice.',
];

// Interactions outnumber documents a hundredfold in a real tenant and mention the same services:
// an unfiltered search must still surface the playbook, and each source's filter must still work.
describe.each(testDbKinds())('search over documents and many interactions on %s', (kind) => {
  let t: TestDatabase;
  let core: CrmCore;
  let f: TenantFixture;

  beforeAll(async () => {
    t = await openTestDatabase(kind);
    core = createCrmCore({ db: t.db, logger: silentLogger(), knowledge: { indexInteractions: false } });
    f = await createTenantFixture(core);
    await core.knowledge.addDocument(f.admin, { filename: 'services/seo-retainer.md', bytes: new TextEncoder().encode(PRICING) });
    for (const [n, text] of RETAINER_NOTES.entries()) {
      await core.knowledge.addDocument(f.admin, { filename: `services/seo-retainer-note-${n}.md`, bytes: new TextEncoder().encode(text) });
    }
    for (let c = 0; c < 6; c++) {
      const contact = await core.contacts.create(f.admin, { firstName: ['Ava', 'Ben', 'Cleo', 'Dev', 'Eli', 'Fay'][c], lastName: 'Mixed', email: `client${c}@mixed.io`, company: `Mixed ${c}` });
      for (let i = 0; i < 10; i++) {
        await core.interactions.log(f.admin, {
          contactId: contact.id,
          type: 'EMAIL',
          channel: 'EMAIL',
          direction: i % 2 ? 'INBOUND' : 'OUTBOUND',
          subject: `SEO retainer follow-up ${i}`,
          content: `Following up on the SEO retainer: the keyword research and the ranking report for month ${i} are attached. What does the package include next month?`,
        });
      }
    }
    await core.knowledge.backfillInteractions(f.tenantId);
  });
  afterAll(() => t.drop());

  it('keeps the playbook in the top results next to the interactions', async () => {
    const res = await core.knowledge.search(f.manager, { query: 'what does the SEO retainer package include', k: 5 });
    expect(res.results).toHaveLength(5);
    expect(res.results[0]).toMatchObject({ kind: 'document', source: 'services/seo-retainer.md' });
    expect(res.results.some((r) => r.kind === 'interaction')).toBe(true);
    for (let i = 1; i < res.results.length; i++) expect(res.results[i].score).toBeLessThanOrEqual(res.results[i - 1].score);
  });

  // record-intent.ts: a question about the CRM's records lets the interactions lead by one place
  // (recordInteractionLead); any other question lets the playbooks lead by three (documentLead). A
  // named contact's or company's interactions come first.
  it('gives the documents the lead unless the question is about a company, contact, time or conversations', async () => {
    const search = async (query: string) => (await core.knowledge.search(f.manager, { query, k: 5 })).results;
    const kinds = async (query: string) => (await search(query)).map((r) => r.kind);
    const [D, I] = ['document', 'interaction'];
    expect(await kinds('what does the SEO retainer package include')).toEqual([D, D, D, D, I]);
    const company = await search('what did Mixed 3 say about the SEO retainer package');
    expect(company.map((r) => r.kind)).toEqual([I, I, I, I, I]);
    expect(new Set(company.map((r) => r.title.replace(/ on .*/, '')))).toEqual(new Set(['Email with Dev Mixed (Mixed 3)']));
    expect(await kinds('SEO retainer package emails last week')).toEqual([I, D, I, D, I]);
    expect(await kinds('who asked about the SEO retainer package')).toEqual([I, D, I, D, I]);
    expect(await kinds('what did Eli Mixed say about the SEO retainer package')).toEqual([I, I, I, I, I]);
    const alternating = createCrmCore({ db: t.db, logger: silentLogger(), knowledge: { indexInteractions: false, retrieval: { documentLead: 0 } } });
    try {
      const res = await alternating.knowledge.search(f.manager, { query: 'what does the SEO retainer package include', k: 5 });
      expect(res.results.map((r) => r.kind)).toEqual([D, I, D, I, D]);
    } finally {
      await alternating.outbox.stop();
    }
  });

  it('honours a source filter', async () => {
    const talks = await core.knowledge.search(f.manager, { query: 'what does the SEO retainer package include', k: 5, types: ['interaction'] });
    expect(talks.results.map((r) => r.kind)).toEqual(Array(5).fill('interaction'));
    const docs = await core.knowledge.search(f.manager, { query: 'what does the SEO retainer package include', k: 5, types: ['document'] });
    expect(docs.results.map((r) => r.kind)).toEqual(docs.results.map(() => 'document'));
    expect(docs.results.length).toBeGreaterThan(0);
  });
});
