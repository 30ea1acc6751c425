/**
 * Retrieval quality in the demo tenant as `crm start` leaves it: the 39 playbook documents mixed
 * with ~20,000 indexed interactions (emails, calls, chats), searched without a kind filter, as the
 * sales manager — the realistic corpus an assistant or an MCP client searches. The labelled
 * questions answer from the documents, so interactions are the distractors.
 *
 * Sets and splits as in eval-quality.ts (original/tune, original/test, rep/tune, rep/test,
 * holdout/test, holdout2/test, holdout3/test), plus interactions/tune and interactions/test: questions about the
 * interaction history (core/demo-kb/questions-interactions.json) whose relevant interactions are
 * resolved from each question's rule against this tenant's interactions; a result is a hit when it
 * is a chunk of one of them. Modes full-text, vector, hybrid (fused order, reranker off) and hybrid+rerank
 * (the product default: the learned reranker reorders the document list before the document and
 * interaction lists are fused).
 *
 *   npx crm start                        # once, and wait for the knowledge base to finish loading
 *   npx tsx evals/src/knowledge/eval-demo-tenant.ts --url "postgresql://postgres@127.0.0.1:PORT/postgres" [--sets original/test,…]
 *   npx tsx evals/src/knowledge/eval-demo-tenant.ts --data-dir DIR …   # a folder seed-demo-tenant.ts filled, no server
 *       [--modes fulltext,vector,hybrid,hybrid+rerank] [--retrieval '{"documentLead":0}'] [--ranks ranks.json]
 *
 * (the URL is the one `crm start` prints under "Database"; with `CRM_PGLITE_PORT=N` it is port N).
 */
import { writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { databaseOf } from '@crm/core/testing';
import {
  createCrmCore,
  firstRelevantIdRank,
  firstRelevantRank,
  type InteractionFacts,
  ndcgAtKById,
  relevantInteractions,
  meanReciprocalRank,
  ndcgAtK,
  openDatabase,
  recallAtK,
  silentLogger,
} from '@crm/core';
import { loadInteractionQuestionSets, loadQuestionSets } from './question-sets.ts';

const { values } = parseArgs({
  options: { url: { type: 'string' }, 'data-dir': { type: 'string' }, k: { type: 'string', default: '5' }, sets: { type: 'string' }, modes: { type: 'string' }, retrieval: { type: 'string' }, ranks: { type: 'string' } },
});
if (!values.url && !values['data-dir']) throw new Error('--url (the database URL `crm start` prints) or --data-dir (a seeded PGlite folder) is required');
const db = await openDatabase({ config: { url: values.url, dataDir: values['data-dir'] ?? '.crm-data', pglitePort: 0, poolMax: 4 }, logger: silentLogger(), migrate: false });
// --retrieval '{"documentLead":0}': RetrievalOptions for every mode (tuning runs compare settings)
const extra = values.retrieval ? (JSON.parse(values.retrieval) as Record<string, unknown>) : {};
const fused = createCrmCore({ db, logger: silentLogger(), knowledge: { indexInteractions: false, retrieval: { ...extra, rerank: false } } });
const reranking = createCrmCore({ db, logger: silentLogger(), knowledge: { indexInteractions: false, retrieval: { ...extra, rerank: true } } });
const ALL_MODES = ['fulltext', 'vector', 'hybrid', 'hybrid+rerank'] as const;
const MODES = values.modes ? ALL_MODES.filter((m) => values.modes!.split(',').includes(m)) : ALL_MODES;
try {
  const actor = await fused.users.actorByEmail('marcus.reid@brightwave.example', 'brightwave-digital');
  const allSets: Record<string, { id: string; question: string; relevant?: Set<string>; kind?: string; answers?: Parameters<typeof firstRelevantRank>[1] }[]> = await loadQuestionSets();
  const [facts] = await databaseOf(db).readAsTenant(actor.tenantId, [
    {
      sql: `SELECT i.id, ct.first_name AS "firstName", ct.last_name AS "lastName", ct.company, i.type, i.subject, i.content, i.outcome, i.created_at AS "occurredAt"
        FROM interactions i JOIN contacts ct ON ct.id = i.contact_id`,
    },
  ]);
  const history = (facts as unknown as InteractionFacts[]).map((r) => ({ ...r, occurredAt: new Date(r.occurredAt) }));
  for (const [name, qs] of Object.entries(await loadInteractionQuestionSets())) {
    allSets[name] = qs.map((q) => {
      const relevant = relevantInteractions(q.relevant, history);
      if (!relevant.size) throw new Error(`${q.id}: no interaction of this tenant satisfies its rule (is it the seeded demo tenant?)`);
      const r = q.relevant;
      return { id: q.id, question: q.question, relevant, kind: r.contact ? 'contact' : r.company ? 'company' : r.withinDays ? 'time' : 'no-name' };
    });
  }
  const [[size]] = await databaseOf(db).readAsTenant(actor.tenantId, [{ sql: "SELECT count(*) FILTER (WHERE kind = 'document')::int AS docs, count(*) FILTER (WHERE kind = 'interaction')::int AS talks FROM kb_chunks" }]);
  console.log(`corpus: ${size.docs} document chunks, ${size.talks} interaction chunks; retrieval ${JSON.stringify(extra)}`);
  const rows: string[] = [];
  const rankOf: Record<string, Record<string, number | null>> = {};
  for (const set of values.sets ? values.sets.split(',') : Object.keys(allSets)) {
    const questions = allSets[set];
    if (!questions) throw new Error(`--sets: unknown set ${set} (known: ${Object.keys(allSets).join(', ')})`);
    const cells: string[] = [];
    for (const mode of MODES) {
      const ranks: (number | null)[] = [];
      let docsInTop = 0;
      let ndcg = 0;
      const byKind: Record<string, (number | null)[]> = {};
      for (const q of questions) {
        const res =
          mode === 'hybrid+rerank'
            ? await reranking.knowledge.search(actor, { query: q.question, k: 10, mode: 'hybrid' })
            : await fused.knowledge.search(actor, { query: q.question, k: 10, mode });
        let rank: number | null;
        if (q.relevant) {
          const ids = res.results.map((r) => r.interactionId);
          rank = firstRelevantIdRank(ids, q.relevant);
          ndcg += ndcgAtKById(ids, q.relevant, 10);
        } else {
          const retrieved = res.results.map((r) => ({ doc: r.source ?? '', text: r.passage }));
          rank = firstRelevantRank(retrieved, q.answers!);
          ndcg += ndcgAtK(retrieved, q.answers!, 10);
        }
        ranks.push(rank);
        (rankOf[q.id] ??= {})[mode] = rank;
        if (q.kind) ((byKind[q.kind] ??= []) as (number | null)[]).push(rank);
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
        ...(Object.keys(byKind).length ? { recallAt5ByKind: Object.fromEntries(Object.entries(byKind).map(([k, r]) => [`${k} (${r.length})`, +recallAtK(r, 5).toFixed(3)])) } : {}),
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
