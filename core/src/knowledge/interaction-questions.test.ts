import { describe, expect, it } from 'vitest';
import { generateDemoTenant } from '../demo/demo-generator.ts';
import {
  firstRelevantIdRank,
  type InteractionFacts,
  InteractionQuestion,
  loadInteractionQuestions,
  ndcgAtKById,
  relevantInteractions,
} from './interaction-questions.ts';
import { DEMO_KB_DIR } from './knowledge-base-loader.ts';

const day = (d: string) => new Date(`${d}T12:00:00Z`);
const row = (id: string, over: Partial<InteractionFacts> = {}): InteractionFacts => ({
  id,
  firstName: 'Dana',
  lastName: 'Whitfield',
  company: 'Ledgerly',
  type: 'PHONE_CALL',
  subject: 'Pricing discussion',
  content: 'Discussed pricing options with Dana.',
  outcome: 'Concerned about price',
  occurredAt: day('2026-03-10'),
  ...over,
});

/** The demo history as the seed writes it: ids stand in for database ids (same order every run). */
function demoFacts(now: Date): InteractionFacts[] {
  const demo = generateDemoTenant({ now, seed: 42, stable: true });
  const contacts = new Map(demo.contacts.map((c) => [c.key, c.input]));
  return demo.interactions.map((i, n) => {
    const c = contacts.get(i.contactKey)!;
    const x = i.input;
    return { id: String(n), firstName: c.firstName, lastName: c.lastName, company: c.company ?? null, type: x.type, subject: x.subject ?? null, content: x.content ?? '', outcome: x.outcome ?? null, occurredAt: x.occurredAt };
  });
}

describe('interaction question rules', () => {
  it('keeps interactions that satisfy every condition, counting days back from the newest interaction', () => {
    const rows = [
      row('a'),
      row('b', { firstName: 'Sam', company: 'Other Co' }),
      row('c', { type: 'EMAIL' }),
      row('d', { outcome: null, subject: 'Case study', content: 'Sent the case study.' }),
      row('e', { occurredAt: day('2026-01-01') }),
      row('newest', { occurredAt: day('2026-03-12'), content: 'nothing relevant', outcome: null, subject: null }),
    ];
    expect(relevantInteractions({ contact: 'dana WHITFIELD', match: ['price'] }, rows)).toEqual(new Set(['a', 'c', 'e']));
    expect(relevantInteractions({ company: 'ledgerly', types: ['PHONE_CALL'], match: ['pric', 'concerned'] }, rows)).toEqual(new Set(['a', 'e']));
    expect(relevantInteractions({ match: ['pric'], withinDays: 5 }, rows)).toEqual(new Set(['a', 'b', 'c']));
  });

  it('rejects a rule without conditions, an invalid pattern and a malformed id', () => {
    const base = { id: 'i001', question: 'who complained', split: 'test' };
    expect(InteractionQuestion.safeParse({ ...base, relevant: {} }).success).toBe(false);
    const bad = InteractionQuestion.safeParse({ ...base, relevant: { match: ['(unclosed'] } });
    expect(bad.success).toBe(false);
    expect(JSON.stringify(bad.error?.issues)).toContain('not a valid regular expression');
    expect(InteractionQuestion.safeParse({ ...base, id: 'q1', relevant: { match: ['x'] } }).success).toBe(false);
    expect(InteractionQuestion.safeParse({ ...base, relevant: { match: ['x'], extra: 1 } }).success).toBe(false);
  });

  it('scores ranks and nDCG by interaction id, counting an interaction once', () => {
    const rel = new Set(['x', 'y']);
    expect(firstRelevantIdRank([null, 'q', 'y'], rel)).toBe(3);
    expect(firstRelevantIdRank(['q'], rel)).toBeNull();
    expect(ndcgAtKById(['x', 'y'], rel, 10)).toBeCloseTo(1);
    expect(ndcgAtKById(['x', 'x'], rel, 10)).toBeCloseTo(1 / (1 + 1 / Math.log2(3)));
    expect(ndcgAtKById([null, 'x'], new Set(['x']), 10)).toBeCloseTo(1 / Math.log2(3));
  });

  it('labels every demo question with the same interactions whenever the demo tenant is seeded', async () => {
    const questions = await loadInteractionQuestions(`${DEMO_KB_DIR}questions-interactions.json`);
    expect(questions.length).toBeGreaterThanOrEqual(80);
    // ids split by id: every third is a tuning question
    expect(questions.filter((q) => q.split === 'tune').map((q) => q.id)).toEqual(questions.filter((_, i) => (i + 1) % 3 === 0).map((q) => q.id));
    const early = demoFacts(new Date('2026-06-03T08:30:00Z'));
    const later = demoFacts(new Date('2027-02-18T21:10:00Z'));
    for (const q of questions) {
      const a = relevantInteractions(q.relevant, early);
      expect(a.size, `${q.id} has relevant interactions`).toBeGreaterThan(0);
      expect(relevantInteractions(q.relevant, later), `${q.id} labels the same interactions`).toEqual(a);
    }
    // a named contact is one person in the demo tenant, so the label means that person
    for (const q of questions.filter((x) => x.relevant.contact)) {
      const people = new Set(early.filter((r) => `${r.firstName} ${r.lastName}` === q.relevant.contact).map((r) => r.company));
      expect(people.size, `${q.id} names one contact`).toBe(1);
    }
  }, 120_000);
});
