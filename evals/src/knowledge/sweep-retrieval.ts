/**
 * Tuning-part sweep of retrieval options (issue 14): loads the demo KB once into PGlite and, for
 * each named configuration of `RetrievalOptions` (JSON over the product defaults), prints recall@5
 * and MRR@10 per tuning set for the chosen modes. Reads only `…/tune` sets: it refuses a test part.
 *
 *   npx tsx evals/src/knowledge/sweep-retrieval.ts --configs configs.json [--modes hybrid,hybrid+rerank] [--sets original/tune,…]
 *
 * configs.json: { "name": { …RetrievalOptions }, … } ("base": {} is the product default).
 * Also prints each configuration's search latency p50 / p95 (k = 10, the 202 demo chunks only: for
 * comparing options, not the 100k-chunk benchmark of bench-retrieval.ts).
 */
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { createCrmCore, DEMO_KB_DIR, firstRelevantRank, meanReciprocalRank, readKnowledgeFiles, recallAtK, silentLogger, type RetrievalOptions } from '@crm/core';
import { createTenantFixture, openTestDatabase } from '@crm/core/testing';
import { loadQuestionSets } from './question-sets.ts';

const { values } = parseArgs({ options: { configs: { type: 'string' }, modes: { type: 'string' }, sets: { type: 'string' } } });
if (!values.configs) throw new Error('--configs FILE is required');
const configs = JSON.parse(await readFile(values.configs, 'utf8')) as Record<string, RetrievalOptions>;
const all = await loadQuestionSets();
const sets = values.sets ? values.sets.split(',') : Object.keys(all).filter((s) => s.endsWith('/tune'));
for (const s of sets) if (!s.endsWith('/tune') || !all[s]) throw new Error(`--sets: "${s}" is not a tuning part`);
const modes = (values.modes ?? 'hybrid,hybrid+rerank').split(',');

const t = await openTestDatabase('pglite');
const loader = createCrmCore({ db: t.db, logger: silentLogger(), knowledge: { indexInteractions: false } });
try {
  const f = await createTenantFixture(loader, 'sweep');
  await loader.knowledge.addDocuments(f.admin, await readKnowledgeFiles(DEMO_KB_DIR));
  await loader.knowledge.refresh(f.tenantId);
  for (const [name, options] of Object.entries(configs)) {
    for (const mode of modes) {
      const core = createCrmCore({ db: t.db, logger: silentLogger(), knowledge: { indexInteractions: false, retrieval: { ...options, rerank: mode === 'hybrid+rerank' } } });
      const cells: string[] = [];
      let r5 = 0;
      let mrr = 0;
      const times: number[] = [];
      for (const set of sets) {
        const ranks: (number | null)[] = [];
        for (const q of all[set]) {
          const started = performance.now();
          const res = await core.knowledge.search(f.rep, { query: q.question, k: 10, mode: mode === 'hybrid+rerank' ? 'hybrid' : (mode as 'hybrid') });
          times.push(performance.now() - started);
          ranks.push(firstRelevantRank(res.results.map((r) => ({ doc: r.source ?? '', text: r.passage })), q.answers));
        }
        r5 += recallAtK(ranks, 5) / sets.length;
        mrr += meanReciprocalRank(ranks) / sets.length;
        cells.push(`${set} ${recallAtK(ranks, 5).toFixed(3)}/${meanReciprocalRank(ranks).toFixed(3)}`);
      }
      await core.outbox.stop();
      times.sort((a, b) => a - b);
      const pct = (p: number) => times[Math.min(times.length - 1, Math.floor(p * times.length))].toFixed(1);
      process.stdout.write(`${name.padEnd(28)} ${mode.padEnd(14)} mean ${r5.toFixed(3)}/${mrr.toFixed(3)} | ${cells.join(' | ')} | p50 ${pct(0.5)} / p95 ${pct(0.95)} ms\n`);
    }
  }
} finally {
  await loader.outbox.stop();
  await t.drop();
}
