import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCrmCore, type CrmCore } from '../crm-core.ts';
import { silentLogger } from '../logger.ts';
import { createTenantFixture, openTestDatabase, testDbKinds, type TenantFixture, type TestDatabase } from '../testing/index.ts';
import { createLocalEmbedder, type EmbeddingsProvider } from './local-embedder.ts';

const bytes = (s: string) => new TextEncoder().encode(s);
const DOC = `# Onboarding

## Access

In the first week we need admin access to the client's website host, analytics and ad accounts.

## Ownership

The client owns the website code once the final invoice is paid.
`;

/** A stand-in for a remote model (Vertex, OpenAI…): another embedder id, same dimensions as the table. */
function remoteLike(calls: { n: number }): EmbeddingsProvider {
  const inner = createLocalEmbedder({ dimensions: 768 });
  return {
    id: 'remote-double',
    dimensions: 768,
    embedDocuments: async (texts) => ((calls.n += texts.length), inner.embedDocuments(texts)),
    embedQuery: (text) => inner.embedQuery(text),
  };
}

// Issue 8: changing CRM_MODEL_PROVIDER re-embeds an existing tenant in the background without breaking search.
// Vectors need pgvector: the embedded PGlite has it, the CI's PostgreSQL server does not (there,
// vector search is reported unavailable and search is full text, as knowledge.service.int.test.ts checks).
describe.each(testDbKinds().filter((k) => k === 'pglite'))('switching the embeddings provider of an existing tenant on %s', (kind) => {
  let t: TestDatabase;
  let before: CrmCore;
  let f: TenantFixture;

  beforeAll(async () => {
    t = await openTestDatabase(kind);
    before = createCrmCore({ db: t.db, logger: silentLogger(), knowledge: { indexInteractions: false } });
    f = await createTenantFixture(before);
    await before.knowledge.addDocument(f.admin, { filename: 'playbooks/onboarding.md', bytes: bytes(DOC) });
    await before.outbox.stop();
  });
  afterAll(async () => {
    await t.drop();
  });

  const models = () => t.db.withTenant(f.tenantId, (em) => em.execute<{ model: string }[]>('SELECT DISTINCT model FROM kb_vectors ORDER BY model'));

  it('keeps hybrid search working at once, re-embeds on refresh, and then searches the new vectors only', async () => {
    const oldModels = await models();
    expect(oldModels).toHaveLength(1);
    expect(oldModels[0].model).toMatch(/^local/);
    const calls = { n: 0 };
    const after = createCrmCore({ db: t.db, logger: silentLogger(), knowledge: { embeddings: remoteLike(calls), indexInteractions: false } });
    // before re-embedding: no vector of the new model yet, so vector search finds nothing and hybrid still answers from full text
    expect((await after.knowledge.search(f.rep, { query: 'who owns the website code', mode: 'vector', k: 3 })).results).toEqual([]);
    const hybrid = await after.knowledge.search(f.rep, { query: 'who owns the website code', k: 3 });
    expect(hybrid.results[0]).toMatchObject({ source: 'playbooks/onboarding.md' });
    // the runtime's background refresh (every tenant at start) re-embeds once
    expect(await after.knowledge.refreshAll()).toEqual({ tenants: 1, reembedded: 1 });
    expect(calls.n).toBeGreaterThan(0);
    expect(await models()).toEqual([{ model: 'remote-double/768' }]);
    const vector = await after.knowledge.search(f.rep, { query: 'who owns the website code', mode: 'vector', k: 3 });
    expect(vector.results[0]).toMatchObject({ source: 'playbooks/onboarding.md' });
    // nothing to do the second time
    const n = calls.n;
    expect(await after.knowledge.refreshAll()).toEqual({ tenants: 1, reembedded: 0 });
    expect(calls.n).toBe(n);
    await after.outbox.stop();
  });
});
