/**
 * Retrieval quality of the product path (`core.knowledge.search`, in PGlite with pgvector) on the
 * demo knowledge base, documents only, per question set and split:
 *
 *   original/tune, original/test — core/demo-kb/questions.json (the 85 questions the domain
 *     lexicon was extended against before the split: even their test part is optimistic);
 *   rep/tune, rep/test           — core/demo-kb/questions-rep.json (150 questions in a busy
 *     sales rep's words, written before any ranking change; nothing is fitted to rep/test);
 *   holdout/test                 — 40 more (h001–h040) written after the first look at the test
 *     parts and before the fusion was revised, read once;
 *   holdout2/test                — 40 more (h041–h080) committed before the source-aware fusion of
 *     documents and interactions (full tenant) was built, read once at the end;
 *   holdout3/test                — 50 more (h081–h130) by an author who read neither the ranking
 *     code nor any result, committed before it was first evaluated.
 *   holdout4/test, holdout5/test, holdout6/test and the fresh4/tune and fresh6/tune parts: see
 *     question-sets.ts (one definition of every set and split).
 *
 * Prints recall@5, MRR@10 and nDCG@10 per mode (full-text, vector, hybrid = fused order,
 * hybrid+rerank = fused then the learned reranker, the product default) and set, and with
 * `--ranks FILE` writes the rank of the first answer per question and mode (for regression tests).
 *
 *   npx tsx evals/src/knowledge/eval-quality.ts [--legacy] [--ranks ranks.json] [--sets rep/test,…]
 */
import { writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import {
  createCrmCore,
  DEMO_KB_DIR,
  firstRelevantRank,
  meanReciprocalRank,
  ndcgAtK,
  readKnowledgeFiles,
  recallAtK,
  silentLogger,
  type RetrievalOptions,
} from '@crm/core';
import { createTenantFixture, openTestDatabase } from '@crm/core/testing';
import { evalEmbedder } from './eval-embedder.ts';
import { loadQuestionSets } from './question-sets.ts';

const { values } = parseArgs({
  options: {
    ranks: { type: 'string' },
    sets: { type: 'string' },
    legacy: { type: 'boolean', default: false },
    // retrieval options as JSON over the defaults, e.g. '{"synonyms":{"perWord":2,"weight":0.5}}'
    retrieval: { type: 'string' },
    // a subset of the modes, e.g. 'hybrid,hybrid+rerank' (default all four)
    modes: { type: 'string' },
    // a remote embedder through a local OpenAI-compatible double (embeddings-double.ts); a configured
    // CRM_MODEL_PROVIDER other than local is used as it is (a real endpoint when one is reachable)
    'embeddings-double': { type: 'boolean', default: false },
  },
});
// --legacy: the retrieval before issue 14 (equal-weight RRF of ranks, full-text hits under 60% of
// the query's IDF dropped from fusion, ts_rank without IDF, no section grouping or spelling variants)
const LEGACY: RetrievalOptions = { fusion: { method: 'rrf', weights: [1, 1], rrfK: 60 }, minShouldMatch: 0.6, fusionDepth: 50, textScore: 'rank', onePerSection: false, spellingVariants: false };
const ALL_MODES = ['fulltext', 'vector', 'hybrid', 'hybrid+rerank'] as const;
const MODES = values.modes ? values.modes.split(',').map((m) => {
  if (!(ALL_MODES as readonly string[]).includes(m)) throw new Error(`--modes: unknown mode "${m}" (one of ${ALL_MODES.join(', ')})`);
  return m as (typeof ALL_MODES)[number];
}) : ALL_MODES;

const allSets = await loadQuestionSets();
const wanted = values.sets ? values.sets.split(',') : Object.keys(allSets);

const t = await openTestDatabase('pglite');
const base: RetrievalOptions = { ...(values.legacy ? LEGACY : {}), ...(values.retrieval ? (JSON.parse(values.retrieval) as RetrievalOptions) : {}) };
// `hybrid` is the fused order (reranker off); `hybrid+rerank` the product default with the learned reranker forced on
const remote = await evalEmbedder(values['embeddings-double']!);
const { embeddings, label: embedder } = remote;
const knowledge = { indexInteractions: false, ...(embeddings ? { embeddings } : {}) };
const core = createCrmCore({ db: t.db, logger: silentLogger(), knowledge: { ...knowledge, retrieval: { ...base, rerank: false } } });
const reranking = createCrmCore({ db: t.db, logger: silentLogger(), knowledge: { ...knowledge, retrieval: { ...base, rerank: true } } });
const ranks: Record<string, Record<string, number | null>> = {};
try {
  const f = await createTenantFixture(core, 'quality');
  await core.knowledge.addDocuments(f.admin, await readKnowledgeFiles(DEMO_KB_DIR));
  await core.knowledge.refresh(f.tenantId);
  const rows: string[] = [];
  for (const set of wanted) {
    const questions = allSets[set];
    const cells: string[] = [];
    for (const mode of MODES) {
      const firstRanks: (number | null)[] = [];
      let ndcg = 0;
      let status = '';
      for (const q of questions) {
        const res =
          mode === 'hybrid+rerank'
            ? await reranking.knowledge.search(f.rep, { query: q.question, k: 10, mode: 'hybrid' })
            : await core.knowledge.search(f.rep, { query: q.question, k: 10, mode });
        status = res.vectorSearch;
        const retrieved = res.results.map((r) => ({ doc: r.source ?? '', text: r.passage }));
        const rank = firstRelevantRank(retrieved, q.answers);
        firstRanks.push(rank);
        ndcg += ndcgAtK(retrieved, q.answers, 10);
        (ranks[q.id] ??= {})[mode] = rank;
      }
      const row = {
        retrieval: values.legacy ? 'legacy' : 'current',
        embedder,
        set,
        mode,
        questions: questions.length,
        recallAt5: +recallAtK(firstRanks, 5).toFixed(3),
        mrr: +meanReciprocalRank(firstRanks).toFixed(3),
        ndcgAt10: +(ndcg / Math.max(1, questions.length)).toFixed(3),
        vectorSearch: status,
      };
      process.stdout.write(`${JSON.stringify(row)}\n`);
      cells.push(`${row.recallAt5.toFixed(3)} / ${row.mrr.toFixed(3)} / ${row.ndcgAt10.toFixed(3)}`);
    }
    rows.push(`| ${set} (${questions.length}) | ${cells.join(' | ')} |`);
  }
  process.stdout.write(`\n| ${values.legacy ? 'legacy' : 'current'} retrieval, ${embedder} embedder, documents only | full-text R@5 / MRR / nDCG@10 | vector | hybrid | hybrid+rerank |\n|---|---|---|---|---|\n${rows.join('\n')}\n`);
  // hybrid must not lose to its parts: list the questions where it does (at rank 5)
  const losers = Object.entries(ranks).filter(([, r]) => {
    const hit = (x: number | null | undefined) => x != null && x <= 5;
    return !hit(r['hybrid+rerank']) && (hit(r.fulltext) || hit(r.vector));
  });
  process.stdout.write(`\nhybrid+rerank misses what full-text or vector finds in the top 5: ${losers.map(([id]) => id).join(', ') || 'none'}\n`);
  if (values.ranks) await writeFile(values.ranks, `${JSON.stringify(ranks, null, 1)}\n`);
} finally {
  await core.outbox.stop();
  await reranking.outbox.stop();
  await t.drop();
  await remote.close();
}
