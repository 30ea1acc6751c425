import { describe, expect, it } from 'vitest';
import { querySynonyms, synonymsOf } from './synonyms.ts';

describe('WordNet synonyms for query rewriting', () => {
  it("gives the words of a word's most frequent sense, and an adjective satellite's head", () => {
    expect(synonymsOf('hire')).toEqual(expect.arrayContaining(['engage', 'employ']));
    expect(synonymsOf('pricey', 5)).toContain('expensive');
    expect(synonymsOf('pricey', 5)).toEqual(expect.arrayContaining(['costly', 'dear']));
  });

  it('finds base forms by WordNet detachment rules (plurals, -ing, -ed)', () => {
    expect(synonymsOf('hiring')).toEqual(synonymsOf('hire'));
    expect(synonymsOf('hired', 5)).toEqual(expect.arrayContaining(['engage', 'employ']));
    expect(synonymsOf('websites', 5)).toContain('site');
  });

  it('never returns the word itself, an inflection of it, a stop word or a multi-word entry', () => {
    for (const word of ['proposal', 'client', 'contract', 'discount', 'hire', 'pricey']) {
      const s = synonymsOf(word, 10);
      expect(s).not.toContain(word);
      for (const x of s) {
        expect(x).toMatch(/^\p{L}+$/u);
        expect(x.startsWith(word)).toBe(false);
      }
    }
    expect(synonymsOf('the')).toEqual([]);
    expect(synonymsOf('xqzzyv')).toEqual([]);
    expect(synonymsOf('ab')).toEqual([]);
  });

  it('caps synonyms per word and skips words the query already has', () => {
    expect(synonymsOf('hire', 1)).toHaveLength(1);
    const q = querySynonyms('hire or employ a designer', 2);
    expect(q).not.toContain('employ');
    expect(q).not.toContain('hire');
    expect(new Set(q).size).toBe(q.length);
  });
});
