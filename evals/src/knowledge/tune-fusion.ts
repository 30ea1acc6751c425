/**
 * Chooses hybrid search's fusion on the TUNING questions only (the `tune` parts of
 * core/demo-kb/questions.json and questions-rep.json; test questions are never read here).
 *
 * The demo KB is loaded into PGlite once; for every tuning question the full-text list (per
 * full-text score variant) and the vector list are read through `core.knowledge.search`
 * (k = 50, one result per section off so the raw lists are seen), then every fusion in the grid
 * is replayed with the same `fuseRankings` the product uses and scored by recall@5 and MRR@10,
 * averaged over the two tuning sets. A fusion qualifies only if it is at least as good as the
 * better of full text and vector on each tuning set.
 *
 *   npx tsx evals/src/knowledge/tune-fusion.ts [--cache lists.json] [--embeddings-double] [--sets rep/tune,fresh4/tune]
 *   (the cache holds the read lists; --sets picks the tuning parts, default original/tune and rep/tune)
 *
 * The vector lists come from the local embedder, or from the configured `CRM_MODEL_PROVIDER` (or the
 * local OpenAI-compatible double with `--embeddings-double`): a remote embedder's fusion weights
 * are chosen here and set with `KB_FUSION_WEIGHTS`.
 */
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import {
  createCrmCore,
  DEMO_KB_DIR,
  firstRelevantRank,
  fuseRankings,
  type FusionOptions,
  type KnowledgeSearchResult,
  meanReciprocalRank,
  readKnowledgeFiles,
  recallAtK,
  sectionKeyOf,
  silentLogger,
  type RetrievalQuestion,
} from '@crm/core';
import { createTenantFixture, openTestDatabase } from '@crm/core/testing';
import { evalEmbedder } from './eval-embedder.ts';
import { loadQuestionSets, loadTuningQuestions } from './question-sets.ts';

/** Full-text variants: ts_rank or ts_rank × IDF coverage, without or with British/American spelling variants. */
type TextScore = 'rank' | 'rank-coverage' | 'rank+spelling' | 'rank-coverage+spelling';
const TEXT_SCORES: TextScore[] = ['rank', 'rank-coverage', 'rank+spelling', 'rank-coverage+spelling'];
const retrievalOf = (v: TextScore) => ({
  textScore: v.startsWith('rank-coverage') ? ('rank-coverage' as const) : ('rank' as const),
  spellingVariants: v.endsWith('+spelling'),
  onePerSection: false,
});
const { values } = parseArgs({ options: { cache: { type: 'string' }, sets: { type: 'string' }, 'embeddings-double': { type: 'boolean', default: false } } });
// --sets: which tuning parts to choose on (default the two the shipped fusion was chosen on);
// only `…/tune` sets: a test part is never read here
const tune: Record<string, RetrievalQuestion[]> = values.sets ? await tuningSets(values.sets.split(',')) : await loadTuningQuestions();
async function tuningSets(names: string[]) {
  const all = await loadQuestionSets();
  for (const n of names) if (!n.endsWith('/tune') || !all[n]) throw new Error(`--sets: ${n} is not a tuning set (${Object.keys(all).filter((k) => k.endsWith('/tune')).join(', ')})`);
  return Object.fromEntries(names.map((n) => [n, all[n]]));
}

interface Lists {
  text: Record<TextScore, KnowledgeSearchResult[]>;
  vector: KnowledgeSearchResult[];
}

const cached = values.cache && existsSync(values.cache) ? (JSON.parse(await readFile(values.cache, 'utf8')) as [string, Lists][]) : undefined;
const lists = new Map<string, Lists>(cached);
if (!cached) await readLists();
if (values.cache && !cached) await writeFile(values.cache, JSON.stringify([...lists]));

async function readLists() {
const t = await openTestDatabase('pglite');
const remote = await evalEmbedder(values['embeddings-double']!);
const embeddings = remote.embeddings ? { embeddings: remote.embeddings } : {};
const cores = Object.fromEntries(
  TEXT_SCORES.map((textScore) => [textScore, createCrmCore({ db: t.db, logger: silentLogger(), knowledge: { indexInteractions: false, ...embeddings, retrieval: retrievalOf(textScore) } })]),
) as Record<TextScore, ReturnType<typeof createCrmCore>>;
try {
  const f = await createTenantFixture(cores.rank, 'tune');
  await cores.rank.knowledge.addDocuments(f.admin, await readKnowledgeFiles(DEMO_KB_DIR));
  for (const q of Object.values(tune).flat()) {
    const text = {} as Lists['text'];
    for (const ts of TEXT_SCORES) text[ts] = (await cores[ts].knowledge.search(f.rep, { query: q.question, k: 50, mode: 'fulltext', types: ['document'] })).results;
    const vector = (await cores.rank.knowledge.search(f.rep, { query: q.question, k: 50, mode: 'vector', types: ['document'] })).results;
    lists.set(q.id, { text, vector });
  }
} finally {
  for (const c of Object.values(cores)) await c.outbox.stop();
  await t.drop();
  await remote.close();
}
}

const sectionKey = (r: KnowledgeSearchResult) => sectionKeyOf(r);
function rankOf(q: RetrievalQuestion, ranked: KnowledgeSearchResult[], dedupe: boolean): number | null {
  const seen = new Set<string>();
  const shown = dedupe ? ranked.filter((r) => !seen.has(sectionKey(r)) && seen.add(sectionKey(r))) : ranked;
  return firstRelevantRank(shown.slice(0, 10).map((r) => ({ doc: r.source ?? '', text: r.passage })), q.answers);
}

interface Config {
  label: string;
  textScore: TextScore;
  depth: number;
  dedupe: boolean;
  fusion: FusionOptions | 'fulltext' | 'vector';
}
function evaluate(c: Config) {
  const per: Record<string, { r5: number; mrr: number }> = {};
  for (const [set, questions] of Object.entries(tune)) {
    const ranks = questions.map((q) => {
      const l = lists.get(q.id)!;
      const text = l.text[c.textScore].slice(0, c.depth);
      const vector = l.vector.slice(0, c.depth);
      const byId = new Map([...text, ...vector].map((r) => [r.id, r]));
      const ranked =
        c.fusion === 'fulltext' ? text : c.fusion === 'vector' ? vector : fuseRankings(text, vector, c.fusion).map((h) => byId.get(h.id)!);
      return rankOf(q, ranked, c.dedupe);
    });
    per[set] = { r5: recallAtK(ranks, 5), mrr: meanReciprocalRank(ranks) };
  }
  const sets = Object.values(per);
  return { per, r5: sets.reduce((a, s) => a + s.r5, 0) / sets.length, mrr: sets.reduce((a, s) => a + s.mrr, 0) / sets.length };
}

const configs: Config[] = [];
for (const textScore of TEXT_SCORES) {
  for (const dedupe of [false, true]) {
    for (const depth of [20, 50]) {
      for (const protectTop of [0, 1, 2]) {
        const p = { protectTop, window: 5 };
        for (const w of [0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9]) {
          configs.push({ label: `score w=${w} protect=${protectTop}`, textScore, depth, dedupe, fusion: { method: 'score', weights: [w, 1 - w], rrfK: 60, ...p } });
        }
        for (const wt of [0.5, 0.75, 1, 1.5]) {
          for (const k of [10, 30, 60]) configs.push({ label: `rrf wt=${wt} k=${k} protect=${protectTop}`, textScore, depth, dedupe, fusion: { method: 'rrf', weights: [wt, 1], rrfK: k, ...p } });
        }
      }
    }
  }
}
const results = configs.map((c) => ({ c, ...evaluate(c) }));
const fmt = (x: number) => x.toFixed(3);
const line = (r: (typeof results)[number]) =>
  `| ${r.c.label} | ${r.c.textScore} | ${r.c.depth} | ${r.c.dedupe} | ${Object.entries(r.per).map(([s, v]) => `${s} ${fmt(v.r5)} / ${fmt(v.mrr)}`).join(' · ')} | ${fmt(r.r5)} | ${fmt(r.mrr)} |`;

process.stdout.write('| fusion | text score | depth | one per section | per tuning set R@5 / MRR | mean R@5 | mean MRR |\n|---|---|---|---|---|---|---|\n');
for (const textScore of TEXT_SCORES) {
  for (const base of ['fulltext', 'vector'] as const) {
    process.stdout.write(`${line({ c: { label: base, textScore, depth: 50, dedupe: true, fusion: base }, ...evaluate({ label: base, textScore, depth: 50, dedupe: true, fusion: base }) })}\n`);
  }
}
const parts = (c: Config) =>
  Object.keys(tune).map((set) =>
    Math.max(evaluate({ ...c, fusion: 'fulltext' }).per[set].r5, evaluate({ ...c, fusion: 'vector' }).per[set].r5),
  );
const qualified = results.filter((r) => parts(r.c).every((best, i) => Object.values(r.per)[i].r5 >= best));
const order = (a: (typeof results)[number], b: (typeof results)[number]) => b.r5 - a.r5 || b.mrr - a.mrr;
process.stdout.write(`\nqualified (≥ both parts on every tuning set): ${qualified.length} of ${results.length}; top 15:\n`);
for (const r of [...qualified].sort(order).slice(0, 15)) process.stdout.write(`${line(r)}\n`);
// the rule in force (README): protected places off, best mean recall@5 then MRR
process.stdout.write('\nwithout protected places (the rule in force), top 5:\n');
for (const r of results.filter((x) => typeof x.c.fusion === 'object' && x.c.fusion.protectTop === 0).sort(order).slice(0, 5)) process.stdout.write(`${line(r)}\n`);
process.stdout.write('\nall, best first:\n');
for (const r of [...results].sort(order)) process.stdout.write(`${line(r)}\n`);
