import { contentTerms } from './text-analyzer.ts';

export interface RankedHit {
  id: string;
  score: number;
}

export interface Bm25Options {
  k1?: number;
  b?: number;
}

export interface Bm25SearchOptions {
  limit?: number;
  /**
   * Require every query term (AND), as PostgreSQL's `websearch_to_tsquery` does; the default is
   * classic BM25 OR semantics.
   */
  matchAll?: boolean;
  /**
   * Drop hits whose matched terms carry less than this share of the query's total IDF (0–1), like
   * Elasticsearch's `minimum_should_match`: a passage that shares only a generic word with a long
   * question is noise, and noise pushes good candidates down in rank fusion. Default 0.
   */
  minShouldMatch?: number;
}

/**
 * An in-memory BM25 full-text ranker over stemmed, stop-word-free terms: the reference the
 * database full-text search (`tsvector` + `websearch_to_tsquery`) is compared with.
 */
export class Bm25Ranker {
  private readonly postings = new Map<string, Map<number, number>>();
  private readonly lengths: number[] = [];
  private readonly ids: string[] = [];
  private readonly avgLength: number;
  private readonly k1: number;
  private readonly b: number;

  constructor(docs: readonly { id: string; text: string }[], options: Bm25Options = {}) {
    this.k1 = options.k1 ?? 1.2;
    this.b = options.b ?? 0.75;
    docs.forEach((doc, i) => {
      const terms = contentTerms(doc.text);
      this.ids.push(doc.id);
      this.lengths.push(terms.length);
      for (const term of terms) {
        let posting = this.postings.get(term);
        if (!posting) this.postings.set(term, (posting = new Map()));
        posting.set(i, (posting.get(i) ?? 0) + 1);
      }
    });
    this.avgLength = this.lengths.reduce((a, n) => a + n, 0) / Math.max(1, docs.length);
  }

  search(query: string, options: Bm25SearchOptions = {}): RankedHit[] {
    const terms = [...new Set(contentTerms(query))];
    const n = this.ids.length;
    const scores = new Map<number, number>();
    const matched = new Map<number, number>();
    const matchedIdf = new Map<number, number>();
    let totalIdf = 0;
    for (const term of terms) {
      const posting = this.postings.get(term);
      // A term absent from the corpus still counts in the query's IDF mass, at the highest IDF.
      const idf = Math.log(1 + (n - (posting?.size ?? 0) + 0.5) / ((posting?.size ?? 0) + 0.5));
      totalIdf += idf;
      if (!posting) continue;
      for (const [doc, tf] of posting) {
        const norm = tf + this.k1 * (1 - this.b + (this.b * this.lengths[doc]) / (this.avgLength || 1));
        scores.set(doc, (scores.get(doc) ?? 0) + (idf * tf * (this.k1 + 1)) / norm);
        matched.set(doc, (matched.get(doc) ?? 0) + 1);
        matchedIdf.set(doc, (matchedIdf.get(doc) ?? 0) + idf);
      }
    }
    const hits: RankedHit[] = [];
    for (const [doc, score] of scores) {
      if (options.matchAll && matched.get(doc) !== terms.length) continue;
      if (options.minShouldMatch && matchedIdf.get(doc)! < options.minShouldMatch * totalIdf) continue;
      hits.push({ id: this.ids[doc], score });
    }
    hits.sort((a, b) => b.score - a.score || (a.id < b.id ? -1 : 1));
    return hits.slice(0, options.limit ?? hits.length);
  }
}

/** Exact cosine ranking over L2-normalised vectors: what an HNSW index approximates. */
export class VectorRanker {
  constructor(private readonly items: readonly { id: string; vector: readonly number[] }[]) {}

  search(query: readonly number[], options: { limit?: number } = {}): RankedHit[] {
    const hits = this.items.map(({ id, vector }) => {
      let dot = 0;
      for (let i = 0; i < vector.length; i++) dot += vector[i] * query[i];
      return { id, score: dot };
    });
    hits.sort((a, b) => b.score - a.score || (a.id < b.id ? -1 : 1));
    return hits.slice(0, options.limit ?? hits.length);
  }
}
