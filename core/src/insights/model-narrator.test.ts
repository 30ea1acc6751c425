import { describe, expect, it } from 'vitest';
import { createModelNarrators, numbersIn, unsupportedNumber } from './model-narrator.ts';

describe('narrative number check', () => {
  const facts = ['Deals won next week: about 1,234 (1,100–1,400)', 'converted at 12.3% versus 6.1% for the rest', 'week of 2026-03-02: 41.50'];

  it('reads thousands separators, decimals and dates', () => {
    expect(numbersIn('about 1,234 and 12.3% on 2026-03-02').map((n) => n.value)).toEqual([1234, 12.3, 2026, 3, 2]);
  });

  it('accepts numbers copied or rounded from the facts', () => {
    expect(unsupportedNumber('About 1,234 deals; webinar converts 12% against 6.1%, week of 2026-03-02 had 41.5.', facts)).toBeUndefined();
    expect(unsupportedNumber('Roughly 1234 deals.', facts)).toBeUndefined();
  });

  it('names the first number that is not in the facts (invented, or a computed difference)', () => {
    expect(unsupportedNumber('About 1,300 deals.', facts)).toBe('1,300');
    expect(unsupportedNumber('Webinar converts 6.2 points better.', facts)).toBe('6.2');
    expect(unsupportedNumber('12.35% conversion', facts)).toBe('12.35');
  });

  it('the local provider has no chat model: no narrators, templates stay', () => {
    expect(createModelNarrators({ provider: { chat: () => undefined }, timeoutMs: 1000 })).toBeUndefined();
  });
});
