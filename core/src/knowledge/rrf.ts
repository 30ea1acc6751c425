import { AppError } from '../errors/app-error.ts';

export interface RrfOptions {
  /** Rank damping constant; 60 is the value of Cormack et al. and of most hybrid search setups. */
  k?: number;
  /** One non-negative weight per list (default 1 each). */
  weights?: readonly number[];
  /** Keep only the first `limit` fused results. */
  limit?: number;
}

export interface FusedResult<T> {
  id: string;
  /** Σ weight / (k + rank), rank starting at 1. */
  score: number;
  /** The item as it appeared in the list where it ranked best (so the best passage and metadata win). */
  item: T;
  /** 1-based rank in each input list, `null` where it was absent. */
  ranks: (number | null)[];
}

/**
 * Reciprocal rank fusion of ranked lists by `id`. Scores of the input lists are ignored (BM25 and
 * cosine are not comparable), only ranks count. Ties are broken by best single rank, then by id,
 * so the output is deterministic.
 */
export function reciprocalRankFusion<T extends { id: string }>(
  lists: readonly (readonly T[])[],
  options: RrfOptions = {},
): FusedResult<T>[] {
  const k = options.k ?? 60;
  if (!(k > 0) || !Number.isFinite(k)) throw AppError.validation([{ path: 'k', reason: 'must be a positive number' }]);
  const weights = options.weights ?? lists.map(() => 1);
  if (weights.length !== lists.length) {
    throw AppError.validation([{ path: 'weights', reason: `expected ${lists.length} weights, got ${weights.length}` }]);
  }
  weights.forEach((w, i) => {
    if (!(w >= 0) || !Number.isFinite(w)) throw AppError.validation([{ path: `weights.${i}`, reason: 'must be a non-negative number' }]);
  });

  const fused = new Map<string, FusedResult<T> & { bestRank: number; bestWeight: number }>();
  lists.forEach((list, li) => {
    const seen = new Set<string>();
    let rank = 0;
    for (const item of list) {
      if (seen.has(item.id)) continue;
      seen.add(item.id);
      rank++;
      const contribution = weights[li] / (k + rank);
      let entry = fused.get(item.id);
      if (!entry) {
        entry = { id: item.id, score: 0, item, ranks: lists.map(() => null), bestRank: rank, bestWeight: weights[li] };
        fused.set(item.id, entry);
      } else if (rank < entry.bestRank || (rank === entry.bestRank && weights[li] > entry.bestWeight)) {
        entry.item = item;
        entry.bestRank = rank;
        entry.bestWeight = weights[li];
      }
      entry.ranks[li] = rank;
      entry.score += contribution;
    }
  });

  const results = [...fused.values()].sort(
    (a, b) => b.score - a.score || a.bestRank - b.bestRank || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0),
  );
  return results
    .slice(0, options.limit ?? results.length)
    .map(({ id, score, item, ranks }) => ({ id, score, item, ranks }));
}
