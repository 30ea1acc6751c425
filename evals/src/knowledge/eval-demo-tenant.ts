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
 *       [--modes fulltext,vector,hybrid,hybrid+rerank] [--retrieval '{"documentLead":0}'] [--ranks ranks.json]
 *
 * (the URL is the one `crm start` prints under "Database"; with `CRM_PGLITE_PORT=N` it is port N).
 */
import { writeFile } from 'node:fs/promises';
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

const { values } = parseArgs({
  options: { url: { type: 'string' }, k: { type: 'string', default: '5' }, sets: { type: 'string' }, modes: { type: 'string' }, retrieval: { type: 'string' }, ranks: { type: 'string' } },
});
if (!values.url) throw new Error('--url is required: the database URL `crm start` prints');
const db = await openDatabase({ config: { url: values.url, dataDir: '.crm-data', pglitePort: 0, poolMax: 4 }, logger: silentLogger(), migrate: false });
// --retrieval '{"documentLead":0}': RetrievalOptions for every mode (tuning runs compare settings)
const extra = values.retrieval ? (JSON.parse(values.retrieval) as Record<string, unknown>) : {};
const fused = createCrmCore({ db, logger: silentLogger(), knowledge: { indexInteractions: false, retrieval: { ...extra, rerank: false } } });
const reranking = createCrmCore({ db, logger: silentLogger(), knowledge: { indexInteractions: false, retrieval: { ...extra, rerank: true } } });
const ALL_MODES = ['fulltext', 'vector', 'hybrid', 'hybrid+rerank'] as const;
const MODES = values.modes ? ALL_MODES.filter((m) => values.modes!.split(',').includes(m)) : ALL_MODES;
try {
  const actor = await fused.users.actorByEmail('marcus.reid@brightwave.example', 'brightwave-digital');
  const allSets = await loadQuestionSets();
  const [[size]] = await databaseOf(db).readAsTenant(actor.tenantId, [{ sql: "SELECT count(*) FILTER (WHERE kind = 'document')::int AS docs, count(*) FILTER (WHERE kind = 'interaction')::int AS talks FROM kb_chunks" }]);
  console.log(`corpus: ${size.docs} document chunks, ${size.talks} interaction chunks; retrieval ${JSON.stringify(extra)}`);
  const rows: string[] = [];
  const rankOf: Record<string, Record<string, number | null>> = {};
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
        const rank = firstRelevantRank(retrieved, q.answers);
        ranks.push(rank);
        (rankOf[q.id] ??= {})[mode] = rank;
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
  // hybrid must not lose to its parts: the questions where it does (at rank 5)
  const hit = (x: number | null | undefined) => x != null && x <= 5;
  const losers = Object.entries(rankOf).filter(([, r]) => !hit(r['hybrid+rerank'] ?? r.hybrid) && (hit(r.fulltext) || hit(r.vector)));
  console.log(`hybrid misses what full-text or vector finds in the top 5: ${losers.map(([id, r]) => `${id} ${JSON.stringify(r)}`).join(', ') || 'none'}`);
  if (values.ranks) await writeFile(values.ranks, `${JSON.stringify(rankOf, null, 1)}\n`);
  console.log(`\n| full demo tenant (${size.docs} document + ${size.talks} interaction chunks) | full-text R@5 / MRR / nDCG@10 | vector | hybrid | hybrid+rerank |\n|---|---|---|---|---|\n${rows.join('\n')}`);
} finally {
  await db.close();
}
