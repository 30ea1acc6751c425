import { describe, expect, it } from 'vitest';
import { spellingVariantsOf, withSpellingVariants } from './spelling-variants.ts';

describe('spelling variants', () => {
  it('adds the other spelling of British and American words, both ways', () => {
    expect(spellingVariantsOf('Colour options for the programme')).toEqual(['color', 'program']);
    expect(spellingVariantsOf('who authorized the canceled license')).toEqual(['authorised', 'cancelled', 'licence']);
  });

  it('leaves queries without such words unchanged and does not repeat a spelling already there', () => {
    expect(withSpellingVariants('how much is SEO Growth')).toBe('how much is SEO Growth');
    expect(spellingVariantsOf('colour or color')).toEqual([]);
    expect(withSpellingVariants('optimisation plan')).toBe('optimisation plan optimization');
  });
});
