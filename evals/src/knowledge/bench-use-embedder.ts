/**
 * Cost of the packaged Universal Sentence Encoder (CRM_LOCAL_EMBEDDER=use) against the hashed
 * n-gram embedder on the demo KB's chunks: model load, ms per chunk in the batches of 10 that a
 * re-embedding writes on PGlite (each batch blocks the event loop while it runs), and per query.
 *
 *   npx tsx evals/src/knowledge/bench-use-embedder.ts [--limit 202]
 */
import { parseArgs } from 'node:util';
import { createLocalEmbedder, createUseEmbedder, DEMO_KB_DIR, type EmbeddingsProvider, loadKnowledgeBase } from '@crm/core';
import { loadQuestionSets } from './question-sets.ts';

const { values } = parseArgs({ options: { limit: { type: 'string' } } });
const kb = await loadKnowledgeBase(DEMO_KB_DIR);
const texts = kb.chunks.map((c) => c.searchText).slice(0, Number(values.limit ?? kb.chunks.length));
const queries = Object.values(await loadQuestionSets())
  .flat()
  .slice(0, 50)
  .map((q) => q.question);

async function bench(name: string, embedder: EmbeddingsProvider, load: () => Promise<unknown>) {
  let t = performance.now();
  await load();
  const loadMs = performance.now() - t;
  const batches: number[] = [];
  t = performance.now();
  for (let i = 0; i < texts.length; i += 10) {
    const b = performance.now();
    await embedder.embedDocuments(texts.slice(i, i + 10));
    batches.push(performance.now() - b);
  }
  const docMs = performance.now() - t;
  const q: number[] = [];
  for (const query of queries) {
    const b = performance.now();
    await embedder.embedQuery(query);
    q.push(performance.now() - b);
  }
  q.sort((a, b) => a - b);
  batches.sort((a, b) => a - b);
  const row = {
    embedder: name,
    chunks: texts.length,
    avgChunkChars: Math.round(texts.reduce((s, x) => s + x.length, 0) / texts.length),
    loadMs: Math.round(loadMs),
    msPerChunk: +(docMs / texts.length).toFixed(1),
    maxBatchOf10Ms: Math.round(batches[batches.length - 1]),
    queryP50Ms: +q[Math.floor(q.length / 2)].toFixed(1),
    queryP95Ms: +q[Math.floor(q.length * 0.95)].toFixed(1),
  };
  console.log(JSON.stringify(row));
}

const local = createLocalEmbedder();
await bench('local-hash-v1', local, async () => local.fit(texts));
const use = createUseEmbedder();
await bench('use', use, () => use.embedQuery('warm-up: load the model'));
