import { Bm25Ranker, type RankedHit, VectorRanker } from './memory-ranker.ts';
import type { CorpusChunk } from './knowledge-base-loader.ts';
import type { RetrievalAnswer, RetrievalQuestion } from './knowledge-base-loader.ts';
import { createLocalEmbedder, type EmbeddingsProvider, type LocalEmbedder } from './local-embedder.ts';
import { reciprocalRankFusion } from './rrf.ts';

export const RETRIEVAL_METHODS = ['fullText', 'fullTextAllTerms', 'vector', 'hybrid'] as const;
export type RetrievalMethod = (typeof RETRIEVAL_METHODS)[number];

export interface MethodReport {
  /** Share of questions with at least one answer passage among the first `k` results. */
  recallAtK: number;
  /** Mean reciprocal rank of the first answer passage within `depth` results (0 when absent). */
  mrr: number;
  directRecallAtK: number;
  paraphrasedRecallAtK: number;
  /** Ids of questions whose answer was not in the first `k` results. */
  misses: string[];
}

export interface RetrievalReport {
  k: number;
  depth: number;
  questions: number;
  chunks: number;
  methods: Record<RetrievalMethod, MethodReport>;
  /** 1-based rank of the first answer passage per question and method, `null` if not within `depth`. */
  ranks: Record<string, Record<RetrievalMethod, number | null>>;
}

export interface EvaluateRetrievalOptions {
  /** Cut-off for recall (default 5). */
  k?: number;
  /** How many results each ranker returns, and the MRR cut-off (default 10). */
  depth?: number;
  /** Candidates per list handed to RRF (default 50). */
  fusionDepth?: number;
  rrfK?: number;
  /** RRF weights for [full text, vector] (default equal). */
  fusionWeights?: [number, number];
  /** BM25 `minShouldMatch` for the list fed into hybrid fusion (default 0.6). */
  fusionMinShouldMatch?: number;
  /** Defaults to a local embedder whose IDF is fitted on the corpus. */
  embedder?: EmbeddingsProvider | LocalEmbedder;
}

export function normalizeWhitespace(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

/** A retrieved chunk answers when it comes from the labelled document and contains the quote (if the label has one). */
export function chunkContainsAnswer(chunk: Pick<CorpusChunk, 'doc'> & { text: string }, answer: RetrievalAnswer): boolean {
  return chunk.doc === answer.doc && (answer.quote === undefined || normalizeWhitespace(chunk.text).includes(normalizeWhitespace(answer.quote)));
}

/** 1-based rank of the first retrieved chunk that holds any of the answers, or null. */
export function firstRelevantRank(
  retrieved: readonly (Pick<CorpusChunk, 'doc'> & { text: string })[],
  answers: readonly RetrievalAnswer[],
): number | null {
  const i = retrieved.findIndex((chunk) => answers.some((a) => chunkContainsAnswer(chunk, a)));
  return i === -1 ? null : i + 1;
}

/**
 * nDCG@k with binary gains per labelled answer: each answer counts once, at the first retrieved
 * chunk that holds it; the ideal ranking puts every answer in the first places.
 */
export function ndcgAtK(
  retrieved: readonly (Pick<CorpusChunk, 'doc'> & { text: string })[],
  answers: readonly RetrievalAnswer[],
  k = 10,
): number {
  const found = new Set<number>();
  let dcg = 0;
  retrieved.slice(0, k).forEach((chunk, i) => {
    answers.forEach((a, j) => {
      if (found.has(j) || !chunkContainsAnswer(chunk, a)) return;
      found.add(j);
      dcg += 1 / Math.log2(i + 2);
    });
  });
  let ideal = 0;
  for (let i = 0; i < Math.min(k, answers.length); i++) ideal += 1 / Math.log2(i + 2);
  return ideal === 0 ? 0 : dcg / ideal;
}

export function recallAtK(ranks: readonly (number | null)[], k: number): number {
  if (ranks.length === 0) return 0;
  return ranks.filter((r) => r !== null && r <= k).length / ranks.length;
}

export function meanReciprocalRank(ranks: readonly (number | null)[]): number {
  if (ranks.length === 0) return 0;
  return ranks.reduce<number>((sum, r) => sum + (r === null ? 0 : 1 / r), 0) / ranks.length;
}

/**
 * Offline retrieval benchmark over an in-memory corpus: BM25 (OR, and AND like
 * `websearch_to_tsquery`), exact cosine over local embeddings, and RRF of BM25 and vector.
 * The database-backed retrieval is expected to land close to these numbers.
 */
export async function evaluateRetrieval(
  corpus: readonly CorpusChunk[],
  questions: readonly RetrievalQuestion[],
  options: EvaluateRetrievalOptions = {},
): Promise<RetrievalReport> {
  const k = options.k ?? 5;
  const depth = options.depth ?? 10;
  const fusionDepth = options.fusionDepth ?? 50;
  let embedder = options.embedder;
  if (!embedder) {
    const local = createLocalEmbedder();
    local.fit(corpus.map((c) => c.searchText));
    embedder = local;
  }

  const byId = new Map(corpus.map((c) => [c.id, c]));
  const bm25 = new Bm25Ranker(corpus.map((c) => ({ id: c.id, text: c.searchText })));
  const vectors = await embedder.embedDocuments(corpus.map((c) => c.searchText));
  const vectorRanker = new VectorRanker(corpus.map((c, i) => ({ id: c.id, vector: vectors[i] })));

  const ranks: RetrievalReport['ranks'] = {};
  for (const question of questions) {
    const queryVector = await embedder.embedQuery(question.question);
    const fullText = bm25.search(question.question, { limit: fusionDepth });
    const vector = vectorRanker.search(queryVector, { limit: fusionDepth });
    const lexical = bm25.search(question.question, { limit: fusionDepth, minShouldMatch: options.fusionMinShouldMatch ?? 0.6 });
    const results: Record<RetrievalMethod, RankedHit[]> = {
      fullText,
      fullTextAllTerms: bm25.search(question.question, { limit: depth, matchAll: true }),
      vector,
      hybrid: reciprocalRankFusion([lexical, vector], { k: options.rrfK, weights: options.fusionWeights }).map((r) => ({ id: r.id, score: r.score })),
    };
    ranks[question.id] = {} as Record<RetrievalMethod, number | null>;
    for (const method of RETRIEVAL_METHODS) {
      const retrieved = results[method].slice(0, depth).map((hit) => {
        const c = byId.get(hit.id)!;
        return { doc: c.doc, text: c.chunk.text };
      });
      ranks[question.id][method] = firstRelevantRank(retrieved, question.answers);
    }
  }

  const methods = {} as Record<RetrievalMethod, MethodReport>;
  for (const method of RETRIEVAL_METHODS) {
    const all = questions.map((q) => ranks[q.id][method]);
    methods[method] = {
      recallAtK: recallAtK(all, k),
      mrr: meanReciprocalRank(all),
      directRecallAtK: recallAtK(questions.filter((q) => !q.paraphrased).map((q) => ranks[q.id][method]), k),
      paraphrasedRecallAtK: recallAtK(questions.filter((q) => q.paraphrased).map((q) => ranks[q.id][method]), k),
      misses: questions.filter((q) => { const r = ranks[q.id][method]; return r === null || r > k; }).map((q) => q.id),
    };
  }
  return { k, depth, questions: questions.length, chunks: corpus.length, methods, ranks };
}
