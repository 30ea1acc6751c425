import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCrmCore, type CrmCore } from '../crm-core.ts';
import { silentLogger } from '../logger.ts';
import { createTenantFixture, openTestDatabase, type TenantFixture, type TestDatabase } from '../testing/index.ts';
import { DEMO_KB_DIR, loadRetrievalQuestions } from './knowledge-base-loader.ts';
import { readKnowledgeFiles } from './knowledge-files.ts';
import { createPgVectorStore } from './pgvector.store.ts';
import { createLocalEmbedder, type EmbeddingsProvider } from './local-embedder.ts';
import { firstRelevantRank, meanReciprocalRank, recallAtK } from './retrieval-eval.ts';

// PGlite has pgvector, so this is where hybrid retrieval is measured end to end in the database.
describe('hybrid retrieval over the demo knowledge base in the database (PGlite)', () => {
  let t: TestDatabase;
  let core: CrmCore;
  let f: TenantFixture;
  beforeAll(async () => {
    t = await openTestDatabase('pglite');
    core = createCrmCore({ db: t.db, logger: silentLogger() });
    f = await createTenantFixture(core);
    const results = await core.knowledge.addDocuments(f.admin, await readKnowledgeFiles(DEMO_KB_DIR));
    expect(results.filter((r) => r.status !== 'created')).toEqual([]);
  });
  afterAll(async () => {
    await core.outbox.stop();
    await t.drop();
  });

  it('reaches recall@5 ≥ 0.94 with hybrid search and beats full-text alone', async () => {
    const questions = await loadRetrievalQuestions(`${DEMO_KB_DIR}questions.json`);
    const ranks: Record<'fulltext' | 'vector' | 'hybrid', (number | null)[]> = { fulltext: [], vector: [], hybrid: [] };
    for (const q of questions) {
      for (const mode of ['fulltext', 'vector', 'hybrid'] as const) {
        const res = await core.knowledge.search(f.rep, { query: q.question, k: 10, mode });
        ranks[mode].push(firstRelevantRank(res.results.map((r) => ({ doc: r.source!, text: r.passage })), q.answers));
      }
    }
    const recall = Object.fromEntries(Object.entries(ranks).map(([m, r]) => [m, recallAtK(r, 5)]));
    // measured: full-text 0.635, vector 0.941, hybrid 0.965 on 85 questions (evals/src/knowledge/README.md)
    expect(recall.hybrid).toBeGreaterThanOrEqual(0.94);
    expect(recall.hybrid).toBeGreaterThanOrEqual(Math.max(recall.fulltext, recall.vector));
    expect(recall.hybrid).toBeGreaterThan(recall.fulltext + 0.2);
    expect(meanReciprocalRank(ranks.hybrid)).toBeGreaterThan(meanReciprocalRank(ranks.fulltext));
  });

  // Before score fusion (RRF of ranks, full-text hits under 60% of the query's IDF dropped), hybrid
  // missed these in its top 5 although full-text or vector alone had them there.
  it('finds what full-text or vector alone finds, on the questions where rank fusion lost', async () => {
    const all = [...(await loadRetrievalQuestions(`${DEMO_KB_DIR}questions.json`)), ...(await loadRetrievalQuestions(`${DEMO_KB_DIR}questions-rep.json`))];
    // r093, n021 (tuning questions): full text ranks the answer second, the vector list never sees
    // it, and score fusion and the reranker dropped it out of the top ten — two protected places
    // per list, kept through the reranker, hold it in the top five
    const lost = ['q28', 'r050', 'r068', 'r103', 'r093', 'n021'].map((id) => all.find((q) => q.id === id)!);
    for (const q of lost) {
      const rank = async (mode: 'fulltext' | 'vector' | 'hybrid') => {
        const res = await core.knowledge.search(f.rep, { query: q.question, k: 10, mode });
        return firstRelevantRank(res.results.map((r) => ({ doc: r.source!, text: r.passage })), q.answers) ?? Infinity;
      };
      const [text, vector, hybrid] = [await rank('fulltext'), await rank('vector'), await rank('hybrid')];
      expect(Math.min(text, vector), q.id).toBeLessThanOrEqual(5);
      expect(hybrid, `${q.id}: ${q.question}`).toBeLessThanOrEqual(5);
    }
  });

  // In the full demo tenant (documents + ~20k interaction chunks) the per-source lists used to
  // alternate (D I D I D), so only the first three documents counted; hybrid lost to full text or
  // vector on these tuning questions (evals/src/knowledge/README.md). A question that names no
  // contact, company or time now gives the documents the first four places. Worst case here:
  // interactions that repeat the question word for word.
  it('keeps the first four documents in the top five when interactions echo a playbook question', async () => {
    const mixed = createCrmCore({ db: t.db, logger: silentLogger(), knowledge: { indexInteractions: false } });
    const alternating = createCrmCore({ db: t.db, logger: silentLogger(), knowledge: { indexInteractions: false, retrieval: { documentLead: 0 } } });
    try {
      const g = await createTenantFixture(mixed);
      await mixed.knowledge.addDocuments(g.admin, await readKnowledgeFiles(DEMO_KB_DIR));
      const all = [...(await loadRetrievalQuestions(`${DEMO_KB_DIR}questions.json`)), ...(await loadRetrievalQuestions(`${DEMO_KB_DIR}questions-rep.json`))];
      const lost = ['q25', 'r054', 'r039', 'r060', 'r093'].map((id) => all.find((q) => q.id === id)!);
      const echoes = new Set<string>();
      for (const [n, q] of lost.entries()) {
        const contact = await mixed.contacts.create(g.admin, { firstName: 'Echo', lastName: `Tester${'abcde'[n]}`, email: `echo${n}@echo.test`, company: `Echo ${n}` });
        echoes.add(contact.id);
        for (let i = 0; i < 3; i++) {
          await mixed.interactions.log(g.admin, { contactId: contact.id, type: 'PHONE_CALL', channel: 'PHONE', direction: 'INBOUND', subject: q.question, content: `${q.question} ${q.question}` });
        }
      }
      await mixed.knowledge.backfillInteractions(g.tenantId);
      const rank = (res: { results: { source: string | null; passage: string }[] }, q: (typeof lost)[number]) =>
        firstRelevantRank(res.results.map((r) => ({ doc: r.source ?? '', text: r.passage })), q.answers) ?? Infinity;
      let echoed = 0;
      for (const q of lost) {
        const docs = await mixed.knowledge.search(g.manager, { query: q.question, k: 10, types: ['document'] });
        const both = await mixed.knowledge.search(g.manager, { query: q.question, k: 10 });
        expect(both.results.slice(0, 4).map((r) => r.id), q.id).toEqual(docs.results.slice(0, 4).map((r) => r.id));
        expect(both.results[4].kind, q.id).toBe('interaction');
        if (echoes.has(both.results[4].contactId ?? '')) echoed++;
        if (rank(docs, q) <= 4) expect(rank(both, q), `${q.id}: ${q.question}`).toBe(rank(docs, q));
        // the old alternating merge kept only three documents in the top five
        const old = await alternating.knowledge.search(g.manager, { query: q.question, k: 5 });
        expect(old.results.map((r) => r.kind), q.id).toEqual(['document', 'interaction', 'document', 'interaction', 'document']);
      }
      expect(echoed).toBe(lost.length);
    } finally {
      await mixed.outbox.stop();
      await alternating.outbox.stop();
    }
  });

  // The learned reranker (reranker.ts) is on by default; `rerank: false` must give the fused order.
  it('the reranker never reorders when disabled, and does not lose recall@5 on the tuning questions', async () => {
    // the fused order itself, without the protected places (which move hits out of score order)
    const fused = createCrmCore({ db: t.db, logger: silentLogger(), knowledge: { indexInteractions: false, retrieval: { rerank: false, fusion: { protectTop: 0 } } } });
    // a model that scores every candidate alike: reranking keeps the fused order (stable sort)
    const tied = createCrmCore({ db: t.db, logger: silentLogger(), knowledge: { indexInteractions: false, retrieval: { rerank: { depth: 20, weights: {}, mean: {}, std: {} }, fusion: { protectTop: 0 } } } });
    try {
      const tune = [...(await loadRetrievalQuestions(`${DEMO_KB_DIR}questions.json`)), ...(await loadRetrievalQuestions(`${DEMO_KB_DIR}questions-rep.json`))].filter(
        // the tuning questions the reranker was fitted on (fresh4/tune, n…, and fresh6/tune, s…, came after the fit)
        (q) => q.split === 'tune' && !q.id.startsWith('n') && !q.id.startsWith('s'),
      );
      const ranks: Record<'off' | 'on', (number | null)[]> = { off: [], on: [] };
      let reordered = 0;
      for (const q of tune) {
        const off = await fused.knowledge.search(f.rep, { query: q.question, k: 10, types: ['document'] });
        const on = await core.knowledge.search(f.rep, { query: q.question, k: 10, types: ['document'] });
        if (q.id.endsWith('0')) {
          const same = await tied.knowledge.search(f.rep, { query: q.question, k: 10, types: ['document'] });
          expect(off.results.map((r) => r.id), q.id).toEqual(same.results.map((r) => r.id));
        }
        // without the reranker the scores are the fused ones, best first
        for (let i = 1; i < off.results.length; i++) expect(off.results[i].score).toBeLessThanOrEqual(off.results[i - 1].score);
        if (on.results.map((r) => r.id).join() !== off.results.map((r) => r.id).join()) reordered++;
        for (const [mode, res] of [['off', off], ['on', on]] as const) {
          ranks[mode].push(firstRelevantRank(res.results.map((r) => ({ doc: r.source!, text: r.passage })), q.answers));
        }
      }
      expect(reordered).toBeGreaterThan(0);
      expect(recallAtK(ranks.on, 5)).toBeGreaterThanOrEqual(recallAtK(ranks.off, 5));
    } finally {
      await fused.outbox.stop();
      await tied.outbox.stop();
    }
  });

  it('HNSW with iterative scans and the exact scan agree on the top results', async () => {
    const store = createPgVectorStore(t.db);
    const res = await core.knowledge.search(f.admin, { query: 'how long is the SEO minimum term', mode: 'vector', k: 5 });
    const [{ model }] = await t.db.withTenant(f.tenantId, (em) => em.execute<{ model: string }[]>('SELECT model FROM kb_index_state'));
    const [{ e }] = await t.db.withTenant(f.tenantId, (em) => em.execute<{ e: string }[]>('SELECT embedding::text AS e FROM kb_vectors WHERE chunk_id = ?', [res.results[0].id]));
    const q = JSON.parse(e) as number[];
    const exact = await store.query(f.tenantId, model, q, { k: 5, strategy: 'exact' });
    const hnsw = await store.query(f.tenantId, model, q, { k: 5, strategy: 'hnsw' });
    expect(exact[0].id).toBe(res.results[0].id);
    expect(hnsw.map((h) => h.id)).toEqual(exact.map((h) => h.id));
  });

  it('keeps the previous version when writing a changed document fails half-way', async () => {
    const failing = createPgVectorStore(t.db);
    const broken = createCrmCore({
      db: t.db,
      logger: silentLogger(),
      knowledge: { vectorStore: { ...failing, upsert: () => Promise.reject(new Error('disk full')) }, indexInteractions: false },
    });
    const before = await core.knowledge.search(f.admin, { query: 'referral programme reward', k: 3 });
    const doc = before.results[0];
    await expect(
      broken.knowledge.addDocument(f.admin, { filename: doc.source!, bytes: new TextEncoder().encode('# Replaced\n\nNothing left of the old text.') }),
    ).rejects.toThrow('disk full');
    const after = await core.knowledge.search(f.admin, { query: 'referral programme reward', k: 3 });
    expect(after.results.map((r) => r.id)).toEqual(before.results.map((r) => r.id));
    expect((await core.knowledge.getDocument(f.admin, doc.documentId!)).title).toBe(doc.title);
  });

  it('keeps ingesting when the embeddings service is down, and embeds later', async () => {
    let down = true;
    const local = createLocalEmbedder();
    const flaky: EmbeddingsProvider = {
      id: 'flaky-remote',
      dimensions: 768,
      embedDocuments: (texts) => (down ? Promise.reject(new Error('503 from the embeddings API')) : local.embedDocuments(texts)),
      embedQuery: (text) => (down ? Promise.reject(new Error('503 from the embeddings API')) : local.embedQuery(text)),
    };
    const remote = createCrmCore({ db: t.db, logger: silentLogger(), knowledge: { embeddings: flaky, indexInteractions: false } });
    const g = await createTenantFixture(remote);
    const added = await remote.knowledge.addDocument(g.admin, { filename: 'ops.md', bytes: new TextEncoder().encode('# Ops\n\nServer patching happens every second Tuesday.') });
    expect(added.status).toBe('created');
    const degraded = await remote.knowledge.search(g.admin, { query: 'when do we patch servers' });
    expect(degraded).toMatchObject({ vectorSearch: 'unavailable', warning: expect.stringContaining('503') });
    expect(degraded.results[0].documentId).toBe(added.document.id);
    down = false;
    expect(await remote.knowledge.refresh(g.tenantId)).toBe(true);
    const healed = await remote.knowledge.search(g.admin, { query: 'when do we patch servers', mode: 'vector' });
    expect(healed.vectorSearch).toBe('used');
    expect(healed.results[0]).toMatchObject({ documentId: added.document.id, ranks: { vector: 1 } });
  });
});
