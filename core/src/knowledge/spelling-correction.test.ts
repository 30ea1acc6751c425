import { describe, expect, it } from 'vitest';
import { applyCorrections, checkableWords, correctableWords, editsOf } from './spelling-correction.ts';

describe('query spelling correction (pure parts)', () => {
  it('edits1 holds every deletion, transposition, substitution and insertion, and not the word', () => {
    const e = editsOf('recieve');
    for (const w of ['receive', 'recive', 'reciev', 'precieve', 'recieves']) expect(e, w).toContain(w);
    expect(e).not.toContain('recieve');
    // "ab": 2 deletions, 1 transposition, 2 × 25 substitutions, 3 × 26 insertions of which "aab" and "abb" twice
    expect(editsOf('ab')).toHaveLength(2 + 1 + 2 * 25 + (3 * 26 - 2));
    expect(new Set(editsOf('ab')).size).toBe(editsOf('ab').length);
  });

  it('checks only lower-case non-words: no dictionary words, stop words, short words, names after the first word, numbers or British/American spellings', () => {
    expect(correctableWords('Recieve the enquirey from Dana about busness colour optimization ppc 2fa seperate')).toEqual([
      'recieve',
      'enquirey',
      'busness',
      'seperate',
    ]);
    expect(correctableWords('what is the notice period')).toEqual([]);
    // short words are mostly abbreviations and apostrophe-less contractions, not typos
    expect(correctableWords('whats the saas ecom accts havent theyre doesnt')).toEqual([]);
    expect(checkableWords('whats meant crypto nephew')).toEqual([
      { word: 'crypto', typo: true },
      { word: 'nephew', typo: false },
    ]);
  });

  it('replaces whole words in any case and leaves the rest as typed', () => {
    const c = new Map([['enquirey', 'enquiry']]);
    expect(applyCorrections('Enquirey form, enquireys, enquirey?', c)).toBe('enquiry form, enquireys, enquiry?');
    expect(applyCorrections('nothing to do', new Map())).toBe('nothing to do');
  });
});
