/**
 * Retrieval quality in the demo tenant as `crm start` leaves it: the 39 playbook documents mixed
 * with ~20,000 indexed interactions (emails, calls, chats), searched without a kind filter, as the
 * sales manager — the realistic corpus an assistant or an MCP client searches. The labelled
 * questions answer from the documents, so interactions are the distractors.
 *
 * Sets and splits as in eval-quality.ts (original/tune, original/test, rep/tune, rep/test,
 * holdout/test); modes full-text, vector, hybrid (fused order, reranker off) and hybrid+rerank
 * (the product default: the learned reranker reorders the document list before the document and
 * interaction lists are fused).
 *
 *   npx crm start                        # once, and wait for the knowledge base to finish loading
 *   npx tsx evals/src/knowledge/eval-demo-tenant.ts --url "postgresql://postgres@127.0.0.1:PORT/postgres" [--sets original/test,…]
 *
 * (the URL is the one `crm start` prints under "Database"; with `CRM_PGLITE_PORT=N` it is port N).
 */
import { parseArgs } from 'node:util';
import { databaseOf } from '@crm/core/testing';
import {
  createCrmCore,
  firstRelevantRank,
  meanReciprocalRank,
  ndcgAtK,
  openDatabase,
  recallAtK,
  silentLogger,
} from '@crm/core';
import { loadQuestionSets } from './question-sets.ts';

const { values } = parseArgs({ options: { url: { type: 'string' }, k: { type: 'string', default: '5' }, sets: { type: 'string' } } });
if (!values.url) throw new Error('--url is required: the database URL `crm start` prints');
const db = await openDatabase({ config: { url: values.url, dataDir: '.crm-data', pglitePort: 0, poolMax: 4 }, logger: silentLogger(), migrate: false });
const fused = createCrmCore({ db, logger: silentLogger(), knowledge: { indexInteractions: false, retrieval: { rerank: false } } });
const reranking = createCrmCore({ db, logger: silentLogger(), knowledge: { indexInteractions: false, retrieval: { rerank: true } } });
const MODES = ['fulltext', 'vector', 'hybrid', 'hybrid+rerank'] as const;
try {
  const actor = await fused.users.actorByEmail('marcus.reid@brightwave.example', 'brightwave-digital');
  const allSets = await loadQuestionSets();
  const [[size]] = await databaseOf(db).readAsTenant(actor.tenantId, [{ sql: "SELECT count(*) FILTER (WHERE kind = 'document')::int AS docs, count(*) FILTER (WHERE kind = 'interaction')::int AS talks FROM kb_chunks" }]);
  console.log(`corpus: ${size.docs} document chunks, ${size.talks} interaction chunks`);
  const rows: string[] = [];
  for (const set of values.sets ? values.sets.split(',') : Object.keys(allSets)) {
    const questions = allSets[set];
    const cells: string[] = [];
    for (const mode of MODES) {
      const ranks: (number | null)[] = [];
      let docsInTop = 0;
      let ndcg = 0;
      for (const q of questions) {
        const res =
          mode === 'hybrid+rerank'
            ? await reranking.knowledge.search(actor, { query: q.question, k: 10, mode: 'hybrid' })
            : await fused.knowledge.search(actor, { query: q.question, k: 10, mode });
        const retrieved = res.results.map((r) => ({ doc: r.source ?? '', text: r.passage }));
        ranks.push(firstRelevantRank(retrieved, q.answers));
        ndcg += ndcgAtK(retrieved, q.answers, 10);
        docsInTop += res.results.slice(0, Number(values.k)).filter((r) => r.kind === 'document').length;
      }
      const row = {
        set,
        mode,
        questions: questions.length,
        recallAt5: +recallAtK(ranks, 5).toFixed(3),
        mrr: +meanReciprocalRank(ranks).toFixed(3),
        ndcgAt10: +(ndcg / Math.max(1, questions.length)).toFixed(3),
        documentShareOfTop5: +(docsInTop / (questions.length * 5)).toFixed(2),
      };
      console.log(JSON.stringify(row));
      cells.push(`${row.recallAt5.toFixed(3)} / ${row.mrr.toFixed(3)} / ${row.ndcgAt10.toFixed(3)}`);
    }
    rows.push(`| ${set} (${questions.length}) | ${cells.join(' | ')} |`);
  }
  console.log(`\n| full demo tenant (${size.docs} document + ${size.talks} interaction chunks) | full-text R@5 / MRR / nDCG@10 | vector | hybrid | hybrid+rerank |\n|---|---|---|---|---|\n${rows.join('\n')}`);
} finally {
  await db.close();
}
