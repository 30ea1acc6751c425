/**
 * Retrieval quality in the demo tenant as `crm start` leaves it: the 39 playbook documents mixed
 * with ~20,000 indexed interactions (emails, calls, chats), searched without a kind filter, as the
 * sales manager — the realistic corpus an assistant or an MCP client searches. The 85 labelled
 * questions answer from the documents, so interactions are the distractors.
 *
 *   npx crm start                        # once, and wait for the knowledge base to finish loading
 *   npx tsx evals/src/knowledge/eval-demo-tenant.ts --url "postgresql://postgres@127.0.0.1:PORT/postgres"
 *
 * (the URL is the one `crm start` prints under "Database").
 */
import { parseArgs } from 'node:util';
import { databaseOf } from '@crm/core/testing';
import { createCrmCore, DEMO_KB_DIR, firstRelevantRank, loadRetrievalQuestions, meanReciprocalRank, openDatabase, recallAtK, silentLogger } from '@crm/core';

const { values } = parseArgs({ options: { url: { type: 'string' }, k: { type: 'string', default: '5' } } });
if (!values.url) throw new Error('--url is required: the database URL `crm start` prints');
const db = await openDatabase({ config: { url: values.url, dataDir: '.crm-data', pglitePort: 0, poolMax: 4 }, logger: silentLogger(), migrate: false });
const core = createCrmCore({ db, logger: silentLogger(), knowledge: { indexInteractions: false } });
try {
  const actor = await core.users.actorByEmail('marcus.reid@brightwave.example', 'brightwave-digital');
  const questions = await loadRetrievalQuestions(`${DEMO_KB_DIR}questions.json`);
  const [[size]] = await databaseOf(db).readAsTenant(actor.tenantId, [{ sql: "SELECT count(*) FILTER (WHERE kind = 'document')::int AS docs, count(*) FILTER (WHERE kind = 'interaction')::int AS talks FROM kb_chunks" }]);
  console.log(`corpus: ${size.docs} document chunks, ${size.talks} interaction chunks; ${questions.length} questions`);
  for (const mode of ['fulltext', 'vector', 'hybrid'] as const) {
    const ranks: (number | null)[] = [];
    let docsInTop = 0;
    for (const q of questions) {
      const res = await core.knowledge.search(actor, { query: q.question, k: 10, mode });
      ranks.push(firstRelevantRank(res.results.map((r) => ({ doc: r.source ?? '', text: r.passage })), q.answers));
      docsInTop += res.results.slice(0, Number(values.k)).filter((r) => r.kind === 'document').length;
    }
    console.log(
      JSON.stringify({ mode, recallAt5: +recallAtK(ranks, 5).toFixed(3), mrr: +meanReciprocalRank(ranks).toFixed(3), documentShareOfTop5: +(docsInTop / (questions.length * 5)).toFixed(2) }),
    );
  }
} finally {
  await db.close();
}
