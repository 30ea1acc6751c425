import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCrmCore, type CrmCore } from '../crm-core.ts';
import { silentLogger } from '../logger.ts';
import { createTenantFixture, databaseOf, openTestDatabase, type TenantFixture, type TestDatabase } from '../testing/index.ts';
import { createPgVectorStore } from './pgvector.store.ts';
import { createTenantEmbedders } from './tenant-embedder.ts';

const doc = (n: number) => `# Playbook ${n}\n\n## Kick-off ${n}\n\nThe kick-off call for package ${n} covers goals, access and reporting.\n\n## Reporting ${n}\n\nA monthly report for package ${n} lists rankings, traffic and leads.\n`;

// The re-embedding reads the corpus page by page (short statements on the embedded database):
// every chunk must get a vector of the new generation, none twice, whatever the page size.
describe('re-embedding a tenant reads its chunks in pages (PGlite with pgvector)', () => {
  let t: TestDatabase;
  let core: CrmCore;
  let f: TenantFixture;

  beforeAll(async () => {
    t = await openTestDatabase('pglite');
    core = createCrmCore({ db: t.db, logger: silentLogger(), knowledge: { indexInteractions: false } });
    f = await createTenantFixture(core);
    for (let n = 0; n < 4; n++) await core.knowledge.addDocument(f.admin, { filename: `playbooks/p${n}.md`, bytes: new TextEncoder().encode(doc(n)) });
  });
  afterAll(() => t.drop());

  it.each([1, 3, 2_000])('page of %i chunks: one vector per chunk under the new model', async (readPage) => {
    const db = databaseOf(t.db);
    const store = createPgVectorStore(db);
    const embedders = createTenantEmbedders({ db, store, logger: silentLogger(), readPage });
    const { chunks, model } = await embedders.reindex(f.tenantId);
    const [counts] = await db.withTenant(f.tenantId, (em) =>
      em.execute<{ chunks: number; vectors: number; distinct_chunks: number; other_models: number }[]>(
        `SELECT (SELECT count(*)::int FROM kb_chunks WHERE tenant_id = ?) AS chunks,
                (SELECT count(*)::int FROM kb_vectors WHERE tenant_id = ? AND model = ?) AS vectors,
                (SELECT count(DISTINCT chunk_id)::int FROM kb_vectors WHERE tenant_id = ? AND model = ?) AS distinct_chunks,
                (SELECT count(*)::int FROM kb_vectors WHERE tenant_id = ? AND model <> ?) AS other_models`,
        [f.tenantId, f.tenantId, model, f.tenantId, model, f.tenantId, model],
      ),
    );
    expect(counts.chunks).toBeGreaterThan(3);
    expect(counts).toEqual({ chunks, vectors: chunks, distinct_chunks: chunks, other_models: 0 });
    const res = await core.knowledge.search(f.manager, { query: 'monthly report rankings traffic for package 2', k: 3 });
    expect(res.results[0]).toMatchObject({ kind: 'document', source: 'playbooks/p2.md' });
  });
});
