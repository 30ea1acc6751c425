import { describe, expect, it } from 'vitest';
import { Bm25Ranker, VectorRanker } from './memory-ranker.ts';
import { contentTerms, stem } from './text-analyzer.ts';

const docs = [
  { id: 'seo', text: 'SEO packages: Growth costs £1,400 per month and covers keyword tracking.' },
  { id: 'ppc', text: 'PPC management fee is 15% of monthly ad spend, with a minimum fee.' },
  { id: 'cancel', text: 'Cancelling after the minimum term needs 30 days notice. Cancellation is free.' },
  { id: 'long', text: `Cancellation policy. ${'Unrelated filler words about the office and the team. '.repeat(20)}` },
];

describe('Bm25Ranker', () => {
  const bm25 = new Bm25Ranker(docs);

  it('ranks by stemmed term matches with length normalisation', () => {
    expect(bm25.search('how much is the SEO growth package?')[0].id).toBe('seo');
    const cancel = bm25.search('cancellation notice');
    expect(cancel.map((h) => h.id)).toEqual(['cancel', 'long']);
    expect(cancel[0].score).toBeGreaterThan(cancel[1].score);
  });

  it('returns nothing for stop words only, and honours limit', () => {
    expect(bm25.search('what is the')).toEqual([]);
    expect(bm25.search('fee minimum term', { limit: 1 })).toHaveLength(1);
  });

  it('can require every term like websearch_to_tsquery, or a share of the query IDF', () => {
    expect(bm25.search('minimum fee cancellation', { matchAll: true })).toEqual([]);
    expect(bm25.search('minimum fee', { matchAll: true }).map((h) => h.id)).toEqual(['ppc']);
    const loose = bm25.search('ppc spend fee office');
    const strict = bm25.search('ppc spend fee office', { minShouldMatch: 0.6 });
    expect(loose.map((h) => h.id)).toContain('long');
    expect(strict.map((h) => h.id)).toEqual(['ppc']);
  });
});

describe('VectorRanker', () => {
  it('orders by dot product, ties by id', () => {
    const ranker = new VectorRanker([
      { id: 'b', vector: [0, 1] },
      { id: 'a', vector: [0, 1] },
      { id: 'c', vector: [1, 0] },
    ]);
    expect(ranker.search([0.1, 0.9]).map((h) => h.id)).toEqual(['a', 'b', 'c']);
    expect(ranker.search([1, 0], { limit: 1 })).toEqual([{ id: 'c', score: 1 }]);
  });
});

describe('text analysis', () => {
  it('maps inflections of one word to one stem', () => {
    expect(new Set(['price', 'prices', 'pricing', 'priced'].map(stem))).toEqual(new Set(['pric']));
    expect(stem('cancelled')).toBe(stem('cancel'));
    expect(stem('selling')).toBe(stem('sell'));
    expect(stem('optimisation')).toBe(stem('optimization'));
    expect(stem('ads')).toBe('ad');
    expect(stem('2025')).toBe('2025');
  });

  it('drops stop words and folds case and accents', () => {
    expect(contentTerms("What's the Café's PRICING? We're open!")).toEqual(['cafe', 'pric', 'open']);
  });
});
