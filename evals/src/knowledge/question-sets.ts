import { DEMO_KB_DIR, loadInteractionQuestions, loadRetrievalQuestions, type RetrievalQuestion } from '@crm/core';

/**
 * The demo knowledge base's labelled question sets, split as the README reports them: the tuning
 * parts (fusion, reranker and lexicon may be fitted to these) and the test parts (only reported).
 * One definition for every evaluation script, so no script can draw the line differently.
 */
export async function loadQuestionSets(): Promise<Record<string, RetrievalQuestion[]>> {
  const original = await loadRetrievalQuestions(`${DEMO_KB_DIR}questions.json`);
  const rep = await loadRetrievalQuestions(`${DEMO_KB_DIR}questions-rep.json`);
  return {
    'original/tune': original.filter((q) => q.split === 'tune'),
    'original/test': original.filter((q) => q.split === 'test'),
    'rep/tune': rep.filter((q) => q.split === 'tune' && q.id.startsWith('r')),
    'rep/test': rep.filter((q) => q.split === 'test' && q.id.startsWith('r')),
    // written after the first look at the test parts, before the fusion was revised (README)
    'holdout/test': rep.filter((q) => q.id.startsWith('h') && holdoutNumber(q) <= 40),
    // h041–h080: written and committed before the source-aware document/interaction fusion (README)
    'holdout2/test': rep.filter((q) => q.id.startsWith('h') && holdoutNumber(q) > 40 && holdoutNumber(q) <= 80),
    // h081–h130: written by an author who read neither the ranking code nor any result, committed
    // before it was first evaluated (README)
    'holdout3/test': rep.filter((q) => q.id.startsWith('h') && holdoutNumber(q) > 80),
    // n001–n080: 80 more by a second author who read only the documents (2026-11-30), committed
    // before their first evaluation; odd ids are a tuning part for later sessions, even ids a test part
    'fresh4/tune': rep.filter((q) => q.id.startsWith('n') && q.split === 'tune'),
    'holdout4/test': rep.filter((q) => q.id.startsWith('n') && q.split === 'test'),
    // p001–p050: hold-out 5, written 2026-12-01 by an author who read only the documents (not the
    // ranking code, lexicon, other questions or any result), committed before its first evaluation
    'holdout5/test': rep.filter((q) => q.id.startsWith('p')),
    // s001–s060: hold-out 6, written 2026-12-01 from the documents alone (no retrieval result looked
    // at while writing), committed before its first evaluation; split fixed before any run: odd ids
    // a tuning part, even ids a test part
    'fresh6/tune': rep.filter((q) => q.id.startsWith('s') && q.split === 'tune'),
    'holdout6/test': rep.filter((q) => q.id.startsWith('s') && q.split === 'test'),
  };
}

const holdoutNumber = (q: RetrievalQuestion) => Number(q.id.slice(1));

/** Only the tuning parts, by source file: what the fitting scripts may read. */
export async function loadTuningQuestions(): Promise<{ original: RetrievalQuestion[]; rep: RetrievalQuestion[] }> {
  const sets = await loadQuestionSets();
  return { original: sets['original/tune'], rep: sets['rep/tune'] };
}

/**
 * Questions about the demo tenant's interaction history (i001–i090, committed before any ranking
 * change for them): every third id `tune`, the rest `test`. Their labels are rules resolved
 * against a seeded tenant, so only the full-tenant evaluation (eval-demo-tenant.ts) reads them.
 */
export async function loadInteractionQuestionSets() {
  const questions = await loadInteractionQuestions(`${DEMO_KB_DIR}questions-interactions.json`);
  return {
    'interactions/tune': questions.filter((q) => q.split === 'tune'),
    'interactions/test': questions.filter((q) => q.split === 'test'),
  };
}
