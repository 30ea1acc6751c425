import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCrmCore, type CrmCore } from '../crm-core.ts';
import { silentLogger } from '../logger.ts';
import { createTenantFixture, openTestDatabase, type TenantFixture, type TestDatabase } from '../testing/index.ts';
import { type PineconeDouble, startPineconeDouble } from './pinecone-double.fixture.ts';
import { createPineconeStore } from './pinecone.store.ts';

const unit = (i: number, dims = 768) => Array.from({ length: dims }, (_, j) => (j === i ? 1 : j === i + 1 ? 0.5 : 0));

describe('Pinecone vector store against a local double of its REST API', () => {
  let double: PineconeDouble;
  beforeAll(async () => {
    double = await startPineconeDouble({ apiKey: 'pc-test-key', dimension: 768 });
  });
  afterAll(() => double.close());

  it('upserts into a namespace per tenant, queries with metadata filters and deletes', async () => {
    const store = createPineconeStore({ apiKey: 'pc-test-key', indexHost: double.url, maxRetries: 0 });
    const [t1, t2] = [randomUUID(), randomUUID()];
    const doc = randomUUID();
    const contact = randomUUID();
    await store.upsert(t1, 'm1', [
      { id: 'a', vector: unit(0), metadata: { kind: 'document', documentId: doc, occurredAt: '2025-01-01T00:00:00Z' } },
      { id: 'b', vector: unit(1), metadata: { kind: 'interaction', interactionId: randomUUID(), contactId: contact, occurredAt: '2025-06-01T00:00:00Z' } },
      { id: 'zero', vector: new Array(768).fill(0), metadata: { kind: 'document' } },
    ]);
    await store.upsert(t2, 'm1', [{ id: 'c', vector: unit(0), metadata: { kind: 'document' } }]);

    const upsert = double.requests.find((r) => r.path === '/vectors/upsert')!;
    expect(upsert.apiKey).toBe('pc-test-key');
    expect(upsert.apiVersion).toMatch(/^\d{4}-\d{2}$/);
    expect(upsert.body).toMatchObject({ namespace: `tenant-${t1}` });
    expect((upsert.body.vectors as { id: string; metadata: Record<string, unknown> }[]).map((v) => v.id)).toEqual(['a', 'b']); // zero vector skipped
    expect((upsert.body.vectors as { metadata: Record<string, unknown> }[])[0].metadata).toEqual({
      model: 'm1', kind: 'document', documentId: doc, interactionId: '', contactId: '', occurredAt: Date.parse('2025-01-01T00:00:00Z'),
    });

    expect((await store.query(t1, 'm1', unit(0), { k: 5 })).map((m) => m.id)).toEqual(['a', 'b']);
    expect((await store.query(t2, 'm1', unit(1), { k: 5 })).map((m) => m.id)).toEqual(['c']);
    expect(await store.query(t1, 'other-model', unit(0), { k: 5 })).toEqual([]);
    expect((await store.query(t1, 'm1', unit(0), { k: 5, filter: { kinds: ['interaction'] } })).map((m) => m.id)).toEqual(['b']);
    expect((await store.query(t1, 'm1', unit(0), { k: 5, filter: { contactId: contact } })).map((m) => m.id)).toEqual(['b']);
    expect((await store.query(t1, 'm1', unit(0), { k: 5, filter: { after: new Date('2025-03-01') } })).map((m) => m.id)).toEqual(['b']);
    expect((await store.query(t1, 'm1', unit(0), { k: 5, filter: { before: new Date('2025-03-01') } })).map((m) => m.id)).toEqual(['a']);
    const query = double.requests.filter((r) => r.path === '/query').at(-1)!;
    expect(query.body).toMatchObject({ namespace: `tenant-${t1}`, topK: 5, filter: { $and: [{ model: { $eq: 'm1' } }, { occurredAt: { $lt: Date.parse('2025-03-01') } }] } });

    await store.delete(t1, { ids: ['a'] });
    expect([...double.namespaces.get(`tenant-${t1}`)!.keys()]).toEqual(['b']);
    await store.delete(t1, { all: true });
    expect(double.namespaces.get(`tenant-${t1}`)!.size).toBe(0);
    expect(double.namespaces.get(`tenant-${t2}`)!.size).toBe(1);
  });

  it('turns a failing service into AI_SERVICE_UNAVAILABLE', async () => {
    const store = createPineconeStore({ apiKey: 'pc-test-key', indexHost: double.url, maxRetries: 0 });
    double.failNext(1, 503);
    await expect(store.query(randomUUID(), 'm', unit(0), { k: 3 })).rejects.toMatchObject({ code: 'AI_SERVICE_UNAVAILABLE' });
  });

  describe('as the vector store of the knowledge service (PGlite)', () => {
    let t: TestDatabase;
    let core: CrmCore;
    let f: TenantFixture;
    let other: TenantFixture;
    beforeAll(async () => {
      t = await openTestDatabase('pglite');
      const store = createPineconeStore({ apiKey: 'pc-test-key', indexHost: double.url, maxRetries: 0 });
      core = createCrmCore({ db: t.db, logger: silentLogger(), knowledge: { vectorStore: store } });
      f = await createTenantFixture(core);
      other = await createTenantFixture(core);
    });
    afterAll(async () => {
      await core.outbox.stop();
      await t.drop();
    });

    it('indexes, searches with vectors from Pinecone, replaces and deletes', async () => {
      const bytes = (s: string) => new TextEncoder().encode(s);
      const added = await core.knowledge.addDocument(f.admin, { filename: 'refunds.md', bytes: bytes('# Refunds\n\nSetup fees are refundable within 14 days of signing.\n\n## Cancelling\n\nGive 30 days notice in writing to cancel a retainer.') });
      await core.knowledge.addDocument(other.admin, { filename: 'secret.md', bytes: bytes('# Other tenant\n\nOur refund policy is secret and refundable never.') });
      expect(double.namespaces.get(`tenant-${f.tenantId}`)!.size).toBe(added.chunks);

      const res = await core.knowledge.search(f.rep, { query: 'can I get my money back after signing?', mode: 'vector' });
      expect(res.vectorSearch).toBe('used');
      expect(res.results[0]).toMatchObject({ documentId: added.document.id, kind: 'document' });
      expect(res.results.every((r) => r.documentId === added.document.id)).toBe(true);

      const changed = await core.knowledge.addDocument(f.admin, { filename: 'refunds.md', bytes: bytes('# Refunds\n\nNo refunds on setup fees.') });
      expect(changed.status).toBe('updated');
      const ids = [...double.namespaces.get(`tenant-${f.tenantId}`)!.keys()];
      expect(ids).toHaveLength(changed.chunks); // the replaced chunks' vectors were deleted
      await core.knowledge.deleteDocument(f.admin, added.document.id);
      expect(double.namespaces.get(`tenant-${f.tenantId}`)!.size).toBe(0);
      expect((await core.knowledge.search(f.admin, { query: 'refunds' })).results).toEqual([]);
    });
  });
});
