import { describe, expect, it } from 'vitest';
import { rerank, rerankFeatures, type RerankCandidate, type RerankerModel } from './reranker.ts';
import { RERANKER_MODEL } from './reranker-weights.ts';

const candidate = (id: string, over: Partial<RerankCandidate> = {}): RerankCandidate => ({
  id,
  title: 'Services',
  heading: 'Services > Overview',
  passage: 'We run campaigns for small businesses.',
  chunkIndex: 1,
  fused: 0.5,
  ranks: [1, 1],
  ...over,
});

describe('learned lexical reranker', () => {
  it('scores title and heading matches after British/American spelling and stemming', () => {
    const [plain, titled, headed] = rerankFeatures('search engine optimization pricing', [
      candidate('a'),
      candidate('b', { title: 'Search engine optimisation', heading: 'Search engine optimisation > Prices' }),
      candidate('c', { heading: 'Services > Optimising for search' }),
    ]);
    expect(plain.titleCov).toBe(0);
    expect(titled.titleCov).toBeGreaterThan(0.5);
    expect(titled.headingCov).toBeGreaterThan(0);
    expect(headed.headingCov).toBeGreaterThan(0);
    expect(titled.allCov).toBeGreaterThan(plain.allCov);
  });

  it('matches synonyms through the domain lexicon and rewards query words close together', () => {
    const [far, near] = rerankFeatures('how much does seo cost', [
      candidate('a', { passage: `SEO ${'filler '.repeat(30)} the cost` }),
      candidate('b', { heading: 'SEO > Pricing', passage: 'SEO cost starts at £900 a month.' }),
    ]);
    expect(near.headConceptCov).toBeGreaterThan(far.headConceptCov);
    expect(near.proximity).toBeGreaterThan(far.proximity);
    expect(near.bigram).toBeGreaterThan(0);
  });

  it('keeps the fused order when every score ties, and leaves candidates below its depth in place', () => {
    const list = Array.from({ length: 8 }, (_, i) => candidate(`c${i}`, { fused: 1 - i / 10, ranks: [i + 1, i + 1] }));
    const zero: RerankerModel = { depth: 8, weights: {}, mean: {}, std: {} };
    expect(rerank('anything', list, zero).map((c) => c.id)).toEqual(list.map((c) => c.id));
    // a model that prefers the last place, over the first 4 only
    const flip: RerankerModel = { depth: 4, weights: { fusedRr: -1 }, mean: {}, std: {} };
    const out = rerank('anything', list, flip);
    expect(out.map((c) => c.id)).toEqual(['c3', 'c2', 'c1', 'c0', 'c4', 'c5', 'c6', 'c7']);
    // scores follow the new order
    for (let i = 1; i < out.length; i++) expect(out[i].rerankScore).toBeLessThanOrEqual(out[i - 1].rerankScore);
  });

  it('ships a fitted model over known features', () => {
    expect(RERANKER_MODEL.depth).toBeGreaterThan(0);
    expect(Object.keys(RERANKER_MODEL.weights).length).toBeGreaterThan(1);
    for (const f of Object.keys(RERANKER_MODEL.weights)) expect(RERANKER_MODEL.std[f as keyof typeof RERANKER_MODEL.std]).toBeGreaterThan(0);
  });
});
