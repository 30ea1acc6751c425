import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sendJson, startHttpDouble, type HttpDouble } from '../ai/http-double.fixture.ts';
import { createCrmCore, type CrmCore } from '../crm-core.ts';
import { silentLogger } from '../logger.ts';
import { createTenantFixture, openTestDatabase, type TenantFixture, type TestDatabase } from '../testing/index.ts';
import { createVertexRanker } from './remote-ranker.ts';

const docs = {
  'seo.md': '# SEO\n\n## Minimum term\n\nSEO retainers run for a minimum of six months.\n\n## Reporting\n\nWe send an SEO report every month.',
  'ppc.md': '# Paid search\n\n## Minimum term\n\nPaid search management has a three month minimum term.',
  'web.md': '# Websites\n\n## Ownership\n\nThe client owns the website code after the final invoice is paid.',
};

describe('remote reranking (Vertex AI ranking API through a local double)', () => {
  let double: HttpDouble;
  let t: TestDatabase;
  let core: CrmCore;
  let f: TenantFixture;
  beforeAll(async () => {
    double = await startHttpDouble();
    t = await openTestDatabase('pglite');
    core = createCrmCore({ db: t.db, logger: silentLogger(), knowledge: { indexInteractions: false } });
    f = await createTenantFixture(core);
    for (const [filename, text] of Object.entries(docs)) await core.knowledge.addDocument(f.admin, { filename, bytes: new TextEncoder().encode(text) });
  });
  afterAll(async () => {
    await core.outbox.stop();
    await t.drop();
    await double.close();
  });

  it('sends the query and candidates to rankingConfigs:rank with the bearer token and reads the scores', async () => {
    double.handle((req, res) => {
      const body = req.body as { records: { id: string }[] };
      sendJson(res, 200, { records: body.records.map((r, i) => ({ id: r.id, score: i / 10 })) });
    });
    const ranker = createVertexRanker({ project: 'demo-project', baseUrl: double.url, accessToken: async () => 'tok-1' });
    const scores = await ranker.rank('minimum term', [
      { id: 'a', title: 'SEO > Minimum term', content: 'six months' },
      { id: 'b', title: 'Paid search > Minimum term', content: 'three months' },
    ]);
    expect([...scores]).toEqual([['a', 0], ['b', 0.1]]);
    const req = double.requests.at(-1)!;
    expect(req.method).toBe('POST');
    expect(req.path).toBe('/v1/projects/demo-project/locations/global/rankingConfigs/default_ranking_config:rank');
    expect(req.headers.authorization).toBe('Bearer tok-1');
    expect(req.body).toMatchObject({ model: 'semantic-ranker-default@latest', query: 'minimum term', topN: 2, records: [{ id: 'a', title: 'SEO > Minimum term', content: 'six months' }, { id: 'b' }] });
  });

  it('orders hybrid results by the remote scores, and falls back to the offline reranker when the API fails', async () => {
    const remote = createCrmCore({
      db: t.db,
      logger: silentLogger(),
      knowledge: { indexInteractions: false, retrieval: { remoteRanker: createVertexRanker({ project: 'p', baseUrl: double.url, accessToken: async () => 't' }) } },
    });
    try {
      const query = 'what is the minimum term';
      // the double prefers the paid-search passage whatever the fused order says
      double.handle((req, res) => {
        const body = req.body as { records: { id: string; content: string }[] };
        sendJson(res, 200, { records: body.records.map((r) => ({ id: r.id, score: r.content.includes('Paid search management') ? 0.99 : 0.1 })) });
      });
      const ranked = await remote.knowledge.search(f.rep, { query, k: 3, types: ['document'] });
      expect(ranked.results[0].passage).toContain('Paid search management');
      expect(ranked.results[0].score).toBe(0.99);

      double.handle((_req, res) => sendJson(res, 503, { error: { message: 'unavailable' } }));
      const fallback = await remote.knowledge.search(f.rep, { query, k: 3, types: ['document'] });
      const offline = await core.knowledge.search(f.rep, { query, k: 3, types: ['document'] });
      expect(fallback.results.map((r) => r.id)).toEqual(offline.results.map((r) => r.id));
    } finally {
      await remote.outbox.stop();
    }
  });

  it('stops calling a failing API for a while (circuit breaker), then probes it again', async () => {
    let clock = 1_000_000;
    const ranker = createVertexRanker({ project: 'p', baseUrl: double.url, accessToken: async () => 't', breaker: { failureThreshold: 3, resetAfterMs: 30_000, now: () => clock } });
    const records = [{ id: 'a', title: 'A', content: 'a' }];
    double.handle((_req, res) => sendJson(res, 503, { error: { message: 'unavailable' } }));
    const before = double.requests.length;
    for (let i = 0; i < 3; i++) await expect(ranker.rank('q', records)).rejects.toThrow(/answered 503/);
    expect(double.requests.length - before).toBe(3);
    // open: refused at once, the API is not called
    await expect(ranker.rank('q', records)).rejects.toMatchObject({ code: 'AI_SERVICE_UNAVAILABLE', message: expect.stringMatching(/circuit open/) });
    expect(double.requests.length - before).toBe(3);
    // after the reset time one probe goes through; a success closes the circuit
    clock += 30_000;
    double.handle((req, res) => sendJson(res, 200, { records: (req.body as { records: { id: string }[] }).records.map((r) => ({ id: r.id, score: 0.5 })) }));
    expect([...(await ranker.rank('q', records))]).toEqual([['a', 0.5]]);
    expect(double.requests.length - before).toBe(4);
    expect([...(await ranker.rank('q', records))]).toEqual([['a', 0.5]]);
  });
});
