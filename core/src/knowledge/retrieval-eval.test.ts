import { beforeAll, describe, expect, it } from 'vitest';
import {
  DEMO_KB_DIR,
  type LoadedKnowledgeBase,
  loadKnowledgeBase,
  loadRetrievalQuestions,
  type RetrievalQuestion,
} from './knowledge-base-loader.ts';
import {
  chunkContainsAnswer,
  evaluateRetrieval,
  firstRelevantRank,
  meanReciprocalRank,
  normalizeWhitespace,
  recallAtK,
  type RetrievalReport,
} from './retrieval-eval.ts';
import { contentTerms } from './text-analyzer.ts';

describe('retrieval metrics', () => {
  const answer = { doc: 'a.md', heading: 'A', quote: 'costs  £1,400\nper month' };

  it('matches a quote whitespace-normalised within the labelled document only', () => {
    expect(normalizeWhitespace('  a \n\t b ')).toBe('a b');
    expect(chunkContainsAnswer({ doc: 'a.md', text: 'Growth costs £1,400 per month.' }, answer)).toBe(true);
    expect(chunkContainsAnswer({ doc: 'b.md', text: 'Growth costs £1,400 per month.' }, answer)).toBe(false);
    expect(chunkContainsAnswer({ doc: 'a.md', text: 'Growth costs £1,500 per month.' }, answer)).toBe(false);
  });

  it('computes first relevant rank, recall@k and MRR', () => {
    const retrieved = [
      { doc: 'a.md', text: 'nothing here' },
      { doc: 'a.md', text: 'it costs £1,400 per month' },
    ];
    expect(firstRelevantRank(retrieved, [answer])).toBe(2);
    expect(firstRelevantRank([], [answer])).toBeNull();
    expect(recallAtK([1, 2, null, 6], 5)).toBe(0.5);
    expect(meanReciprocalRank([1, 2, null, 4])).toBeCloseTo((1 + 0.5 + 0 + 0.25) / 4, 12);
    expect(recallAtK([], 5)).toBe(0);
    expect(meanReciprocalRank([])).toBe(0);
  });
});

describe('demo knowledge base', () => {
  let kb: LoadedKnowledgeBase;
  let questions: RetrievalQuestion[];
  let report: RetrievalReport;

  beforeAll(async () => {
    kb = await loadKnowledgeBase(DEMO_KB_DIR);
    questions = await loadRetrievalQuestions(`${DEMO_KB_DIR}questions.json`);
    report = await evaluateRetrieval(kb.chunks, questions);
  });

  it('has 30–40 documents of 300–1200 words in Markdown, HTML and text', () => {
    expect(kb.documents.length).toBeGreaterThanOrEqual(30);
    expect(kb.documents.length).toBeLessThanOrEqual(40);
    for (const d of kb.documents) {
      const count = d.parsed.text.split(/\s+/).length;
      expect(count, d.path).toBeGreaterThanOrEqual(300);
      expect(count, d.path).toBeLessThanOrEqual(1200);
    }
    expect(new Set(kb.documents.map((d) => d.parsed.type))).toEqual(new Set(['markdown', 'html', 'text']));
  });

  it('has at least 60 questions, 15 of them paraphrased, with unique ids', () => {
    expect(questions.length).toBeGreaterThanOrEqual(60);
    expect(questions.filter((q) => q.paraphrased).length).toBeGreaterThanOrEqual(15);
    expect(new Set(questions.map((q) => q.id)).size).toBe(questions.length);
  });

  it('labels point at an exact quote inside the section named by the heading', () => {
    for (const q of questions) {
      for (const a of q.answers) {
        const doc = kb.documents.find((d) => d.path === a.doc);
        expect(doc, `${q.id}: ${a.doc}`).toBeDefined();
        const section = doc!.parsed.sections.find((s) => normalizeWhitespace(s.text).includes(normalizeWhitespace(a.quote!)));
        expect(section, `${q.id}: quote "${a.quote}"`).toBeDefined();
        expect(section!.headingPath.join(' > '), q.id).toBe(a.heading);
      }
    }
  });

  it('paraphrased questions share no content word with the answering paragraph or its headings', () => {
    for (const q of questions.filter((x) => x.paraphrased)) {
      const asked = new Set(contentTerms(q.question));
      for (const a of q.answers) {
        const section = kb.documents
          .find((d) => d.path === a.doc)!
          .parsed.sections.find((s) => normalizeWhitespace(s.text).includes(normalizeWhitespace(a.quote!)))!;
        const paragraph = section.text.split(/\n\s*\n/).find((p) => normalizeWhitespace(p).includes(normalizeWhitespace(a.quote!)))!;
        const shared = contentTerms(`${paragraph}\n${section.headingPath.join('\n')}`).filter((t) => asked.has(t));
        expect(shared, `${q.id}: ${q.question}`).toEqual([]);
      }
    }
  });

  it('questions do not appear verbatim in the documents', () => {
    const all = normalizeWhitespace(kb.documents.map((d) => d.parsed.text).join(' ')).toLowerCase();
    for (const q of questions) expect(all.includes(normalizeWhitespace(q.question).toLowerCase()), q.id).toBe(false);
  });

  it('hybrid retrieval finds the answer in the top 5 for nearly every question, beating full text', () => {
    const { fullText, vector, hybrid } = report.methods;
    // Measured: hybrid 0.965 (MRR 0.764), vector 0.941, BM25 0.635 (0.982 on direct questions).
    expect(hybrid.recallAtK).toBeGreaterThanOrEqual(0.94);
    expect(hybrid.recallAtK).toBeGreaterThan(fullText.recallAtK);
    expect(hybrid.mrr).toBeGreaterThanOrEqual(0.72);
    expect(hybrid.paraphrasedRecallAtK).toBeGreaterThanOrEqual(0.85);
    expect(vector.recallAtK).toBeGreaterThanOrEqual(0.9);
    expect(fullText.directRecallAtK).toBeGreaterThanOrEqual(0.95);
    expect(fullText.paraphrasedRecallAtK).toBeLessThanOrEqual(0.1);
    expect(report.k).toBe(5);
    expect(report.questions).toBe(questions.length);
  });

  it('splits the questions into fixed tuning and test parts', () => {
    expect(questions.every((q) => q.split === 'tune' || q.split === 'test')).toBe(true);
    // every third question (q03, q06, …) is test; the rest tune
    expect(questions.filter((q) => q.split === 'test').map((q) => q.id)).toEqual(questions.filter((q) => Number(q.id.slice(1)) % 3 === 0).map((q) => q.id));
  });

  it('is deterministic', async () => {
    const again = await evaluateRetrieval(kb.chunks, questions);
    expect(again.ranks).toEqual(report.ranks);
  });
});

describe('sales-rep questions (questions-rep.json)', () => {
  it('has at least 100 questions labelled with existing documents, two thirds of them in the test part', async () => {
    const kb = await loadKnowledgeBase(DEMO_KB_DIR);
    const questions = await loadRetrievalQuestions(`${DEMO_KB_DIR}questions-rep.json`);
    expect(questions.length).toBeGreaterThanOrEqual(100);
    expect(new Set(questions.map((q) => q.id)).size).toBe(questions.length);
    expect(questions.filter((q) => q.split === 'test').length / questions.length).toBeGreaterThanOrEqual(2 / 3);
    const paths = new Set(kb.documents.map((d) => d.path));
    for (const q of questions) {
      expect(q.answers.length, q.id).toBeGreaterThan(0);
      for (const a of q.answers) expect(paths.has(a.doc), `${q.id}: ${a.doc}`).toBe(true);
    }
    // every document is asked about at least twice
    const asked = new Map<string, number>();
    for (const q of questions) asked.set(q.answers[0].doc, (asked.get(q.answers[0].doc) ?? 0) + 1);
    for (const p of paths) expect(asked.get(p) ?? 0, p).toBeGreaterThanOrEqual(2);
  });
});
