import { z } from 'zod';
import { AppError } from '../errors/app-error.ts';
import { parseOrThrow } from '../errors/zod-issues.ts';
import { type ConceptGroup, DOMAIN_LEXICON } from './domain-lexicon.ts';
import { analyze, stem, tokenize, normalizeForMatching } from './text-analyzer.ts';

export const LOCAL_EMBEDDER_ID = 'local-hash-v1';

/** The embeddings port every provider (local, Vertex AI, Ollama, OpenAI-compatible) implements. */
export interface EmbeddingsProvider {
  readonly id: string;
  readonly dimensions: number;
  embedDocuments(texts: string[]): Promise<number[][]>;
  embedQuery(text: string): Promise<number[]>;
  /** The same embeddings accounted to one tenant (remote providers bill and budget per tenant). */
  forTenant?(tenantId: string): EmbeddingsProvider;
}

export const LocalEmbedderState = z.object({
  id: z.literal(LOCAL_EMBEDDER_ID),
  version: z.literal(1),
  dimensions: z.number().int().min(64).max(2000),
  documentCount: z.number().int().nonnegative(),
  /** Document frequency of every feature seen in at least two corpus texts. */
  documentFrequency: z.record(z.string(), z.number().int().positive()),
});
export type LocalEmbedderState = z.infer<typeof LocalEmbedderState>;

export interface FeatureWeights {
  word: number;
  bigram: number;
  char: number;
  concept: number;
}

export const DEFAULT_FEATURE_WEIGHTS: Readonly<FeatureWeights> = { word: 1, bigram: 0.45, char: 0.6, concept: 0.9 };
/**
 * Queries lean harder on concepts than documents do: a question names one or two ideas, while a
 * passage touches many, so its concept features are diluted. Tuned on the demo KB questions.
 */
export const DEFAULT_QUERY_FEATURE_WEIGHTS: Readonly<FeatureWeights> = { ...DEFAULT_FEATURE_WEIGHTS, concept: 1.3 };

export interface LocalEmbedderOptions {
  /** Vector length; pgvector's HNSW index takes at most 2000. Default 768. */
  dimensions?: number;
  /** A state returned by `fit`, to embed queries against the IDF of the indexed corpus. */
  state?: LocalEmbedderState;
  /** Concept groups for lexical expansion; `false` turns expansion off. Default: the domain lexicon. */
  lexicon?: readonly ConceptGroup[] | false;
  weights?: Partial<FeatureWeights>;
  /** Feature family weights for queries (default `DEFAULT_QUERY_FEATURE_WEIGHTS`). */
  queryWeights?: Partial<FeatureWeights>;
}

type Group = keyof FeatureWeights;
const GROUPS: Group[] = ['word', 'bigram', 'char', 'concept'];
const PREFIX: Record<Group, string> = { word: 'w:', bigram: 'b:', char: 'c:', concept: 'k:' };

/**
 * The offline default embeddings provider: feature hashing, not a neural model. A text becomes
 * stemmed word unigrams and bigrams (stop words dropped), character 3–5-grams of its words
 * (typos, compounds, inflections) and concept features from the domain lexicon (synonyms),
 * weighted by sublinear TF × IDF, hashed with a sign bit into `dimensions` buckets, each feature
 * family L2-normalised and weighted, then the whole vector L2-normalised. Deterministic: same
 * text, options and state give the same vector on every machine.
 *
 * Without `fit`, every feature gets the smoothed IDF of an empty corpus (1). After `fit`, vectors
 * depend on the corpus: persist the state and re-embed the corpus when refitting.
 */
export class LocalEmbedder implements EmbeddingsProvider {
  readonly id = LOCAL_EMBEDDER_ID;
  readonly dimensions: number;
  private readonly weights: FeatureWeights;
  private readonly queryWeights: FeatureWeights;
  private readonly phrases: Map<string, string[]>;
  private readonly maxPhrase: number;
  private fitted: LocalEmbedderState | undefined;

  constructor(options: LocalEmbedderOptions = {}) {
    const dimensions = options.dimensions ?? options.state?.dimensions ?? 768;
    if (!Number.isInteger(dimensions) || dimensions < 64 || dimensions > 2000) {
      throw AppError.validation([{ path: 'dimensions', reason: 'must be an integer between 64 and 2000 (pgvector HNSW limit)' }]);
    }
    this.dimensions = dimensions;
    this.weights = { ...DEFAULT_FEATURE_WEIGHTS, ...options.weights };
    this.queryWeights = { ...DEFAULT_QUERY_FEATURE_WEIGHTS, ...options.weights, ...options.queryWeights };
    if (options.state) {
      const state = parseOrThrow(LocalEmbedderState, options.state, 'state');
      if (state.dimensions !== dimensions) {
        throw AppError.validation([{ path: 'state.dimensions', reason: `state was fitted for ${state.dimensions} dimensions, not ${dimensions}` }]);
      }
      this.fitted = state;
    }
    this.phrases = new Map();
    let maxPhrase = 1;
    for (const group of options.lexicon === false ? [] : (options.lexicon ?? DOMAIN_LEXICON)) {
      for (const term of group.terms) {
        const key = tokenize(normalizeForMatching(term)).map(stem).join(' ');
        if (!key) continue;
        const concepts = this.phrases.get(key) ?? [];
        if (!concepts.includes(group.concept)) concepts.push(group.concept);
        this.phrases.set(key, concepts);
        maxPhrase = Math.max(maxPhrase, key.split(' ').length);
      }
    }
    this.maxPhrase = maxPhrase;
  }

  /** Learn document frequencies from the corpus that will be indexed; returns a JSON-safe state. */
  fit(corpusTexts: readonly string[]): LocalEmbedderState {
    const df = new Map<string, number>();
    for (const text of corpusTexts) this.count(df, text);
    return this.finishFit(df, corpusTexts.length);
  }

  /**
   * `fit` in slices, yielding to the event loop between them: fitting a tenant's 20,000 chunks
   * takes seconds of CPU, and requests must keep being served meanwhile.
   */
  async fitAsync(corpusTexts: readonly string[], options: { sliceSize?: number; sliceMs?: number; signal?: AbortSignal } = {}): Promise<LocalEmbedderState> {
    const df = new Map<string, number>();
    // Yield to the event loop every `sliceSize` texts or `sliceMs`, whichever comes first. A
    // request makes several round trips (auth, BEGIN, query, COMMIT), each waiting for the slice
    // under way: slices of 200 texts (30-120 ms) made requests wait 0.4-2 s during a first start.
    const slice = options.sliceSize ?? 200;
    const sliceMs = options.sliceMs ?? 8;
    options.signal?.throwIfAborted();
    let since = performance.now();
    for (let i = 0; i < corpusTexts.length; i++) {
      this.count(df, corpusTexts[i]);
      if ((i + 1) % slice === 0 || performance.now() - since >= sliceMs) {
        await new Promise((resolve) => setImmediate(resolve));
        options.signal?.throwIfAborted();
        since = performance.now();
      }
    }
    return this.finishFit(df, corpusTexts.length);
  }

  private count(df: Map<string, number>, text: string): void {
    for (const key of this.features(text).keys()) df.set(key, (df.get(key) ?? 0) + 1);
  }

  private finishFit(df: Map<string, number>, documentCount: number): LocalEmbedderState {
    const documentFrequency: Record<string, number> = {};
    for (const key of [...df.keys()].sort()) {
      const count = df.get(key)!;
      if (count >= 2) documentFrequency[key] = count;
    }
    this.fitted = { id: LOCAL_EMBEDDER_ID, version: 1, dimensions: this.dimensions, documentCount, documentFrequency };
    return this.fitted;
  }

  get state(): LocalEmbedderState | undefined {
    return this.fitted;
  }

  async embedDocuments(texts: string[]): Promise<number[][]> {
    return texts.map((t) => this.embed(t, 'document'));
  }

  async embedQuery(text: string): Promise<number[]> {
    return this.embed(text, 'query');
  }

  embed(text: string, role: 'document' | 'query' = 'document'): number[] {
    const weights = role === 'query' ? this.queryWeights : this.weights;
    const out = new Float64Array(this.dimensions);
    const groups = new Map<Group, Float64Array>();
    for (const [key, tf] of this.features(text)) {
      const group = GROUPS.find((g) => key.startsWith(PREFIX[g]))!;
      let vec = groups.get(group);
      if (!vec) groups.set(group, (vec = new Float64Array(this.dimensions)));
      const h = hash(key);
      vec[(h >>> 1) % this.dimensions] += (h & 1 ? -1 : 1) * (1 + Math.log(tf)) * this.idf(key);
    }
    for (const [group, vec] of groups) {
      const norm = Math.hypot(...vec);
      if (norm === 0) continue;
      const scale = weights[group] / norm;
      for (let i = 0; i < vec.length; i++) out[i] += vec[i] * scale;
    }
    const norm = Math.hypot(...out);
    return Array.from(out, (v) => (norm === 0 ? 0 : v / norm));
  }

  private idf(key: string): number {
    const n = this.fitted?.documentCount ?? 0;
    const df = this.fitted?.documentFrequency[key] ?? (n > 0 ? 1 : 0);
    return Math.log((n + 1) / (df + 1)) + 1;
  }

  /** Feature key (family prefix + feature) → term frequency. */
  features(text: string): Map<string, number> {
    const counts = new Map<string, number>();
    const add = (key: string) => counts.set(key, (counts.get(key) ?? 0) + 1);
    const tokens = analyze(text);
    const content = tokens.filter((t) => !t.stop);
    content.forEach((t, i) => {
      add(PREFIX.word + t.stem);
      if (i > 0) add(`${PREFIX.bigram}${content[i - 1].stem}_${t.stem}`);
      if (t.word.length < 3) return;
      const padded = `<${t.word}>`;
      for (let n = 3; n <= 5; n++) {
        for (let j = 0; j + n <= padded.length; j++) add(PREFIX.char + padded.slice(j, j + n));
      }
    });
    if (this.phrases.size > 0) {
      const stems = tokens.map((t) => t.stem);
      for (let i = 0; i < stems.length; i++) {
        let key = '';
        for (let len = 1; len <= this.maxPhrase && i + len <= stems.length; len++) {
          key = len === 1 ? stems[i] : `${key} ${stems[i + len - 1]}`;
          for (const concept of this.phrases.get(key) ?? []) add(PREFIX.concept + concept);
        }
      }
    }
    return counts;
  }
}

export function createLocalEmbedder(options: LocalEmbedderOptions = {}): LocalEmbedder {
  return new LocalEmbedder(options);
}

/** Cosine similarity; for L2-normalised vectors this is the dot product. */
export function cosineSimilarity(a: readonly number[], b: readonly number[]): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i] * b[i];
    na += a[i] * a[i];
    nb += b[i] * b[i];
  }
  return na === 0 || nb === 0 ? 0 : dot / Math.sqrt(na * nb);
}

/** FNV-1a, then a murmur3 finaliser so nearby strings spread over the buckets. */
function hash(key: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}
