/**
 * Fits the offline learned lexical reranker (core/src/knowledge/reranker.ts) on the TUNING
 * questions only (the `tune` parts of core/demo-kb/questions.json and questions-rep.json; test
 * questions are never read here) and writes core/src/knowledge/reranker-weights.ts.
 *
 * 1. The demo KB is loaded into PGlite; every tuning question is searched through
 *    `core.knowledge.search` (hybrid, documents, k = 20, reranker off), so the candidates are the
 *    product's fused list, one per section.
 * 2. Features come from the product's `rerankFeatures`; a candidate is relevant when it holds a
 *    labelled answer (`chunkContainsAnswer`, the evaluation's own rule).
 * 3. Pairwise logistic regression (RankNet-style: every relevant–irrelevant pair of a question,
 *    each question weighing the same), standardised features, L2, full-batch gradient descent from
 *    zero weights: deterministic.
 * 4. Grid over L2 strength, rerank depth and feature set, chosen by 5-fold cross-validation over
 *    the tuning questions (folds by position, each set split alike): among the settings whose
 *    cross-validated mean recall@5 and MRR@10 are both at least the fused order's, the best
 *    recall@5 + MRR. (A first run ranked by recall@5 alone and picked a setting one question
 *    better at recall@5 but with MRR below the fused order's; the rule was changed on the tuning
 *    numbers only, before any test question was run.) The reranker is on by default only if
 *    the chosen setting's cross-validated recall@5 is ≥ the fused order's and its MRR higher.
 *
 *   npx tsx evals/src/knowledge/fit-reranker.ts [--cache candidates.json] [--write]
 */
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import {
  chunkContainsAnswer,
  createCrmCore,
  DEMO_KB_DIR,
  meanReciprocalRank,
  readKnowledgeFiles,
  recallAtK,
  RERANK_FEATURES,
  rerankFeatures,
  rerankScore,
  silentLogger,
  type RerankCandidate,
  type RerankerModel,
  type RerankFeature,
  type RetrievalQuestion,
} from '@crm/core';
import { createTenantFixture, openTestDatabase } from '@crm/core/testing';
import { loadTuningQuestions } from './question-sets.ts';

const { values } = parseArgs({ options: { cache: { type: 'string' }, write: { type: 'boolean', default: false } } });

const tune = await loadTuningQuestions();
const questions: (RetrievalQuestion & { set: string })[] = Object.entries(tune).flatMap(([set, qs]) => qs.map((q) => ({ ...q, set })));
if (questions.some((q) => q.split !== 'tune')) throw new Error('only tuning questions may be read here');

type Candidate = RerankCandidate & { source: string };
async function readCandidates(): Promise<Record<string, Candidate[]>> {
  const t = await openTestDatabase('pglite');
  const core = createCrmCore({ db: t.db, logger: silentLogger(), knowledge: { indexInteractions: false, retrieval: { rerank: false } } });
  const out: Record<string, Candidate[]> = {};
  try {
    const f = await createTenantFixture(core, 'fit-reranker');
    await core.knowledge.addDocuments(f.admin, await readKnowledgeFiles(DEMO_KB_DIR));
    await core.knowledge.refresh(f.tenantId);
    for (const q of questions) {
      // k = 20: the product reads max(20, k) candidates per list, so up to k = 20 these are the lists it reranks
      const res = await core.knowledge.search(f.rep, { query: q.question, k: 20, mode: 'hybrid', types: ['document'] });
      out[q.id] = res.results.map((r) => ({
        id: r.id,
        title: r.title,
        heading: r.heading,
        passage: r.passage,
        chunkIndex: r.chunkIndex,
        fused: r.score,
        ranks: [r.ranks.fulltext, r.ranks.vector],
        source: r.source ?? '',
      }));
    }
  } finally {
    await core.outbox.stop();
    await t.drop();
  }
  return out;
}

const candidates: Record<string, Candidate[]> =
  values.cache && existsSync(values.cache) ? JSON.parse(await readFile(values.cache, 'utf8')) : await readCandidates();
if (values.cache && !existsSync(values.cache)) await writeFile(values.cache, JSON.stringify(candidates));

// features over the deepest head once; a shallower depth recomputes (candidate-set IDF depends on it)
const DEPTHS = [10, 15, 20];
type Row = { x: Record<RerankFeature, number>[]; rel: boolean[] };
const data = new Map<number, Map<string, Row>>();
for (const depth of DEPTHS) {
  const m = new Map<string, Row>();
  for (const q of questions) {
    const head = candidates[q.id].slice(0, depth);
    m.set(q.id, {
      x: rerankFeatures(q.question, head),
      rel: head.map((c) => q.answers.some((a) => chunkContainsAnswer({ doc: c.source, text: c.passage }, a))),
    });
  }
  data.set(depth, m);
}

const FEATURE_SETS: Record<string, readonly RerankFeature[]> = {
  all: RERANK_FEATURES,
  'ranks+coverage': ['fused', 'fusedRr', 'textRr', 'vectorRr', 'inBoth', 'titleCov', 'headingCov', 'passageCov', 'allCov', 'conceptCov', 'headConceptCov'],
  'fused+title/heading': ['fused', 'fusedRr', 'titleCov', 'headingCov', 'headConceptCov', 'charHead'],
};

function fit(ids: readonly string[], depth: number, features: readonly RerankFeature[], l2: number): RerankerModel {
  const rows = ids.map((id) => data.get(depth)!.get(id)!);
  const mean: Partial<Record<RerankFeature, number>> = {};
  const std: Partial<Record<RerankFeature, number>> = {};
  for (const f of features) {
    const all = rows.flatMap((r) => r.x.map((x) => x[f]));
    const m = all.reduce((a, b) => a + b, 0) / Math.max(1, all.length);
    const v = all.reduce((a, b) => a + (b - m) ** 2, 0) / Math.max(1, all.length);
    mean[f] = m;
    std[f] = Math.sqrt(v) || 1;
  }
  const z = (x: Record<RerankFeature, number>) => features.map((f) => (x[f] - mean[f]!) / std[f]!);
  // pairs: (relevant, irrelevant) difference vectors, each question's pairs weighing 1 in total
  const pairs: { d: number[]; w: number }[] = [];
  for (const r of rows) {
    const pos = r.x.filter((_, i) => r.rel[i]).map(z);
    const neg = r.x.filter((_, i) => !r.rel[i]).map(z);
    if (!pos.length || !neg.length) continue;
    const w = 1 / (pos.length * neg.length);
    for (const p of pos) for (const n of neg) pairs.push({ d: p.map((v, j) => v - n[j]), w });
  }
  const totalW = pairs.reduce((a, p) => a + p.w, 0) || 1;
  const w = features.map(() => 0);
  const lr = 0.5;
  for (let it = 0; it < 400; it++) {
    const g = features.map((_, j) => l2 * w[j]);
    for (const p of pairs) {
      const s = p.d.reduce((a, v, j) => a + v * w[j], 0);
      const sig = 1 / (1 + Math.exp(s)); // d/ds of -log σ(s) = -(1 - σ(s))
      for (let j = 0; j < w.length; j++) g[j] -= (p.w / totalW) * sig * p.d[j];
    }
    for (let j = 0; j < w.length; j++) w[j] -= lr * g[j];
  }
  const weights = Object.fromEntries(features.map((f, j) => [f, +w[j].toFixed(4)])) as Partial<Record<RerankFeature, number>>;
  const r4 = (o: Partial<Record<RerankFeature, number>>) => Object.fromEntries(Object.entries(o).map(([k, v]) => [k, +v!.toFixed(4)]));
  return { depth, weights, mean: r4(mean), std: r4(std) };
}

/** Rank (1-based, within 10) of the first relevant candidate after reranking with `model` (null = fused order). */
function rankOf(q: RetrievalQuestion, model: RerankerModel | null, depth: number): number | null {
  const all = candidates[q.id];
  const rel = all.map((c) => q.answers.some((a) => chunkContainsAnswer({ doc: c.source, text: c.passage }, a)));
  let order = all.map((_, i) => i);
  if (model) {
    const x = data.get(depth)!.get(q.id)!.x;
    const head = x.map((xi, i) => ({ i, s: rerankScore(model, xi) })).sort((a, b) => b.s - a.s || a.i - b.i).map((h) => h.i);
    order = [...head, ...order.slice(head.length)];
  }
  const at = order.slice(0, 10).findIndex((i) => rel[i]);
  return at === -1 ? null : at + 1;
}

function score(ranksBySet: Record<string, (number | null)[]>) {
  const sets = Object.values(ranksBySet);
  return {
    r5: sets.reduce((a, r) => a + recallAtK(r, 5), 0) / sets.length,
    mrr: sets.reduce((a, r) => a + meanReciprocalRank(r), 0) / sets.length,
    per: Object.fromEntries(Object.entries(ranksBySet).map(([s, r]) => [s, `${recallAtK(r, 5).toFixed(3)} / ${meanReciprocalRank(r).toFixed(3)}`])),
  };
}

const FOLDS = 5;
const foldOf = new Map<string, number>();
for (const qs of Object.values(tune)) qs.forEach((q, i) => foldOf.set(q.id, i % FOLDS));

function crossValidated(depth: number, features: readonly RerankFeature[], l2: number) {
  const ranks: Record<string, (number | null)[]> = {};
  for (let k = 0; k < FOLDS; k++) {
    const model = fit(questions.filter((q) => foldOf.get(q.id) !== k).map((q) => q.id), depth, features, l2);
    for (const q of questions.filter((x) => foldOf.get(x.id) === k)) (ranks[q.set] ??= []).push(rankOf(q, model, depth));
  }
  return score(ranks);
}

const baseline = score(Object.fromEntries(Object.entries(tune).map(([s, qs]) => [s, qs.map((q) => rankOf(q, null, 10))])));
const fmt = (r: { r5: number; mrr: number; per: Record<string, string> }) => `${Object.entries(r.per).map(([s, v]) => `${s} ${v}`).join(' · ')} | ${r.r5.toFixed(3)} | ${r.mrr.toFixed(3)}`;
process.stdout.write(`| reranker (5-fold CV on the tuning questions) | per set R@5 / MRR | mean R@5 | mean MRR |\n|---|---|---|---|\n| none (fused order) | ${fmt(baseline)} |\n`);
const grid: { label: string; depth: number; features: readonly RerankFeature[]; l2: number; cv: ReturnType<typeof score> }[] = [];
for (const depth of DEPTHS) {
  for (const [name, features] of Object.entries(FEATURE_SETS)) {
    for (const l2 of [0.001, 0.01, 0.03, 0.1, 0.3, 1]) {
      const cv = crossValidated(depth, features, l2);
      grid.push({ label: `depth ${depth}, ${name}, l2 ${l2}`, depth, features, l2, cv });
      process.stdout.write(`| depth ${depth}, ${name}, l2 ${l2} | ${fmt(cv)} |\n`);
    }
  }
}
// qualifies: cross-validated recall@5 and MRR both at least the fused order's; then best R@5 + MRR
const qualified = grid.filter((g) => g.cv.r5 >= baseline.r5 && g.cv.mrr >= baseline.mrr);
const byTotal = (a: (typeof grid)[number], b: (typeof grid)[number]) => b.cv.r5 + b.cv.mrr - (a.cv.r5 + a.cv.mrr) || b.cv.r5 - a.cv.r5;
const best = [...(qualified.length ? qualified : grid)].sort(byTotal)[0];
const wins = best.cv.r5 >= baseline.r5 && best.cv.mrr > baseline.mrr;
const model = fit(questions.map((q) => q.id), best.depth, best.features, best.l2);
const inSample = score(Object.fromEntries(Object.entries(tune).map(([s, qs]) => [s, qs.map((q) => rankOf(q, model, best.depth))])));
process.stdout.write(`\nchosen: ${best.label} — CV ${fmt(best.cv)}; fitted on all tuning questions, in-sample ${fmt(inSample)}\n`);
process.stdout.write(`wins on the tuning part (CV R@5 ≥ baseline and MRR higher): ${wins}\n${JSON.stringify(model)}\n`);

if (values.write) {
  const path = fileURLToPath(new URL('../../../core/src/knowledge/reranker-weights.ts', import.meta.url));
  await writeFile(
    path,
    `import type { RerankerModel } from './reranker.ts';

/**
 * Written by evals/src/knowledge/fit-reranker.ts --write (do not edit by hand): pairwise logistic
 * fit on the ${questions.length} tuning questions, chosen by 5-fold CV (${best.label}).
 * CV on the tuning part: mean recall@5 ${best.cv.r5.toFixed(3)} (fused order ${baseline.r5.toFixed(3)}), MRR ${best.cv.mrr.toFixed(3)} (${baseline.mrr.toFixed(3)}).
 */
export const RERANKER_WINS_ON_TUNING = ${wins};

export const RERANKER_MODEL: RerankerModel = ${JSON.stringify(model, null, 2)};
`,
  );
  process.stdout.write(`wrote ${path}\n`);
}
