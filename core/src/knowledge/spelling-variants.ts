import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
let variants: Map<string, string> | undefined;

/**
 * British ↔ American spelling pairs (colour/color, programme/program, authorise/authorize,
 * cancelled/canceled, licence/license, …: ~1,700 each way) from the maintained lists of the
 * `american-british-english-translator` package, loaded on first use.
 */
function spellingVariants(): Map<string, string> {
  if (!variants) {
    const us = require('american-british-english-translator/data/american_spellings.json') as Record<string, string>;
    const uk = require('american-british-english-translator/data/british_spellings.json') as Record<string, string>;
    variants = new Map([...Object.entries(us), ...Object.entries(uk)].map(([a, b]) => [a.toLowerCase(), b.toLowerCase()]));
  }
  return variants;
}

/** The other spelling of every query word that has one (lowercase, each once), to search both. */
export function spellingVariantsOf(query: string): string[] {
  const words = new Set(query.toLowerCase().match(/\p{L}+/gu) ?? []);
  const out = new Set<string>();
  for (const w of words) {
    const v = spellingVariants().get(w);
    if (v && !words.has(v)) out.add(v);
  }
  return [...out];
}

/** The query with the other spelling of its words appended ("colour options" → "colour options color"). */
export function withSpellingVariants(query: string): string {
  const extra = spellingVariantsOf(query);
  return extra.length ? `${query} ${extra.join(' ')}` : query;
}
