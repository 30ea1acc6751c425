import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCrmCore, type CrmCore } from '../crm-core.ts';
import { silentLogger } from '../logger.ts';
import { createTenantFixture, openTestDatabase, testDbKinds, type TenantFixture, type TestDatabase } from '../testing/index.ts';
import { spellingCorrections } from './spelling-correction.ts';

const bytes = (s: string) => new TextEncoder().encode(s);
const DOCS = {
  'sales/replies.md': `# Replies\n\n## New enquiries\n\nAnswer every new enquiry within one business hour with the enquiry reply template.\n`,
  'pricing/invoices.md': `# Invoices\n\n## Late invoices\n\nAn overdue invoice is chased after seven days by the finance team.\n`,
  'sales/sectors.md': `# Sectors\n\n## Sectors we decline\n\nWe do not take on cryptocurrency trading or gambling businesses.\n`,
};

describe.each(testDbKinds())('query spelling correction against the tenant vocabulary on %s', (kind) => {
  let t: TestDatabase;
  let core: CrmCore;
  let plain: CrmCore;
  let f: TenantFixture;
  let other: TenantFixture;
  beforeAll(async () => {
    t = await openTestDatabase(kind);
    core = createCrmCore({ db: t.db, logger: silentLogger(), knowledge: { indexInteractions: false } });
    plain = createCrmCore({ db: t.db, logger: silentLogger(), knowledge: { indexInteractions: false, retrieval: { spellingCorrection: false } } });
    f = await createTenantFixture(core);
    other = await createTenantFixture(core);
    for (const [filename, text] of Object.entries(DOCS)) await core.knowledge.addDocument(f.admin, { filename, bytes: bytes(text) });
    await core.knowledge.addDocument(other.admin, { filename: 'other.md', bytes: bytes('# Other\n\nOur enquirey desk answers the phone.\n') });
  });
  afterAll(async () => {
    await core.outbox.stop();
    await plain.outbox.stop();
    await t.drop();
  });

  it('corrects a misspelt word to the one-edit spelling the passages use, and only that word', async () => {
    const c = await t.db.withTenant(f.tenantId, (em) => spellingCorrections(em, f.tenantId, 'how fast to answer an enquirey from Dana about the zqxwvy'));
    // "Dana" is a name (capitalised), "zqxwvy" has no indexed neighbour, the rest are dictionary or stop words
    expect([...c]).toEqual([['enquirey', 'enquiry']]);
  });

  it('finds the passage a misspelt query means in full-text search; without correction it finds nothing', async () => {
    const query = 'enquirey';
    const fixed = await core.knowledge.search(f.rep, { query, k: 3, mode: 'fulltext' });
    expect(fixed.query).toBe(query);
    expect(fixed.results[0]).toMatchObject({ source: 'sales/replies.md' });
    const typed = await plain.knowledge.search(f.rep, { query, k: 3, mode: 'fulltext' });
    expect(typed.results).toEqual([]);
  });

  it("keeps a word another tenant's passages spell that way, and corrects by this tenant's vocabulary only", async () => {
    // the other tenant indexed "enquirey" as written: for it the word is known and stays
    expect([...(await t.db.withTenant(other.tenantId, (em) => spellingCorrections(em, other.tenantId, 'enquirey desk')))]).toEqual([]);
    // "invoise" is one edit from "invoice", which only the first tenant's passages hold
    expect([...(await t.db.withTenant(f.tenantId, (em) => spellingCorrections(em, f.tenantId, 'overdue invoise')))]).toEqual([['invoise', 'invoice']]);
    expect([...(await t.db.withTenant(other.tenantId, (em) => spellingCorrections(em, other.tenantId, 'overdue invoise')))]).toEqual([]);
  });

  it('completes a word the index does not know to the indexed word it begins, when no one-edit spelling exists', async () => {
    const c = await t.db.withTenant(f.tenantId, (em) => spellingCorrections(em, f.tenantId, 'do we work with crypto firms'));
    expect([...c]).toEqual([['crypto', 'cryptocurr']]);
    const fixed = await core.knowledge.search(f.rep, { query: 'crypto firms', k: 3, mode: 'fulltext' });
    expect(fixed.results[0]).toMatchObject({ source: 'sales/sectors.md' });
    expect((await plain.knowledge.search(f.rep, { query: 'crypto firms', k: 3, mode: 'fulltext' })).results).toEqual([]);
  });
});
