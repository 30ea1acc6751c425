import type { EntityManager } from '@mikro-orm/postgresql';
import type { Database } from '../db/database.ts';
import type { Logger } from '../logger.ts';
import { type ChunkRow, loadChunks } from './kb-chunk.repository.ts';
import {
  interactionUri,
  kbDocumentUri,
  type KnowledgeSearchResponse,
  type KnowledgeSearchResult,
  type SearchMode,
} from './knowledge-api.schema.ts';
import type { RankedHit } from './memory-ranker.ts';
import { chunkFilterSql, type PgVectorFilter, type PgVectorStore } from './pgvector.store.ts';
import {
  DEFAULT_FUSION,
  documentEvidence,
  type DocumentEvidenceOptions,
  type FusedHit,
  type FusionOptions,
  fuseRankings,
  interleaveSources,
  onePerSection,
  protect,
  sectionKeyOf,
} from './fusion.ts';
import { type RecordIntent, recordIntent, relativeTimeWindowDays, withoutRelativeTime } from './record-intent.ts';
import type { RemoteRanker } from './remote-ranker.ts';
import { rerank, type RerankerModel } from './reranker.ts';
import { RERANKER_MODEL, RERANKER_WINS_ON_TUNING } from './reranker-weights.ts';
import { withSpellingVariants } from './spelling-variants.ts';
import { querySynonyms } from './synonyms.ts';
import type { TenantEmbedders } from './tenant-embedder.ts';
import type { VectorStore } from './vector-store.ts';

export interface RetrievalOptions {
  /** Candidates per list handed to fusion (default 20: min–max normalisation over a short list kept the scores' margins best on the tuning questions). */
  fusionDepth?: number;
  /** How the full-text and vector lists are merged (default `DEFAULT_FUSION`, chosen on the tuning questions). */
  fusion?: Partial<FusionOptions>;
  /**
   * The same for a list of interactions only (default `INTERACTION_FUSION`, 0.6 full text : 0.4
   * vector, chosen on the interaction tuning questions; when only `fusion` is set, that).
   */
  interactionFusion?: Partial<FusionOptions>;
  /** @deprecated RRF constant; use `fusion.rrfK`. */
  rrfK?: number;
  /**
   * Full-text hits fused into hybrid results must contain query words carrying at least this
   * share of the query's IDF weight (default 0: score fusion already weighs weak hits down, and
   * the cut-off dropped answers that only full-text found).
   */
  minShouldMatch?: number;
  /**
   * Full-text score: `rank` is ts_rank (headings weigh more than body text, no IDF); `rank-coverage`
   * (default) multiplies it by the IDF share of the query words the passage contains, so rare words count.
   */
  textScore?: 'rank' | 'rank-coverage';
  /**
   * BM25F-like field weights of the full-text score: ts_rank weighs the heading path (tsvector
   * weight A) `heading` and the passage (weight B) `body` (PostgreSQL's defaults 1.0 / 0.4, used when
   * unset); `normalization` is ts_rank's length normalisation flag (default 0: none).
   */
  textFields?: { heading: number; body: number; normalization?: number };
  /**
   * RM3 pseudo-relevance feedback on the full-text side: the first `docs` hits of the first pass
   * (the fused list in hybrid mode) give `terms` expansion lexemes (share of the passage × passage
   * weight × IDF, summed), and a second full-text pass scores rank(query) × coverage + `weight` ×
   * rank(expansion). Off by default (unset).
   */
  rm3?: { docs: number; terms: number; weight: number };
  /** Document-level evidence over the fused list (fusion.ts `documentEvidence`; hybrid only, off by default). */
  documentEvidence?: DocumentEvidenceOptions;
  /** Keep only the best chunk of each document section (default true). */
  onePerSection?: boolean;
  /** Full-text search also looks for the British/American spelling of query words (default true). */
  spellingVariants?: boolean;
  /**
   * Full-text search also looks for WordNet synonyms of the query's words (synonyms.ts): `perWord`
   * synonyms of each word's most frequent sense, a passage matching one counting `weight` × its IDF
   * toward the query's coverage (the query's own words count fully). `false`/0 turns it off.
   */
  synonyms?: false | { perWord: number; weight: number };
  /**
   * Hybrid search reorders its first fused document candidates with the learned lexical reranker
   * (reranker.ts; default: on when the shipped fit won on the tuning questions, `RERANKER_WINS_ON_TUNING`). `false` keeps the fused order; a
   * model object replaces the shipped weights (the fitting script uses it).
   */
  rerank?: boolean | RerankerModel;
  /**
   * A remote reranking API (Vertex AI ranking, `KB_RERANK=vertex`): when set (and `rerank` is not
   * false) it reorders the first 20 fused document candidates instead of the offline reranker,
   * which takes over when the call fails.
   */
  remoteRanker?: RemoteRanker;
  /**
   * Unfiltered search (documents and interactions): how many places the document list leads by when
   * the question names no contact, company or time (record-intent.ts). 0 alternates the sources
   * (D I D I D); the default 3 gives documents the first four of five places and the best
   * interaction the fifth. A question that names one keeps 0.
   */
  documentLead?: number;
  /**
   * Unfiltered search: a question that names a company ("any calls with Sagewood Law Group") returns
   * the interactions of that company's contacts first, as a named contact's do (default true).
   */
  companyFirst?: boolean;
  /**
   * Unfiltered search: a question that names a relative time ("calls last week", "this month")
   * searches only the interactions inside that window back from now (record-intent.ts
   * `relativeTimeWindowDays`; default true), looking for the rest of the question.
   */
  timeWindow?: boolean;
  /** A question about conversations that names nobody ("who asked for a discount") counts as one about records (default true). */
  conversationCues?: boolean;
  /**
   * Unfiltered search, a question about the CRM's records: how many places the interaction list
   * leads by (default 1: I D I D I; 0 alternates with the document first, D I D I D).
   */
  recordInteractionLead?: number;
}

/** Interactions lead by one place when a question is about the CRM's records (I D I D I; chosen on the tuning questions, evals/src/knowledge/README.md). */
export const DEFAULT_RECORD_INTERACTION_LEAD = 1;

/** Interaction lists weigh full text more (short templated notes; interactions/tune, evals/src/knowledge/README.md). */
export const INTERACTION_FUSION: Partial<FusionOptions> = { weights: [0.6, 0.4], protectTop: 0 };

/** Documents lead by three places when a question is not about the CRM's records (evals/src/knowledge/README.md). */
export const DEFAULT_DOCUMENT_LEAD = 3;

// chosen with the fusion on the tuning questions (evals/src/knowledge/tune-fusion.ts)
const DEFAULT_TEXT_SCORE: NonNullable<RetrievalOptions['textScore']> = 'rank-coverage';
// off by default: chosen on the tuning questions by MRR, it lost recall@5 and MRR on the test questions
const DEFAULT_SYNONYMS: RetrievalOptions['synonyms'] = false;
/** KB_QUERY_SYNONYMS=on: two synonyms per query word, a synonym match counting half (best on the tuning questions). */
export const QUERY_SYNONYMS = { perWord: 2, weight: 0.5 } as const;

/** Quotes or `-word` mean the user wrote web-search syntax: honour it (AND semantics) as typed. */
const WEBSEARCH_SYNTAX = /"|(^|\s)-[\p{L}\p{N}]/u;

/**
 * Full-text candidates: any query word may match (an OR of the query's lexemes, weighted by
 * ts_rank with headings above body text). `coverage` is the IDF share of the query words present.
 */
export async function fullTextHits(
  em: EntityManager,
  tenantId: string,
  query: string,
  options: {
    limit: number;
    filter?: PgVectorFilter;
    minShouldMatch?: number;
    textScore?: RetrievalOptions['textScore'];
    spellingVariants?: boolean;
    synonyms?: RetrievalOptions['synonyms'];
    textFields?: RetrievalOptions['textFields'];
    /** RM3 expansion lexemes (already stemmed) and the weight of their rank in the score. */
    expansion?: { lexemes: string[]; weight: number };
  },
): Promise<(RankedHit & { coverage: number })[]> {
  const f = chunkFilterSql(options.filter);
  const websearch = WEBSEARCH_SYNTAX.test(query);
  // PostgreSQL's english stemmer keeps colour/color and programme/program apart
  if (!websearch && options.spellingVariants !== false) query = withSpellingVariants(query);
  const syn = !websearch && options.synonyms ? options.synonyms : null;
  const synonyms = syn && syn.perWord > 0 ? querySynonyms(query, syn.perWord).join(' ') : '';
  const tsquery = websearch
    ? `SELECT websearch_to_tsquery('english', ?) AS q, 1.0::float8 AS total`
    : 'SELECT string_agg(quote_literal(lexeme), \' | \')::tsquery AS q, sum(idf) FILTER (WHERE w = 1) AS total FROM t';
  // a synonym's lexeme counts `w` × its IDF toward coverage; the query's own words count fully
  const tf = options.textFields;
  if (tf && !(tf.heading >= 0 && tf.body >= 0 && tf.heading + tf.body > 0)) {
    throw new RangeError(`textFields: heading and body must be ≥ 0 and not both 0, got ${tf.heading} / ${tf.body}`);
  }
  // ts_rank takes weights within 0–1: scaled by the larger (fusion normalises the scores anyway)
  const top = tf ? Math.max(tf.heading, tf.body) : 1;
  const rank = (q: string) =>
    tf ? `ts_rank('{0,0,${tf.body / top},${tf.heading / top}}'::float4[], c.tsv, ${q}, ${Math.trunc(tf.normalization ?? 0)})` : `ts_rank(c.tsv, ${q})`;
  const exp = options.expansion?.lexemes.length ? options.expansion : null;
  const rows = await em.execute<{ id: string; score: number; coverage: number | null }[]>(
    `WITH st AS (SELECT coalesce((SELECT chunk_count FROM kb_index_state WHERE tenant_id = ?), 0) AS n),
     own AS (SELECT DISTINCT lexeme FROM unnest(to_tsvector('english', ?))),
     lx AS (
       SELECT lexeme, 1.0::float8 AS w FROM own
       UNION ALL
       SELECT DISTINCT s.lexeme, ?::float8 FROM unnest(to_tsvector('english', ?)) s WHERE s.lexeme NOT IN (SELECT lexeme FROM own)),
     t AS (
       SELECT lx.lexeme, lx.w, ln(1 + (st.n - coalesce(k.df, 0) + 0.5) / (coalesce(k.df, 0) + 0.5)) AS idf
       FROM lx CROSS JOIN st
       LEFT JOIN kb_terms k ON k.tenant_id = ? AND k.lexeme = lx.lexeme),
     q AS (${tsquery}),${exp ? `
     qe AS (SELECT string_agg(quote_literal(l), ' | ')::tsquery AS q FROM jsonb_array_elements_text(?::jsonb) l),` : ''}
     hits AS (
       SELECT c.id, c.chunk_index, c.content_hash, ${rank('q.q')} AS score,${exp ? ` ${rank('qe.q')} AS escore,` : ''}
         least(1, (SELECT coalesce(sum(t.idf * t.w), 0) FROM t WHERE t.lexeme = ANY(tsvector_to_array(c.tsv))) / nullif(q.total, 0)) AS coverage
       FROM kb_chunks c, q${exp ? ', qe' : ''} WHERE c.tenant_id = ? AND c.tsv @@ ${exp ? '(q.q || qe.q)' : 'q.q'}${f.sql})
     SELECT id, ${options.textScore === 'rank-coverage' ? 'score * coalesce(coverage, 1)' : 'score'}${exp ? ` + ${+exp.weight} * escore` : ''} AS score, coverage FROM hits WHERE ${websearch ? 'true' : 'coalesce(coverage, 0) >= ?'}
     ORDER BY score DESC, chunk_index, content_hash, id LIMIT ?`,
    [
      tenantId,
      query,
      syn?.weight ?? 0,
      synonyms,
      tenantId,
      ...(websearch ? [query] : []),
      ...(exp ? [JSON.stringify(exp.lexemes)] : []),
      tenantId,
      ...f.params,
      ...(websearch ? [] : [options.minShouldMatch ?? 0]),
      options.limit,
    ],
  );
  return rows.map((r) => ({ id: r.id, score: Number(r.score), coverage: Number(r.coverage ?? 1) }));
}

/**
 * RM3 expansion lexemes from feedback passages: for each lexeme of the passages that is not a word
 * of the query, Σ over passages of (its occurrences / the passage's) × the passage's weight, times
 * its IDF in the tenant; lexemes of one or two letters and lexemes found in a single chunk of the
 * tenant are skipped. The best `terms`, best first.
 */
export async function rm3ExpansionTerms(
  em: EntityManager,
  tenantId: string,
  query: string,
  feedback: readonly { id: string; weight: number }[],
  terms: number,
): Promise<string[]> {
  if (!feedback.length || terms <= 0) return [];
  const rows = await em.execute<{ lexeme: string }[]>(
    `WITH st AS (SELECT coalesce((SELECT chunk_count FROM kb_index_state WHERE tenant_id = ?), 0) AS n),
     fb AS (
       SELECT c.tsv, s.w, greatest(1, (SELECT sum(coalesce(array_length(y.positions, 1), 1)) FROM unnest(c.tsv) y))::float8 AS len
       FROM jsonb_to_recordset(?::jsonb) AS s(id text, w float8) JOIN kb_chunks c ON c.id = s.id::uuid AND c.tenant_id = ?),
     own AS (SELECT DISTINCT lexeme FROM unnest(to_tsvector('english', ?)))
     SELECT x.lexeme,
       sum(fb.w * coalesce(array_length(x.positions, 1), 1) / fb.len) * ln(1 + (st.n - k.df + 0.5) / (k.df + 0.5)) AS weight
     FROM fb CROSS JOIN LATERAL unnest(fb.tsv) x CROSS JOIN st
     JOIN kb_terms k ON k.tenant_id = ? AND k.lexeme = x.lexeme
     WHERE length(x.lexeme) > 2 AND k.df > 1 AND x.lexeme NOT IN (SELECT lexeme FROM own)
     GROUP BY x.lexeme, k.df, st.n
     ORDER BY weight DESC, x.lexeme LIMIT ?`,
    [tenantId, JSON.stringify(feedback.map((f) => ({ id: f.id, w: f.weight }))), tenantId, query, tenantId, terms],
  );
  return rows.map((r) => r.lexeme);
}

function checkRm3(o: NonNullable<RetrievalOptions['rm3']>) {
  if (!Number.isInteger(o.docs) || o.docs < 1 || !Number.isInteger(o.terms) || o.terms < 1 || !(o.weight >= 0 && Number.isFinite(o.weight))) {
    throw new RangeError(`rm3: docs and terms must be positive integers and weight a finite number ≥ 0, got ${o.docs} / ${o.terms} / ${o.weight}`);
  }
}

export interface HybridSearchDeps {
  db: Database;
  store: VectorStore;
  embedders: TenantEmbedders;
  logger: Logger;
  options?: RetrievalOptions;
  /** Why vector search cannot run at all (no pgvector, dimension mismatch), checked once. */
  vectorUnavailable(): Promise<string | null>;
}

export interface HybridSearchRequest {
  tenantId: string;
  query: string;
  k: number;
  mode: SearchMode;
  filter: PgVectorFilter;
}

/**
 * Hybrid retrieval: full-text (tsvector, OR of query lexemes and their British/American spellings,
 * ts_rank × IDF coverage) and vector search (pgvector HNSW or Pinecone), merged by normalised score
 * fusion (fusion.ts), one result per document section; every id is re-read from
 * the database under the caller's tenant and filters, so the vector store never decides what a
 * user may see.
 */
export async function hybridSearch(deps: HybridSearchDeps, req: HybridSearchRequest): Promise<Omit<KnowledgeSearchResponse, 'tookMs'>> {
  const f = req.filter;
  const interactionsAsked = !f.excludeInteractions && !f.contactId && (!f.kinds || f.kinds.includes('interaction'));
  const intent = interactionsAsked ? await deps.db.withTenant(req.tenantId, (em) => recordIntent(em, req.query, { conversationCues: deps.options?.conversationCues ?? true })) : null;
  // a question about the CRM's records keeps the sources alternating; otherwise the playbooks lead
  const leads = intent?.reason
    ? { documentLead: 0, interactionLead: deps.options?.recordInteractionLead ?? DEFAULT_RECORD_INTERACTION_LEAD }
    : { documentLead: deps.options?.documentLead ?? DEFAULT_DOCUMENT_LEAD, interactionLead: 0 };
  const days = intent?.reason === 'time' && deps.options?.timeWindow !== false ? relativeTimeWindowDays(req.query) : null;
  const since = days ? new Date(Date.now() - days * 86_400_000) : null;
  if (since) {
    // the window is a filter now: search for the rest of the question ("voicemails left in the past week" → "voicemails left")
    const found = await hybridSearchWith(deps, { ...req, query: withoutRelativeTime(req.query) }, intent, leads, since);
    return { ...found, query: req.query };
  }
  return hybridSearchWith(deps, req, intent, leads, since);
}

async function hybridSearchWith(
  deps: HybridSearchDeps,
  req: HybridSearchRequest,
  intent: RecordIntent | null,
  leads: { documentLead: number; interactionLead: number },
  since: Date | null,
): Promise<Omit<KnowledgeSearchResponse, 'tookMs'>> {
  const f = req.filter;
  // "what did Dana say about pricing": Dana's interactions first (best match first), then the rest;
  // with `companyFirst`, "any calls with Sagewood" puts that company's people's interactions first
  const people: PgVectorFilter | null = intent?.contactId
    ? { contactId: intent.contactId }
    : intent?.companyContactIds?.length && deps.options?.companyFirst !== false
      ? { contactIds: intent.companyContactIds }
      : null;
  if (people) {
    const [theirs] = await searchSources(deps, req, [{ ...f, kinds: ['interaction'], ...people }]);
    const rest = await searchAll(deps, req, leads, since);
    const ids = new Set(theirs.results.map((r) => r.id));
    return { ...rest, results: [...theirs.results, ...rest.results.filter((r) => !ids.has(r.id))].slice(0, req.k) };
  }
  return searchAll(deps, req, leads, since);
}

async function searchAll(
  deps: HybridSearchDeps,
  req: HybridSearchRequest,
  leads: { documentLead: number; interactionLead: number },
  since: Date | null,
): Promise<Omit<KnowledgeSearchResponse, 'tookMs'>> {
  const f = req.filter;
  if (f.kinds || f.contactId || f.contactIds || f.excludeInteractions) return (await searchSources(deps, req, [f]))[0];
  // Both sources asked for: rank documents and interactions separately, then merge the two lists
  // by rank (interleaveSources). In one list the ~100× more numerous interaction chunks (emails and
  // notes that mention every service) crowd the playbooks out of the top k; per-source lists keep
  // the best of each in view, and a question that is not about a contact, company or time gives the
  // documents the lead (evals/src/knowledge/README.md). Both are searched in one transaction with
  // one query embedding.
  const [docs, talks] = await searchSources(deps, req, [
    { ...f, kinds: ['document'] },
    { ...f, kinds: ['interaction'], ...(since && !(f.after && f.after > since) ? { after: since } : {}) },
  ]);
  const merged = interleaveSources(docs.results, talks.results, { ...leads, rrfK: deps.options?.rrfK });
  const results = merged.slice(0, req.k).map((r) => ({ ...r.item, score: r.score }));
  return { ...docs, results };
}

interface SourceHits {
  textHits: (RankedHit & { coverage: number })[];
  vectorHits: RankedHit[];
  rows: Map<string, ChunkRow>;
}

/** One hybrid search per filter, sharing the transaction and the query embedding. */
async function searchSources(deps: HybridSearchDeps, req: HybridSearchRequest, filters: PgVectorFilter[]): Promise<Omit<KnowledgeSearchResponse, 'tookMs'>[]> {
  const { db, store, embedders } = deps;
  // every mode reads `depth` candidates: one result per section needs more than k chunks
  const depth = Math.max(deps.options?.fusionDepth ?? 20, req.k);
  let unavailable = req.mode === 'fulltext' ? null : await deps.vectorUnavailable();
  const remoteStore = store.name !== 'pgvector';
  // A remote provider is called before the transaction (PGlite runs one transaction at a time).
  let preEmbedded: number[] | undefined;
  if (!unavailable && req.mode !== 'fulltext' && !embedders.fittable) {
    preEmbedded = await embedders.forTenant(req.tenantId).embedQuery(req.query).catch((err: Error) => {
      unavailable = `the embeddings service failed: ${err.message}`;
      return undefined;
    });
  }
  const wantVector = req.mode !== 'fulltext' && !unavailable;
  const wantText = req.mode !== 'vector' || !!unavailable;

  const vk = depth;
  const run = async (em: EntityManager) => {
    let vector: { model: string; q: number[] } | undefined;
    if (wantVector) {
      const emb = await embedders.current(req.tenantId, em);
      if (emb.ready) vector = { model: emb.model, q: preEmbedded ?? (await emb.embedder.embedQuery(req.query)) };
    }
    const fused = req.mode === 'hybrid' && !!vector;
    const sources: SourceHits[] = [];
    for (const filter of filters) {
      const textOptions = {
        limit: depth,
        filter,
        minShouldMatch: fused ? (deps.options?.minShouldMatch ?? 0) : 0,
        textScore: deps.options?.textScore ?? DEFAULT_TEXT_SCORE,
        spellingVariants: deps.options?.spellingVariants,
        synonyms: deps.options?.synonyms ?? DEFAULT_SYNONYMS,
        textFields: deps.options?.textFields,
      };
      const textSide = wantText || !vector;
      let textHits = textSide ? await fullTextHits(em, req.tenantId, req.query, textOptions) : [];
      let vectorHits: RankedHit[] = [];
      if (vector && !remoteStore) {
        vectorHits = await (store as PgVectorStore).query(req.tenantId, vector.model, vector.q, { k: vk, filter, em });
      }
      const rm3 = deps.options?.rm3;
      if (rm3 && textSide && !WEBSEARCH_SYNTAX.test(req.query)) {
        checkRm3(rm3);
        // feedback passages: the fused list's first in hybrid mode (both retrievers vouch for them), else full text's
        const first = fused && vectorHits.length ? fuseRankings(textHits, vectorHits, fusionFor(deps, filter)) : textHits;
        const top = first.slice(0, rm3.docs);
        const total = top.reduce((sum, h) => sum + Math.max(0, h.score), 0);
        const feedback = top.map((h) => ({ id: h.id, weight: total > 0 ? Math.max(0, h.score) / total : 1 / top.length }));
        const lexemes = await rm3ExpansionTerms(em, req.tenantId, req.query, feedback, rm3.terms);
        if (lexemes.length) textHits = await fullTextHits(em, req.tenantId, req.query, { ...textOptions, expansion: { lexemes, weight: rm3.weight } });
      }
      const rows = remoteStore ? new Map<string, ChunkRow>() : await loadChunks(em, unique(textHits, vectorHits), chunkFilterSql(filter));
      sources.push({ textHits, vectorHits, rows });
    }
    return { vector, sources };
  };

  // pgvector: one transaction for everything; Pinecone is called between two.
  const { vector, sources } = await db.withTenant(req.tenantId, run);
  const out: Omit<KnowledgeSearchResponse, 'tookMs'>[] = [];
  for (const [i, filter] of filters.entries()) {
    let { textHits, vectorHits, rows } = sources[i];
    if (remoteStore && vector) {
      // Pinecone cannot evaluate row-level permissions: ask for more and let the database re-check.
      vectorHits = await store.query(req.tenantId, vector.model, vector.q, { k: Math.min(1000, vk * 3), filter }).catch((err: Error) => {
        unavailable = err.message;
        return [];
      });
    }
    if (remoteStore) {
      const ids = unique(textHits, vectorHits);
      rows = await db.withTenant(req.tenantId, (em) => loadChunks(em, ids, chunkFilterSql(filter)));
      vectorHits = vectorHits.filter((h) => rows.has(h.id)).slice(0, vk);
    }
    textHits = textHits.filter((h) => rows.has(h.id));

    let ranked: FusedHit[];
    if (req.mode === 'hybrid' && vector) {
      const fusion = fusionFor(deps, filter);
      const evidence = deps.options?.documentEvidence;
      if (evidence && (evidence.aggregate || evidence.agreement)) {
        // document evidence reorders the fused list; the protected places are applied after it
        const o = { ...DEFAULT_FUSION, ...fusion };
        const plain = fuseRankings(textHits, vectorHits, { ...fusion, protectTop: 0 });
        ranked = protect(documentEvidence(plain, (h) => rows.get(h.id)?.document_id ?? null, evidence), o.protectTop, o.window);
      } else {
        ranked = fuseRankings(textHits, vectorHits, fusion);
      }
    } else if (req.mode === 'vector' && vector) {
      ranked = vectorHits.map((h, n) => ({ id: h.id, score: h.score, ranks: [null, n + 1] }));
    } else {
      ranked = textHits.map((h, n) => ({ id: h.id, score: h.score, ranks: [n + 1, null] }));
    }
    if (deps.options?.onePerSection !== false) ranked = onePerSection(ranked, (r) => sectionKey(rows.get(r.id)!));
    // trained on document passages only: a list with interactions keeps the fused order
    const rerankable = req.mode === 'hybrid' && !!vector && deps.options?.rerank !== false && ranked.every((r) => rows.get(r.id)!.kind === 'document');
    let remote: FusedHit[] | null = null;
    if (rerankable && deps.options?.remoteRanker) remote = await remoteRerank(deps, req.query, ranked, rows);
    const model = rerankModel(deps.options?.rerank);
    if (remote) ranked = remote;
    else if (rerankable && model) {
      ranked = rerank(req.query, ranked.map((r) => toCandidate(r, rows.get(r.id)!)), model).map((r) => ({ id: r.id, score: r.rerankScore, ranks: r.ranks }));
      // the places fusion protected stay protected through the second stage
      const p = { ...DEFAULT_FUSION, ...deps.options?.fusion };
      if (p.protectTop > 0) ranked = protect(ranked, p.protectTop, p.window);
    }
    const results = ranked.slice(0, req.k).map((r) => toResult(rows.get(r.id)!, r.score, r.ranks));
    // vectors always return the k nearest, even for "xyzzy": say so when no passage has a word of the query
    const textless = req.mode === 'hybrid' && results.length > 0 && results.every((r) => r.ranks.fulltext === null);
    out.push({ query: req.query, mode: req.mode, results, vectorSearch: 'used', ...(textless ? { warning: NO_TEXT_MATCH } : {}) });
  }
  const vectorSearch = req.mode === 'fulltext' ? 'not_requested' : unavailable ? 'unavailable' : 'used';
  const warning = unavailable
    ? `Vector search unavailable (${unavailable}); showing full-text results only.`
    : wantVector && !vector
      ? 'The knowledge base has no vectors yet; showing full-text results only.'
      : undefined;
  return out.map((o) => {
    const warnings = [warning, o.warning].filter(Boolean).join(' ');
    return { ...o, vectorSearch, ...(warnings ? { warning: warnings } : {}) };
  });
}

/** The fusion options of one list: interaction-only lists have their own (INTERACTION_FUSION). */
function fusionFor(deps: HybridSearchDeps, filter: PgVectorFilter): Partial<FusionOptions> {
  const interactionsOnly = filter.kinds?.length === 1 && filter.kinds[0] === 'interaction';
  const fusion = interactionsOnly ? (deps.options?.interactionFusion ?? deps.options?.fusion ?? INTERACTION_FUSION) : deps.options?.fusion;
  return { ...(deps.options?.rrfK ? { rrfK: deps.options.rrfK } : {}), ...fusion };
}

const REMOTE_RERANK_DEPTH = 20;

/** The first fused candidates reordered by the remote ranker's scores (the rest behind them), or null when it failed. */
async function remoteRerank(deps: HybridSearchDeps, query: string, ranked: FusedHit[], rows: Map<string, ChunkRow>): Promise<FusedHit[] | null> {
  const head = ranked.slice(0, REMOTE_RERANK_DEPTH);
  try {
    const scores = await deps.options!.remoteRanker!.rank(
      query,
      head.map((r) => ({ id: r.id, title: rows.get(r.id)!.heading, content: rows.get(r.id)!.text })),
    );
    const scored = head.map((r, i) => ({ r, i, s: scores.get(r.id) ?? -Infinity })).sort((a, b) => b.s - a.s || a.i - b.i);
    const top = scored.map(({ r, s }) => ({ ...r, score: Number.isFinite(s) ? s : 0 }));
    return [...top, ...ranked.slice(REMOTE_RERANK_DEPTH).map((r) => ({ ...r, score: 0 }))];
  } catch (err) {
    deps.logger.warn({ err, ranker: deps.options!.remoteRanker!.id }, 'remote reranking failed; using the offline reranker');
    return null;
  }
}

function rerankModel(option: RetrievalOptions['rerank']): RerankerModel | null {
  if (option === false || (option === undefined && !RERANKER_WINS_ON_TUNING)) return null;
  return option === undefined || option === true ? RERANKER_MODEL : option;
}

function toCandidate(r: FusedHit, row: ChunkRow) {
  return { id: r.id, title: row.title ?? '', heading: row.heading, passage: row.text, chunkIndex: row.chunk_index, fused: r.score, ranks: r.ranks };
}

/** Chunks of one document section (or of one interaction) compete for a single place. */
const sectionKey = (row: ChunkRow) =>
  sectionKeyOf({ id: row.id, kind: row.kind, documentId: row.document_id, interactionId: row.interaction_id, heading: row.heading });

const unique = (a: readonly RankedHit[], b: readonly RankedHit[]) => [...new Set([...a.map((h) => h.id), ...b.map((h) => h.id)])];

export const NO_TEXT_MATCH =
  'No passage contains a word of the query: these are only the nearest by meaning, which may not answer it. Check before quoting them.';

function toResult(row: ChunkRow, score: number, ranks: [number | null, number | null]): KnowledgeSearchResult {
  const isDoc = row.kind === 'document';
  return {
    id: row.id,
    kind: row.kind,
    documentId: row.document_id,
    interactionId: row.interaction_id,
    contactId: row.contact_id,
    title: isDoc ? (row.title ?? '') : String(row.metadata.title ?? row.heading),
    heading: row.heading,
    passage: row.text,
    uri: isDoc ? kbDocumentUri(row.document_id!) : interactionUri(row.interaction_id!),
    source: row.source,
    chunkIndex: row.chunk_index,
    occurredAt: new Date(row.occurred_at),
    score,
    ranks: { fulltext: ranks[0], vector: ranks[1] },
  };
}
