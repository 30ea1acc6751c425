import { z } from 'zod';
import { parseOrThrow } from '../errors/zod-issues.ts';
import type { RankedHit } from './memory-ranker.ts';
import { reciprocalRankFusion } from './rrf.ts';

/**
 * How hybrid search merges its full-text and vector lists.
 *  - `score`: each list's scores min–max normalised to 0–1 over its candidates, then a weighted
 *    sum (a passage missing from a list gets 0 there). Unlike RRF it keeps the margin: a passage
 *    far ahead in one list stays ahead even when the other list has never seen it.
 *  - `rrf`: weighted reciprocal rank fusion, ranks only.
 */
export const FusionOptions = z.object({
  method: z.enum(['score', 'rrf']),
  /** [full text, vector], non-negative. */
  weights: z.tuple([z.number().min(0), z.number().min(0)]),
  /** RRF damping constant (only for `rrf`). */
  rrfK: z.number().positive(),
  /**
   * The first `protectTop` hits of each list always make the first `window` places: when the
   * retrievers disagree, each one's best guess stays in view, so fusion cannot bury a passage one
   * of them ranked first (0 = off).
   */
  protectTop: z.number().int().min(0).max(3).default(0),
  window: z.number().int().min(1).default(5),
});
export type FusionOptions = z.infer<typeof FusionOptions>;

/**
 * Chosen on the tuning questions only (both question sets' `tune` parts) with
 * evals/src/knowledge/tune-fusion.ts, which prints the whole grid (score fusion and weighted RRF,
 * weights, k, list depth, protected places): the best mean recall@5 (then MRR) without protected
 * places. (The first rule, "at least as good as both parts on each tuning set", picked weighted RRF
 * with two protected places per list; on the test parts it buried vector answers under full-text
 * noise for paraphrased questions, see evals/src/knowledge/README.md.)
 *
 * Then two protected places per list (`protectTop` 2, kept through the reranker too): chosen with
 * eval-quality.ts on three tuning parts (original/tune, rep/tune and the 40 fresh4/tune questions
 * by a second author): recall@5 of hybrid + rerank 0.965 / 0.900 / 0.825 → 0.965 / 0.920 / 0.850,
 * the only setting of 0–3 that is at least as good as full text and vector on every tuning part
 * (a full-text answer at rank 2 that the vector list never saw fell out of the top ten).
 */
export const DEFAULT_FUSION: Readonly<FusionOptions> = { method: 'score', weights: [0.4, 0.6], rrfK: 60, protectTop: 2, window: 5 };

export interface FusedHit {
  id: string;
  score: number;
  /** 1-based rank in [full text, vector], null where absent. */
  ranks: [number | null, number | null];
}

/** Scores min–max normalised to 0–1 over the list (all 1 when they are equal); first occurrence of an id wins. */
export function minMaxNormalised(list: readonly RankedHit[]): Map<string, number> {
  const out = new Map<string, number>();
  if (!list.length) return out;
  let max = -Infinity;
  let min = Infinity;
  for (const h of list) {
    max = Math.max(max, h.score);
    min = Math.min(min, h.score);
  }
  for (const h of list) if (!out.has(h.id)) out.set(h.id, max === min ? 1 : (h.score - min) / (max - min));
  return out;
}

/** Merge a full-text and a vector ranking (each best first) into one ranking, best first. */
export function fuseRankings(text: readonly RankedHit[], vector: readonly RankedHit[], options: Partial<FusionOptions> = {}): FusedHit[] {
  const o = parseOrThrow(FusionOptions, { ...DEFAULT_FUSION, ...options }, 'fusion');
  const fused: FusedHit[] =
    o.method === 'rrf'
      ? reciprocalRankFusion([text, vector], { k: o.rrfK, weights: o.weights }).map((r) => ({ id: r.id, score: r.score, ranks: [r.ranks[0], r.ranks[1]] }))
      : scoreFusion(text, vector, o.weights);
  return protect(fused, o.protectTop, o.window);
}

/** Move each list's first `n` hits that fell below the first `window` places to the end of that window. */
export function protect(fused: FusedHit[], n: number, window: number): FusedHit[] {
  if (n === 0) return fused;
  const must = (h: FusedHit) => (h.ranks[0] !== null && h.ranks[0] <= n) || (h.ranks[1] !== null && h.ranks[1] <= n);
  const missing = fused.slice(window).filter(must);
  if (!missing.length) return fused;
  const head = fused.slice(0, window);
  // drop the weakest unprotected hits of the window to make room
  for (let i = head.length - 1, room = missing.length; i >= 0 && room > 0; i--) {
    if (!must(head[i])) {
      head.splice(i, 1);
      room--;
    }
  }
  const placed = new Set([...head, ...missing].map((h) => h.id));
  return [...head, ...missing, ...fused.filter((h) => !placed.has(h.id))];
}

function scoreFusion(text: readonly RankedHit[], vector: readonly RankedHit[], weights: readonly [number, number]): FusedHit[] {
  const ranks = new Map<string, [number | null, number | null]>();
  [text, vector].forEach((list, li) => {
    list.forEach((h, i) => {
      const r = ranks.get(h.id) ?? [null, null];
      r[li] ??= i + 1;
      ranks.set(h.id, r);
    });
  });
  const [nt, nv] = [minMaxNormalised(text), minMaxNormalised(vector)];
  const fused = [...ranks].map(([id, r]) => ({ id, score: weights[0] * (nt.get(id) ?? 0) + weights[1] * (nv.get(id) ?? 0), ranks: r }));
  const best = (r: [number | null, number | null]) => Math.min(r[0] ?? Infinity, r[1] ?? Infinity);
  return fused.sort((a, b) => b.score - a.score || best(a.ranks) - best(b.ranks) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

/**
 * One result per document section: of several chunks with the same key (document + heading),
 * only the best ranked stays, so the top k shows k different places rather than one section's
 * neighbouring chunks.
 */
export function onePerSection<T>(ranked: readonly T[], key: (item: T) => string): T[] {
  const seen = new Set<string>();
  return ranked.filter((item) => {
    const k = key(item);
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

/**
 * The section a chunk belongs to: document + heading path when the chunk sits under a section
 * heading (a long section split into several chunks shares it). A chunk whose heading is only the
 * document title holds several short sections merged, or a document without headings: it is its
 * own key. All chunks of one interaction share one key.
 */
export function sectionKeyOf(chunk: { id: string; kind: string; documentId: string | null; interactionId: string | null; heading: string }): string {
  if (chunk.kind !== 'document') return `i:${chunk.interactionId ?? chunk.id}`;
  return chunk.heading.includes(' > ') ? `d:${chunk.documentId}:${chunk.heading}` : `c:${chunk.id}`;
}

/**
 * Merges the document and the interaction list of an unfiltered search by rank: a document at rank
 * r sits at place r, an interaction at rank r at place r + `documentLead` (equal places: the
 * document first), scored 1 / (rrfK + place) like reciprocal rank fusion. `documentLead` 0 alternates
 * the sources (D I D I D); 3 gives the documents the first four places, then the best interaction.
 * `interactionLead` moves the documents back instead: 1 gives I D I D I, 3 gives I I I D I.
 */
export function interleaveSources<T extends { id: string }>(
  documents: readonly T[],
  interactions: readonly T[],
  options: { documentLead: number; interactionLead?: number; rrfK?: number },
): { item: T; score: number }[] {
  const lead = options.documentLead;
  const back = options.interactionLead ?? 0;
  if (!Number.isInteger(lead) || lead < 0) throw new RangeError(`documentLead must be a non-negative integer, got ${lead}`);
  if (!Number.isInteger(back) || back < 0) throw new RangeError(`interactionLead must be a non-negative integer, got ${back}`);
  const k = options.rrfK ?? 60;
  const placed = [
    ...documents.map((item, i) => ({ item, place: i + 1 + back, doc: 1 })),
    ...interactions.map((item, i) => ({ item, place: i + 1 + lead, doc: 0 })),
  ].sort((a, b) => a.place - b.place || b.doc - a.doc);
  return placed.map(({ item, place }) => ({ item, score: 1 / (k + place) }));
}

/**
 * Document-level evidence on top of a fused chunk ranking (scores best first), for hybrid search:
 *  - `aggregate` (document-level aggregation of chunk scores): each chunk gains `weight` × the
 *    decayed sum of the other candidates of its document (the best other × 1, the next × `decay`,
 *    then `decay`², …), so a document several passages of which match outranks one lucky passage.
 *  - `agreement` (agreement-aware fusion): the best chunk of a document that both retrievers place
 *    in their first `k` (any of its chunks, per list) gains `bonus`.
 * `docOf` gives a hit's document (null: an interaction or unknown, left as it is). Returns a new
 * ranking, best first (ties keep the input order).
 */
export interface DocumentEvidenceOptions {
  aggregate?: { weight: number; decay: number };
  agreement?: { k: number; bonus: number };
}

export function documentEvidence(fused: readonly FusedHit[], docOf: (hit: FusedHit) => string | null, options: DocumentEvidenceOptions): FusedHit[] {
  const agg = options.aggregate;
  const agr = options.agreement;
  if (agg && (!(agg.weight >= 0) || !(agg.decay >= 0 && agg.decay <= 1))) {
    throw new RangeError(`documentEvidence.aggregate: weight must be ≥ 0 and decay within 0–1, got ${agg.weight} / ${agg.decay}`);
  }
  if (agr && (!Number.isInteger(agr.k) || agr.k < 1 || !(agr.bonus >= 0))) {
    throw new RangeError(`documentEvidence.agreement: k must be a positive integer and bonus ≥ 0, got ${agr.k} / ${agr.bonus}`);
  }
  const byDoc = new Map<string, FusedHit[]>();
  for (const h of fused) {
    const d = docOf(h);
    if (d !== null) byDoc.set(d, [...(byDoc.get(d) ?? []), h]);
  }
  const extra = new Map<string, number>();
  for (const hits of byDoc.values()) {
    if (agg && agg.weight > 0) {
      const scores = hits.map((h) => h.score).sort((a, b) => b - a);
      for (const h of hits) {
        // the other candidates of the document, best first (this hit's own score removed once)
        const others = [...scores];
        others.splice(others.indexOf(h.score), 1);
        const sum = others.reduce((s, x, i) => s + x * agg.decay ** i, 0);
        extra.set(h.id, (extra.get(h.id) ?? 0) + agg.weight * sum);
      }
    }
    if (agr && agr.bonus > 0) {
      const inText = hits.some((h) => h.ranks[0] !== null && h.ranks[0] <= agr.k);
      const inVector = hits.some((h) => h.ranks[1] !== null && h.ranks[1] <= agr.k);
      if (inText && inVector) extra.set(hits[0].id, (extra.get(hits[0].id) ?? 0) + agr.bonus);
    }
  }
  return fused
    .map((h, i) => ({ h: { ...h, score: h.score + (extra.get(h.id) ?? 0) }, i }))
    .sort((a, b) => b.h.score - a.h.score || a.i - b.i)
    .map(({ h }) => h);
}
