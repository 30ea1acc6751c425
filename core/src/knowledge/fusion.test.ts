import { describe, expect, it } from 'vitest';
import { AppError } from '../errors/app-error.ts';
import { DEFAULT_FUSION, documentEvidence, type FusedHit, fuseRankings, interleaveSources, minMaxNormalised, onePerSection, sectionKeyOf } from './fusion.ts';

const hits = (...pairs: [string, number][]) => pairs.map(([id, score]) => ({ id, score }));

describe('fuseRankings', () => {
  it('score fusion keeps margins: a clear full-text winner beats a passage both lists rank low', () => {
    const text = hits(['a', 10], ['b', 1.2], ['c', 1]);
    const vector = hits(['c', 0.5], ['b', 0.49], ['d', 0.1]);
    const fused = fuseRankings(text, vector, { method: 'score', weights: [0.5, 0.5] });
    // a: 0.5·1 + 0 = 0.5; b: 0.5·0.022 + 0.5·0.975 ≈ 0.499; c: 0 + 0.5 = 0.5 (tie with a → better single rank first)
    expect(fused.map((h) => h.id)).toEqual(['a', 'c', 'b', 'd']);
    expect(fused.find((h) => h.id === 'b')!.ranks).toEqual([2, 2]);
    expect(fused.find((h) => h.id === 'd')!.ranks).toEqual([null, 3]);
    // RRF only sees ranks: the clear full-text winner a drops behind passages found by both lists
    expect(fuseRankings(text, vector, { method: 'rrf', weights: [1, 1] }).map((h) => h.id)).toEqual(['c', 'b', 'a', 'd']);
  });

  it('weights move the balance between the lists', () => {
    const text = hits(['t', 2], ['x', 1]);
    const vector = hits(['v', 0.9], ['x', 0.1]);
    expect(fuseRankings(text, vector, { method: 'score', weights: [0.8, 0.2] })[0].id).toBe('t');
    expect(fuseRankings(text, vector, { method: 'score', weights: [0.2, 0.8] })[0].id).toBe('v');
  });

  it('works with one list empty and is deterministic on ties', () => {
    // equal scores: the better single rank first, then the id
    expect(fuseRankings([], hits(['b', 0.3], ['a', 0.3])).map((h) => h.id)).toEqual(['b', 'a']);
    expect(fuseRankings(hits(['b', 1]), hits(['a', 1])).map((h) => h.id)).toEqual(['a', 'b']);
    expect(fuseRankings(hits(['a', 1]), []).map((h) => h.id)).toEqual(['a']);
    expect(fuseRankings([], [])).toEqual([]);
  });

  it('protected places keep each list’s best hits in the first window', () => {
    const text = hits(['t1', 1], ['t2', 0.1], ['t3', 0.05]);
    const vector = hits(['v1', 0.9], ['v2', 0.89], ['v3', 0.88], ['v4', 0.87], ['v5', 0.86], ['t1', 0.1]);
    const plain = fuseRankings(text, vector, { method: 'score', weights: [0.1, 0.9] });
    expect(plain.slice(0, 3).map((h) => h.id)).not.toContain('t1');
    const guarded = fuseRankings(text, vector, { method: 'score', weights: [0.1, 0.9], protectTop: 1, window: 3 });
    expect(guarded.slice(0, 3).map((h) => h.id)).toEqual(['v1', 'v2', 't1']);
    expect(new Set(guarded.map((h) => h.id)).size).toBe(guarded.length);
  });

  it('rejects bad options with the field named', () => {
    expect(() => fuseRankings([], [], { weights: [-1, 1] })).toThrow(AppError);
    expect(() => fuseRankings([], [], { rrfK: 0 })).toThrow(/rrfK/);
  });

  it('has a default that validates', () => {
    expect(() => fuseRankings(hits(['a', 1]), hits(['a', 1]), DEFAULT_FUSION)).not.toThrow();
  });
});

describe('minMaxNormalised', () => {
  it('maps scores to 0–1 and equal scores to 1', () => {
    expect([...minMaxNormalised(hits(['a', 3], ['b', 2], ['c', 1]))]).toEqual([['a', 1], ['b', 0.5], ['c', 0]]);
    expect([...minMaxNormalised(hits(['a', 0.4], ['b', 0.4]))]).toEqual([['a', 1], ['b', 1]]);
  });
});

describe('one result per section', () => {
  const chunk = (id: string, documentId: string, heading: string) => ({ id, kind: 'document', documentId, interactionId: null, heading });

  it('keys chunks under a section heading by document and heading, merged or title-only chunks by themselves', () => {
    expect(sectionKeyOf(chunk('1', 'd', 'Price List > Monthly retainers'))).toBe(sectionKeyOf(chunk('2', 'd', 'Price List > Monthly retainers')));
    expect(sectionKeyOf(chunk('1', 'd', 'Price List'))).not.toBe(sectionKeyOf(chunk('2', 'd', 'Price List')));
    expect(sectionKeyOf(chunk('1', 'd', 'A > B'))).not.toBe(sectionKeyOf(chunk('2', 'e', 'A > B')));
    const talk = (id: string) => ({ id, kind: 'interaction', documentId: null, interactionId: 'i1', heading: 'Call' });
    expect(sectionKeyOf(talk('1'))).toBe(sectionKeyOf(talk('2')));
  });

  it('keeps the best ranked chunk of each section, in order', () => {
    const ranked = [chunk('1', 'd', 'A > B'), chunk('2', 'd', 'A > C'), chunk('3', 'd', 'A > B'), chunk('4', 'd', 'A')];
    expect(onePerSection(ranked, sectionKeyOf).map((c) => c.id)).toEqual(['1', '2', '4']);
  });
});

describe('interleaveSources', () => {
  const d = ['d1', 'd2', 'd3', 'd4', 'd5', 'd6'].map((id) => ({ id }));
  const i = ['i1', 'i2', 'i3'].map((id) => ({ id }));
  const ids = (lead: number) => interleaveSources(d, i, { documentLead: lead }).map((r) => r.item.id);

  it('alternates the sources with no lead, the document first on equal places', () => {
    expect(ids(0)).toEqual(['d1', 'i1', 'd2', 'i2', 'd3', 'i3', 'd4', 'd5', 'd6']);
  });

  it('lets the documents lead by the given number of places', () => {
    expect(ids(2).slice(0, 5)).toEqual(['d1', 'd2', 'd3', 'i1', 'd4']);
    expect(ids(3).slice(0, 5)).toEqual(['d1', 'd2', 'd3', 'd4', 'i1']);
    const scored = interleaveSources(d, i, { documentLead: 3 });
    for (let n = 1; n < scored.length; n++) expect(scored[n].score).toBeLessThanOrEqual(scored[n - 1].score);
  });

  it('lets the interactions lead instead (a question about the records)', () => {
    const back = (n: number) => interleaveSources(d, i, { documentLead: 0, interactionLead: n }).map((r) => r.item.id);
    expect(back(1).slice(0, 5)).toEqual(['i1', 'd1', 'i2', 'd2', 'i3']);
    expect(back(3).slice(0, 5)).toEqual(['i1', 'i2', 'i3', 'd1', 'd2']);
    expect(() => interleaveSources(d, i, { documentLead: 0, interactionLead: -2 })).toThrow(/interactionLead/);
  });

  it('fills with the other source when one runs out, and rejects a bad lead', () => {
    expect(interleaveSources([], i, { documentLead: 3 }).map((r) => r.item.id)).toEqual(['i1', 'i2', 'i3']);
    expect(() => interleaveSources(d, i, { documentLead: -1 })).toThrow(/documentLead/);
    expect(() => interleaveSources(d, i, { documentLead: 1.5 })).toThrow(/documentLead/);
  });
});

describe('documentEvidence (document-level aggregation and agreement, off by default)', () => {
  const fh = (id: string, score: number, ranks: [number | null, number | null]): FusedHit => ({ id, score, ranks });
  // a1, a2, a3 belong to document A; b1 to B; i1 is an interaction (no document)
  const docOf = (h: FusedHit) => (h.id.startsWith('i') ? null : h.id[0].toUpperCase());
  const fused = [fh('b1', 0.9, [1, null]), fh('a1', 0.8, [null, 1]), fh('i1', 0.75, [2, 2]), fh('a2', 0.5, [3, null]), fh('a3', 0.4, [null, 3])];

  it('aggregation adds the decayed sum of the document’s other candidates', () => {
    const out = documentEvidence(fused, docOf, { aggregate: { weight: 0.5, decay: 0.5 } });
    const score = Object.fromEntries(out.map((h) => [h.id, h.score]));
    // a1: 0.8 + 0.5·(0.5 + 0.5·0.4) = 1.15; a2: 0.5 + 0.5·(0.8 + 0.5·0.4) = 1.0; b1 alone stays 0.9
    expect(score.a1).toBeCloseTo(1.15);
    expect(score.a2).toBeCloseTo(1.0);
    expect(score.b1).toBeCloseTo(0.9);
    expect(score.i1).toBeCloseTo(0.75);
    // a3: 0.4 + 0.5·(0.8 + 0.5·0.5) = 0.925 also passes the lone b1
    expect(out.map((h) => h.id)).toEqual(['a1', 'a2', 'a3', 'b1', 'i1']);
  });

  it('agreement boosts the best chunk of a document both lists place in their first k', () => {
    // A: full text ranks a2 3rd, vector ranks a1 1st → A agrees at k = 3, not at k = 2
    const at3 = documentEvidence(fused, docOf, { agreement: { k: 3, bonus: 0.2 } });
    expect(at3[0]).toMatchObject({ id: 'a1' });
    expect(at3[0].score).toBeCloseTo(1.0);
    expect(at3.find((h) => h.id === 'a2')!.score).toBeCloseTo(0.5);
    // i1 is in both lists but belongs to no document: never boosted
    expect(at3.find((h) => h.id === 'i1')!.score).toBeCloseTo(0.75);
    expect(documentEvidence(fused, docOf, { agreement: { k: 2, bonus: 0.2 } }).map((h) => h.id)).toEqual(fused.map((h) => h.id));
  });

  it('changes nothing with no evidence asked for, keeps ties in input order and does not mutate', () => {
    const copy = structuredClone(fused);
    expect(documentEvidence(fused, docOf, {})).toEqual(fused);
    expect(fused).toEqual(copy);
    const tied = [fh('x1', 0.5, [1, null]), fh('y1', 0.5, [null, 1])];
    expect(documentEvidence(tied, docOf, { aggregate: { weight: 1, decay: 1 } }).map((h) => h.id)).toEqual(['x1', 'y1']);
  });

  it('rejects bad options with the field and reason', () => {
    expect(() => documentEvidence(fused, docOf, { aggregate: { weight: -1, decay: 0.5 } })).toThrow(/aggregate: weight must be ≥ 0/);
    expect(() => documentEvidence(fused, docOf, { aggregate: { weight: 1, decay: 2 } })).toThrow(/decay within 0–1/);
    expect(() => documentEvidence(fused, docOf, { agreement: { k: 0, bonus: 0.1 } })).toThrow(/agreement: k must be a positive integer/);
  });
});
