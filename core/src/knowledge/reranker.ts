import { DOMAIN_LEXICON } from './domain-lexicon.ts';
import { RERANKER_MODEL } from './reranker-weights.ts';
import { spellingVariantsOf } from './spelling-variants.ts';
import { analyze, normalizeForMatching, stem, tokenize } from './text-analyzer.ts';

/**
 * Second stage of hybrid search: an offline learned lexical reranker over the first fused
 * candidates (one per section). Each candidate gets a feature vector (the two retrievers' ranks and
 * the fused score, title / heading-path / passage overlap with the query after British/American
 * spelling variants, stemming and the domain lexicon's synonyms, IDF-weighted term coverage,
 * proximity, character-trigram overlap for misspellings, section priors) and a linear score learned
 * by a pairwise logistic fit on the TUNING questions only (evals/src/knowledge/fit-reranker.ts,
 * which writes reranker-weights.ts). Deterministic; no model download, no network.
 */

export interface RerankCandidate {
  id: string;
  /** Document title (interactions: their generated title). */
  title: string;
  /** Heading path, "Title > Section > Subsection". */
  heading: string;
  passage: string;
  chunkIndex: number;
  /** Fused score (0–1 for normalised score fusion). */
  fused: number;
  /** 1-based ranks in [full text, vector], null where absent. */
  ranks: [number | null, number | null];
}

export const RERANK_FEATURES = [
  'fused',
  'fusedRr',
  'textRr',
  'vectorRr',
  'inBoth',
  'titleCov',
  'headingCov',
  'passageCov',
  'passageCovPlain',
  'allCov',
  'conceptCov',
  'headConceptCov',
  'bigram',
  'proximity',
  'charHead',
  'section',
  'firstChunk',
  'length',
] as const;
export type RerankFeature = (typeof RERANK_FEATURES)[number];

export interface RerankerModel {
  /** How many fused candidates (after one-per-section) the reranker reorders. */
  depth: number;
  /** One weight per feature (missing ⇒ 0), plus a bias that does not affect order. */
  weights: Partial<Record<RerankFeature, number>>;
  /** Per-feature mean and standard deviation used to standardise before the dot product. */
  mean: Partial<Record<RerankFeature, number>>;
  std: Partial<Record<RerankFeature, number>>;
}

let phrases: { map: Map<string, string[]>; longest: number } | undefined;
/**
 * Domain-lexicon concepts of a text: the same phrase matching as the local embedder's concept
 * features (terms normalised, tokenised and stemmed; phrases as consecutive words, stop words
 * included), without computing its other features.
 */
function concepts(text: string): Set<string> {
  if (!phrases) {
    const map = new Map<string, string[]>();
    let longest = 1;
    for (const group of DOMAIN_LEXICON) {
      for (const term of group.terms) {
        const key = tokenize(normalizeForMatching(term)).map(stem).join(' ');
        if (!key) continue;
        const list = map.get(key) ?? [];
        if (!list.includes(group.concept)) list.push(group.concept);
        map.set(key, list);
        longest = Math.max(longest, key.split(' ').length);
      }
    }
    phrases = { map, longest };
  }
  const out = new Set<string>();
  const s = tokenize(normalizeForMatching(text)).map(stem);
  for (let i = 0; i < s.length; i++) {
    let key = '';
    for (let len = 1; len <= phrases.longest && i + len <= s.length; len++) {
      key = len === 1 ? s[i] : `${key} ${s[i + len - 1]}`;
      for (const c of phrases.map.get(key) ?? []) out.add(c);
    }
  }
  return out;
}

const stems = (text: string) => analyze(text).filter((t) => !t.stop).map((t) => t.stem);

function trigrams(text: string): Set<string> {
  const out = new Set<string>();
  for (const w of tokenize(normalizeForMatching(text))) {
    if (w.length < 3) continue;
    const p = `<${w}>`;
    for (let i = 0; i + 3 <= p.length; i++) out.add(p.slice(i, i + 3));
  }
  return out;
}

interface QueryTerms {
  /** One group per distinct query content word: its stem and the stem of its other spelling. */
  groups: string[][];
  /** Adjacent content-word stem pairs of the query. */
  bigrams: string[];
  concepts: Set<string>;
  trigrams: Set<string>;
}

function analyzeQuery(query: string): QueryTerms {
  const groups = new Map<string, Set<string>>();
  const content = analyze(query).filter((t) => !t.stop);
  for (const t of content) {
    const g = groups.get(t.stem) ?? new Set([t.stem]);
    for (const v of spellingVariantsOf(t.word)) for (const s of stems(v)) g.add(s);
    groups.set(t.stem, g);
  }
  const bigrams: string[] = [];
  for (let i = 1; i < content.length; i++) bigrams.push(`${content[i - 1].stem} ${content[i].stem}`);
  return { groups: [...groups.values()].map((g) => [...g]), bigrams, concepts: concepts(query), trigrams: trigrams(query) };
}

const share = (n: number, d: number) => (d === 0 ? 0 : n / d);

/** Feature vectors of the candidates (in their order), for one query. */
export function rerankFeatures(query: string, candidates: readonly RerankCandidate[]): Record<RerankFeature, number>[] {
  const q = analyzeQuery(query);
  const docs = candidates.map((c) => {
    const headingOnly = c.heading.split(' > ').slice(1).join(' ');
    const passageStems = stems(c.passage);
    return {
      title: new Set(stems(c.title)),
      heading: new Set(stems(headingOnly)),
      passageSeq: passageStems,
      passage: new Set(passageStems),
      concepts: concepts(`${c.heading}\n${c.passage}`),
      headConcepts: concepts(c.heading),
      headTrigrams: trigrams(c.heading),
    };
  });
  // IDF of each query term group among the candidates: what distinguishes them from each other
  const n = candidates.length;
  const idf = q.groups.map((g) => {
    const df = docs.filter((d) => g.some((s) => d.passage.has(s) || d.title.has(s) || d.heading.has(s))).length;
    return Math.log(1 + (n - df + 0.5) / (df + 0.5));
  });
  const idfTotal = idf.reduce((a, b) => a + b, 0);
  const covered = (set: Set<string>, weighted: boolean) =>
    weighted
      ? share(q.groups.reduce((a, g, i) => a + (g.some((s) => set.has(s)) ? idf[i] : 0), 0), idfTotal)
      : share(q.groups.filter((g) => g.some((s) => set.has(s))).length, q.groups.length);
  // candidates come in fused order: `i` is the fused rank - 1
  return candidates.map((c, i) => {
    const d = docs[i];
    const all = new Set([...d.title, ...d.heading, ...d.passage]);
    let bigramHits = 0;
    const seqPairs = new Set(d.passageSeq.slice(1).map((s, j) => `${d.passageSeq[j]} ${s}`));
    for (const b of q.bigrams) if (seqPairs.has(b)) bigramHits++;
    return {
      fused: c.fused,
      fusedRr: 1 / (i + 1),
      textRr: c.ranks[0] ? 1 / c.ranks[0] : 0,
      vectorRr: c.ranks[1] ? 1 / c.ranks[1] : 0,
      inBoth: c.ranks[0] && c.ranks[1] ? 1 : 0,
      titleCov: covered(d.title, true),
      headingCov: covered(d.heading, true),
      passageCov: covered(d.passage, true),
      passageCovPlain: covered(d.passage, false),
      allCov: covered(all, true),
      conceptCov: share([...q.concepts].filter((k) => d.concepts.has(k)).length, q.concepts.size),
      headConceptCov: share([...q.concepts].filter((k) => d.headConcepts.has(k)).length, q.concepts.size),
      bigram: share(bigramHits, q.bigrams.length),
      proximity: proximity(q.groups, d.passageSeq),
      charHead: share([...q.trigrams].filter((t) => d.headTrigrams.has(t)).length, q.trigrams.size),
      section: c.heading.includes(' > ') ? 1 : 0,
      firstChunk: c.chunkIndex === 0 ? 1 : 0,
      length: Math.min(1, Math.log1p(d.passageSeq.length) / Math.log1p(300)),
    };
  });
}

/** Most distinct query term groups inside any 12-word window of the passage, as a share of the groups. */
function proximity(groups: string[][], seq: readonly string[]): number {
  if (groups.length < 2) return 0;
  const groupOf = new Map<string, number>();
  groups.forEach((g, i) => g.forEach((s) => groupOf.set(s, i)));
  const hits = seq.map((s) => groupOf.get(s)).map((g, pos) => ({ g, pos })).filter((h): h is { g: number; pos: number } => h.g !== undefined);
  let best = 0;
  for (let a = 0; a < hits.length; a++) {
    const seen = new Set<number>();
    for (let b = a; b < hits.length && hits[b].pos - hits[a].pos < 12; b++) seen.add(hits[b].g);
    best = Math.max(best, seen.size);
  }
  return best / groups.length;
}

/** The model's score of one feature vector (standardised features · weights). */
export function rerankScore(model: RerankerModel, x: Record<RerankFeature, number>): number {
  let s = 0;
  for (const f of RERANK_FEATURES) {
    const w = model.weights[f];
    if (!w) continue;
    s += (w * (x[f] - (model.mean[f] ?? 0))) / (model.std[f] || 1);
  }
  return s;
}

/**
 * Reorder the first `model.depth` candidates by the model's score (ties keep the fused order); the
 * rest keep their places behind them. Returns the candidates with their new score (sigmoid, 0–1).
 */
export function rerank<T extends RerankCandidate>(query: string, candidates: readonly T[], model: RerankerModel = RERANKER_MODEL): (T & { rerankScore: number })[] {
  const head = candidates.slice(0, model.depth);
  const xs = rerankFeatures(query, head);
  const scored = head.map((c, i) => ({ c, i, s: rerankScore(model, xs[i]) }));
  scored.sort((a, b) => b.s - a.s || a.i - b.i);
  const top = scored.map(({ c, s }) => ({ ...c, rerankScore: 1 / (1 + Math.exp(-s)) }));
  const lowest = top.length ? Math.min(...top.map((t) => t.rerankScore)) : 1;
  // behind the reranked head, in fused order, scored below it
  const tail = candidates.slice(model.depth).map((c, j) => ({ ...c, rerankScore: lowest * (1 - (j + 1) / (candidates.length + 1)) }));
  return [...top, ...tail];
}
