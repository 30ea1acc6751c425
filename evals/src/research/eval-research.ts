/**
 * The research (agentic RAG) graph on the demo knowledge base, through the real MCP
 * `search_knowledge` tool as a SALES_REP (PGlite, local embedder, offline lexical strategy).
 *
 * Answerable questions (core/demo-kb questions*.json, their fixed tune/test split, see
 * evals/src/knowledge/README.md) score the answer: `answered` (it states something), `cited-right`
 * (it answers and at least one citation is a document that holds the answer), `all-cited-right`
 * (it answers and every citation is such a document). Unanswerable questions
 * (evals/src/research/unanswerable.json, even ids test) score `idk`: "I don't know" and no citation.
 *
 *   npx tsx evals/src/research/eval-research.ts --tune              # grade threshold grid, tune sets only
 *   npx tsx evals/src/research/eval-research.ts [--threshold 0.5] [--requeries 2] [--sets rep/test,…]
 */
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { DEMO_KB_DIR, loadRetrievalQuestions, readKnowledgeFiles } from '@crm/core';
import { createResearchGraph, LEXICAL_GRADE_THRESHOLD, LEXICAL_TOP_RANK_BONUS, lexicalStrategy, loadToolset } from '@crm/agents';
import { openAgentHarness } from '@crm/agents/testing';

const { values } = parseArgs({ options: { tune: { type: 'boolean', default: false }, threshold: { type: 'string' }, requeries: { type: 'string', default: '2' }, sets: { type: 'string' }, verbose: { type: 'boolean', default: false }, grid: { type: 'string', default: 'coarse' } } });

interface Q {
  id: string;
  question: string;
  /** Documents that answer it; empty for an unanswerable question. */
  docs: string[];
}
const original = await loadRetrievalQuestions(`${DEMO_KB_DIR}questions.json`);
const rep = await loadRetrievalQuestions(`${DEMO_KB_DIR}questions-rep.json`);
const none = JSON.parse(await readFile(new URL('./unanswerable.json', import.meta.url), 'utf8')) as { id: string; question: string; split: 'tune' | 'test' }[];
const asQ = (q: { id: string; question: string; answers?: { doc: string }[] }): Q => ({ id: q.id, question: q.question, docs: (q.answers ?? []).map((a) => a.doc) });
const SETS: Record<string, Q[]> = {
  'original/tune': original.filter((q) => q.split === 'tune').map(asQ),
  'rep/tune': rep.filter((q) => q.split === 'tune' && q.id.startsWith('r')).map(asQ),
  'unanswerable/tune': none.filter((q) => q.split === 'tune').map(asQ),
  'original/test': original.filter((q) => q.split === 'test').map(asQ),
  'rep/test': rep.filter((q) => q.split === 'test' && q.id.startsWith('r')).map(asQ),
  'holdout/test': rep.filter((q) => q.id.startsWith('h') && Number(q.id.slice(1)) <= 40).map(asQ),
  'unanswerable/test': none.filter((q) => q.split === 'test').map(asQ),
};

const tuneIds = new Set(Object.entries(SETS).filter(([k]) => k.endsWith('/tune')).flatMap(([, qs]) => qs.map((q) => q.id)));
const h = await openAgentHarness('pglite');
try {
  await h.core.knowledge.addDocuments(h.f.admin, await readKnowledgeFiles(DEMO_KB_DIR));
  await h.core.knowledge.refresh(h.f.tenantId);
  const client = await h.mcpClientFactory(h.f.rep);
  const toolset = await loadToolset(client);

  async function runSet(questions: Q[], threshold: number, maxRequeries: number, topRankBonus = LEXICAL_TOP_RANK_BONUS) {
    const graph = createResearchGraph({ toolset, strategy: lexicalStrategy({ threshold, topRankBonus }), maxRequeries });
    let answered = 0;
    let citedRight = 0;
    let allCitedRight = 0;
    let idk = 0;
    let retrievals = 0;
    for (const q of questions) {
      const out = await graph.invoke({ question: q.question });
      retrievals += out.queries.length;
      const sourceOf = new Map(out.graded.map((g) => [g.uri, g.source ?? '']));
      const cited = out.citations.map((u) => sourceOf.get(u) ?? '');
      if (!out.known && !out.citations.length) idk++;
      if (out.known) answered++;
      if (out.known && cited.some((d) => q.docs.includes(d))) citedRight++;
      if (out.known && cited.length && cited.every((d) => q.docs.includes(d))) allCitedRight++;
      // per-question detail only for tuning questions: test questions are scored, never inspected
      if (values.verbose && !q.id.startsWith('h') && tuneIds.has(q.id)) process.stderr.write(`${JSON.stringify({ id: q.id, q: q.question, known: out.known, cited, want: q.docs, queries: out.queries, grades: out.graded.map((g) => `${g.source ?? g.uri}:${g.grade}`) })}\n`);
    }
    const n = Math.max(1, questions.length);
    return { questions: questions.length, answered: answered / n, citedRight: citedRight / n, allCitedRight: allCitedRight / n, idk: idk / n, retrievalsPerQuestion: retrievals / n };
  }

  const fmt = (x: number) => x.toFixed(3);
  if (values.tune) {
    // Only tune sets are read. Objective: mean of all-cited-right (answers and cites only right documents) on
    // answerable questions and idk on unanswerable ones.
    const rows: string[] = [];
    for (const [threshold, bonus] of (values.grid === 'fine' ? [0.67, 0.75, 0.8].flatMap((t) => [0.34, 0.5].map((b) => [t, b])) : [0.4, 0.5, 0.6, 0.67].flatMap((t) => [0, 0.25].map((b) => [t, b])))) {
      const o = await runSet(SETS['original/tune'], threshold, 2, bonus);
      const r = await runSet(SETS['rep/tune'], threshold, 2, bonus);
      const u = await runSet(SETS['unanswerable/tune'], threshold, 2, bonus);
      const answerable = (o.allCitedRight * o.questions + r.allCitedRight * r.questions) / (o.questions + r.questions);
      const objective = (answerable + u.idk) / 2;
      rows.push(`| ${threshold} | ${bonus} | ${fmt(o.citedRight)} / ${fmt(o.allCitedRight)} | ${fmt(r.citedRight)} / ${fmt(r.allCitedRight)} | ${fmt(u.idk)} | ${fmt(objective)} |`);
      process.stdout.write(`${JSON.stringify({ threshold, bonus, original: o, rep: r, unanswerable: u, objective: +objective.toFixed(3) })}\n`);
    }
    process.stdout.write(`\n| threshold | top-rank bonus | original/tune cited-right / all-cited-right | rep/tune cited-right / all-cited-right | unanswerable/tune idk | objective |\n|---|---|---|---|---|---|\n${rows.join('\n')}\n`);
  } else {
    const threshold = values.threshold ? Number(values.threshold) : LEXICAL_GRADE_THRESHOLD;
    const maxRequeries = Number(values.requeries);
    const wanted = values.sets ? values.sets.split(',') : Object.keys(SETS);
    const rows: string[] = [];
    for (const set of wanted) {
      const s = await runSet(SETS[set], threshold, maxRequeries);
      process.stdout.write(`${JSON.stringify({ set, threshold, maxRequeries, ...s })}\n`);
      rows.push(set.startsWith('unanswerable')
        ? `| ${set} (${s.questions}) | — | — | — | ${fmt(s.idk)} | ${s.retrievalsPerQuestion.toFixed(2)} |`
        : `| ${set} (${s.questions}) | ${fmt(s.answered)} | ${fmt(s.citedRight)} | ${fmt(s.allCitedRight)} | ${fmt(s.idk)} | ${s.retrievalsPerQuestion.toFixed(2)} |`);
    }
    process.stdout.write(`\n| set (threshold ${threshold}, max re-queries ${maxRequeries}) | answered | cited-right | all-cited-right | I don't know | retrievals/question |\n|---|---|---|---|---|---|\n${rows.join('\n')}\n`);
  }
  await client.close();
} finally {
  await h.close();
}
