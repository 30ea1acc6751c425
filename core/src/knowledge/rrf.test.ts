import { describe, expect, it } from 'vitest';
import { AppError } from '../errors/app-error.ts';
import { reciprocalRankFusion } from './rrf.ts';

const list = (...ids: string[]) => ids.map((id) => ({ id, source: 'x' }));

describe('reciprocalRankFusion', () => {
  it('scores Σ 1/(k + rank) and favours items ranked well in several lists', () => {
    const fused = reciprocalRankFusion([list('a', 'b', 'c'), list('c', 'a', 'd')]);
    expect(fused.map((r) => r.id)).toEqual(['a', 'c', 'b', 'd']);
    expect(fused[0].score).toBeCloseTo(1 / 61 + 1 / 62, 12);
    expect(fused[0].ranks).toEqual([1, 2]);
    expect(fused[2].ranks).toEqual([2, null]);
  });

  it('applies weights and a custom k', () => {
    const lists = [list('a', 'b'), list('b', 'a')];
    expect(reciprocalRankFusion(lists, { weights: [2, 1] })[0].id).toBe('a');
    expect(reciprocalRankFusion(lists, { weights: [1, 2] })[0].id).toBe('b');
    expect(reciprocalRankFusion([list('a')], { k: 1 })[0].score).toBeCloseTo(0.5, 12);
    expect(reciprocalRankFusion([list('a'), list('a')], { weights: [0, 1] })[0].score).toBeCloseTo(1 / 61, 12);
  });

  it('keeps the item from the list where it ranked best', () => {
    const fullText = [
      { id: 'x', passage: 'headline from FTS' },
      { id: 'y', passage: 'y from FTS' },
    ];
    const vector = [
      { id: 'y', passage: 'y from vector' },
      { id: 'x', passage: 'x from vector' },
    ];
    const fused = reciprocalRankFusion<{ id: string; passage: string }>([fullText, vector]);
    expect(fused.find((r) => r.id === 'x')!.item.passage).toBe('headline from FTS');
    expect(fused.find((r) => r.id === 'y')!.item.passage).toBe('y from vector');
  });

  it('ignores duplicates within one list, honours limit and breaks ties deterministically', () => {
    const fused = reciprocalRankFusion([list('a', 'a', 'b')]);
    expect(fused.map((r) => [r.id, r.ranks[0]])).toEqual([
      ['a', 1],
      ['b', 2],
    ]);
    const tie = reciprocalRankFusion([list('m', 'n'), list('n', 'm')]);
    expect(tie.map((r) => r.id)).toEqual(['m', 'n']);
    expect(reciprocalRankFusion([list('a', 'b', 'c')], { limit: 2 })).toHaveLength(2);
    expect(reciprocalRankFusion([])).toEqual([]);
  });

  it('rejects invalid options', () => {
    expect(() => reciprocalRankFusion([list('a')], { k: 0 })).toThrow(AppError);
    expect(() => reciprocalRankFusion([list('a')], { weights: [1, 1] })).toThrow(/expected 1 weights/);
    expect(() => reciprocalRankFusion([list('a')], { weights: [-1] })).toThrow(/weights.0/);
  });
});
