import { describe, expect, it } from 'vitest';
import { checkClaims, numbersIn, renderClaims } from './research.citations.ts';
import { lexicalStrategy } from './research.lexical.ts';
import { contactPassage, withoutNames } from './research.scope.ts';
import type { Passage } from './research.state.ts';

const passage = (uri: string, text: string, title = 'Price list'): Passage => ({ uri, title, heading: '', passage: text, kind: 'document', source: null, contactId: null });
const price = passage('crm://kb/p', 'The growth package costs £1,400 per month. Contracts run for 12 months.');

describe('claim checks', () => {
  it('reads numbers with thousands separators as the same number', () => {
    expect(numbersIn('£1,400 per month for 12 months, 2.5% fee')).toEqual(['1400', '12', '2.5']);
  });

  it('keeps a claim citing a retrieved passage whose numbers it states', () => {
    const { kept, dropped } = checkClaims([{ text: 'Growth costs £1400 per month.', citations: ['crm://kb/p'] }], [price]);
    expect(kept).toEqual([{ text: 'Growth costs £1400 per month.', citations: ['crm://kb/p'] }]);
    expect(dropped).toEqual([]);
  });

  it('drops a number the model worked out (12 × 1,400) and a citation of nothing retrieved', () => {
    const { kept, dropped } = checkClaims(
      [
        { text: 'A year of growth costs £16,800.', citations: ['crm://kb/p'] },
        { text: 'Growth includes hosting.', citations: ['crm://kb/other'] },
        { text: 'Growth is popular.', citations: [] },
      ],
      [price],
    );
    expect(kept).toEqual([]);
    expect(dropped.map((d) => d.reason)).toEqual(['numbers not in the cited passages: 16800', 'cites nothing that was retrieved (crm://kb/other)', 'cites no passage']);
  });

  it('renders each claim with its citations at the end of its line', () => {
    expect(renderClaims([{ text: 'A.', citations: ['crm://kb/a', 'crm://kb/b'] }], false)).toBe('A. [crm://kb/a] [crm://kb/b]');
    expect(renderClaims([{ text: '"A."', citations: ['crm://kb/a'] }], true)).toBe('From the knowledge base:\n- "A." [crm://kb/a]');
    expect(renderClaims([{ text: '"B."', citations: ['crm://interactions/i1'] }], true)).toBe('From the CRM records:\n- "B." [crm://interactions/i1]');
    expect(renderClaims([{ text: '"A."', citations: ['crm://kb/a'] }, { text: '"C."', citations: ['crm://contacts/c1'] }], true)).toBe(
      'From the CRM records and the knowledge base:\n- "A." [crm://kb/a]\n- "C." [crm://contacts/c1]',
    );
  });
});

describe('contact scope', () => {
  const dana = { firstName: 'Dana', lastName: 'Whitfield', email: 'dana@northwind.test', company: 'Northwind', position: 'CMO', status: 'CUSTOMER', leadScore: 81, phone: null };
  it("drops the scoped contact's names (and possessives) from the question, nothing else", () => {
    expect(withoutNames("What did Dana ask about Whitfield's pricing? dana's budget?", dana)).toBe('What did ask about pricing? budget?');
    expect(withoutNames('What did Danaher ask?', dana)).toBe('What did Danaher ask?');
  });
  it('renders the record as one fact per sentence, cited as crm://contacts/{id}', () => {
    const p = contactPassage('c1', dana);
    expect(p).toMatchObject({ uri: 'crm://contacts/c1', kind: 'contact', contactId: 'c1', title: 'Contact record: Dana Whitfield' });
    expect(p.passage.split('\n')).toEqual([
      'Dana Whitfield is a customer in the CRM.',
      'Dana Whitfield works at the company Northwind.',
      "Dana Whitfield's position (job title) is CMO.",
      "Dana Whitfield's email address is dana@northwind.test.",
      "Dana Whitfield's lead score is 81 out of 100.",
    ]);
  });
});

describe('lexical strategy', () => {
  const s = lexicalStrategy({ threshold: 0.5 });
  it('rewrites by dropping stop words, then expanding abbreviations, never repeating a query', async () => {
    const first = await s.rewrite('whats in the scale pkg and the mgmt fee?', []);
    expect(first).toBe('scale pkg mgmt fee');
    const second = await s.rewrite('whats in the scale pkg and the mgmt fee?', [first]);
    expect(second).toBe('scale pkg mgmt fee package management price cost');
    expect(await s.rewrite('whats in the scale pkg and the mgmt fee?', [first, second])).not.toBe(second);
  });

  it('does not retrieve for a request with no content words', async () => {
    expect((await s.decide('what is it?')).retrieve).toBe(false);
    expect((await s.decide('growth package price')).retrieve).toBe(true);
  });

  it('grades by the share of the question words a passage holds', async () => {
    const grades = await s.grade('growth package price', 'growth package price', [price, passage('crm://kb/x', 'We run workshops.', 'Onboarding')]);
    expect(grades[0].relevant).toBe(true);
    expect(grades[1]).toEqual({ grade: 0, relevant: false });
  });

  it('answers with verbatim sentences of relevant passages, each citing its passage', async () => {
    const claims = await s.answer('how long do growth contracts run?', [{ ...price, grade: 1, relevant: true, query: 'q', rank: 1 }]);
    expect(claims[0]).toEqual({ text: '"Contracts run for 12 months." (Price list)', citations: ['crm://kb/p'] });
  });
});
