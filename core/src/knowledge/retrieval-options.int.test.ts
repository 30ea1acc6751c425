import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCrmCore, type CrmCore } from '../crm-core.ts';
import { silentLogger } from '../logger.ts';
import { createTenantFixture, openTestDatabase, testDbKinds, type TenantFixture, type TestDatabase } from '../testing/index.ts';
import type { RetrievalOptions } from './hybrid-retrieval.ts';

const DOCS: Record<string, string> = {
  'pause.md': '# Pausing\n\n## Pause a retainer\n\nA retainer can be paused in January by hospitality clients for up to two months.',
  'seasons.md': '# Seasonal work\n\nHospitality clients slow down in January; restaurants and hotels plan the quiet season with us.',
  'invoices.md': '# Invoices\n\nInvoices are due within fourteen days of the invoice date.',
  'rates.md': '# Rates\n\n## Discount\n\nSee the price list for the current rates.',
  'offers.md': '# Offers\n\nA discount for charities, another discount for prepayment and a bundle discount for two services.',
};

// The tuning-only retrieval options of issue 14 (RM3 feedback and heading/body field weights): the
// full-text SQL runs on PGlite and on the PostgreSQL server (full text only there), so both are tested.
describe.each(testDbKinds())('retrieval options on the full-text side on %s', (kind) => {
  let t: TestDatabase;
  let f: TenantFixture;
  const cores: CrmCore[] = [];
  const withOptions = (retrieval: RetrievalOptions) => {
    const core = createCrmCore({ db: t.db, logger: silentLogger(), knowledge: { indexInteractions: false, retrieval } });
    cores.push(core);
    return core;
  };
  const sources = async (retrieval: RetrievalOptions, query: string) =>
    (await withOptions(retrieval).knowledge.search(f.rep, { query, k: 10, mode: 'fulltext', types: ['document'] })).results.map((r) => r.source);

  beforeAll(async () => {
    t = await openTestDatabase(kind);
    const core = withOptions({});
    f = await createTenantFixture(core);
    for (const [filename, text] of Object.entries(DOCS)) await core.knowledge.addDocument(f.admin, { filename, bytes: new TextEncoder().encode(text) });
  });
  afterAll(async () => {
    for (const c of cores) await c.outbox.stop();
    await t.drop();
  });

  it('RM3 feedback adds passages that share the best hits’ words but none of the query’s', async () => {
    expect(await sources({}, 'pause retainer')).toEqual(['pause.md']);
    const expanded = await sources({ rm3: { docs: 1, terms: 5, weight: 0.5 } }, 'pause retainer');
    // "hospitality", "January" and "clients" come from the feedback passage; the invoice note shares none
    expect(expanded[0]).toBe('pause.md');
    expect(expanded).toContain('seasons.md');
    expect(expanded).not.toContain('invoices.md');
  });

  it('field weights move heading matches above or below body matches', async () => {
    expect((await sources({ textFields: { heading: 1, body: 0 } }, 'discount'))[0]).toBe('rates.md');
    expect((await sources({ textFields: { heading: 0, body: 1 } }, 'discount'))[0]).toBe('offers.md');
    // weights above 1 are scaled (ts_rank takes 0–1): 4 : 2 ranks like 1 : 0.5
    expect(await sources({ textFields: { heading: 4, body: 2 } }, 'discount')).toEqual(await sources({ textFields: { heading: 1, body: 0.5 } }, 'discount'));
  });

  // hybrid needs pgvector (PGlite here): the document-evidence path re-applies the protected places after it
  it.runIf(kind === 'pglite')('document evidence with no weight keeps the hybrid order; a large aggregation weight lifts multi-passage documents', async () => {
    const search = (retrieval: RetrievalOptions) => withOptions({ rerank: false, ...retrieval }).knowledge.search(f.rep, { query: 'hospitality clients in January', k: 10, mode: 'hybrid', types: ['document'] });
    const base = await search({});
    const zero = await search({ documentEvidence: { aggregate: { weight: 0, decay: 0.5 }, agreement: { k: 10, bonus: 0 } } });
    expect(zero.results.map((r) => r.id)).toEqual(base.results.map((r) => r.id));
    const heavy = await search({ documentEvidence: { aggregate: { weight: 10, decay: 1 } } });
    expect(heavy.results.map((r) => r.id).sort()).toEqual(base.results.map((r) => r.id).sort());
  });

  it('rejects bad options with the field and the reason', async () => {
    await expect(sources({ textFields: { heading: 0, body: 0 } }, 'discount')).rejects.toThrow(/textFields: heading and body must be ≥ 0 and not both 0/);
    await expect(sources({ rm3: { docs: 0, terms: 5, weight: 0.5 } }, 'discount')).rejects.toThrow(/rm3: docs and terms must be positive integers/);
  });
});
