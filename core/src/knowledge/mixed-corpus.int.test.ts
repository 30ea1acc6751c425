import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCrmCore, type CrmCore } from '../crm-core.ts';
import { silentLogger } from '../logger.ts';
import { createTenantFixture, openTestDatabase, testDbKinds, type TenantFixture, type TestDatabase } from '../testing/index.ts';

const PRICING = `# SEO retainer

## What the package includes

The SEO retainer includes a technical site audit, keyword research, monthly content briefs and a
ranking report. Pricing starts at 1,800 per month with a three-month minimum term.
`;

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
    for (let c = 0; c < 6; c++) {
      const contact = await core.contacts.create(f.admin, { firstName: `Client${c}`, lastName: 'Mixed', email: `client${c}@mixed.io`, company: `Mixed ${c}` });
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

  it('honours a source filter', async () => {
    const talks = await core.knowledge.search(f.manager, { query: 'what does the SEO retainer package include', k: 5, types: ['interaction'] });
    expect(talks.results.map((r) => r.kind)).toEqual(Array(5).fill('interaction'));
    const docs = await core.knowledge.search(f.manager, { query: 'what does the SEO retainer package include', k: 5, types: ['document'] });
    expect(docs.results.map((r) => r.kind)).toEqual(docs.results.map(() => 'document'));
    expect(docs.results.length).toBeGreaterThan(0);
  });
});
