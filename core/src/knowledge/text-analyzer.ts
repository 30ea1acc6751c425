/**
 * Shared lexical analysis for the in-memory BM25 ranker and the local embedder: Unicode
 * normalisation, lowercasing, accent folding, tokenising, a light English suffix stripper and an
 * English stop-word list. Close to, but not the same as, PostgreSQL's `english` configuration.
 */

// prettier-ignore
export const STOP_WORDS: ReadonlySet<string> = new Set(`
a about above after again against all am an and any are aren't as at be because been before being
below between both but by can can't cannot could couldn't did didn't do does doesn't doing don't down
during each few for from further had hadn't has hasn't have haven't having he her here hers herself
him himself his how i if in into is isn't it it's its itself just let's me more most mustn't my myself
no nor not of off on once only or other ought our ours ourselves out over own same shan't she should
shouldn't so some such than that that's the their theirs them themselves then there there's these they
this those through to too under until up very was wasn't we were weren't what what's when where which
while who whom why will with won't would wouldn't you your yours yourself yourselves also get got
us via per etc may might must shall whether yes okay ok i'm i've i'd i'll you're you've you'd you'll
we're we've we'd we'll they're they've they'd they'll he's she's he'd she'd he'll she'll here's
where's when's why's how's who's
`.trim().split(/\s+/));

/** Lowercase, fold accents and compatibility forms, unify apostrophes. */
export function normalizeForMatching(text: string): string {
  return text
    .normalize('NFKD')
    .replace(/\p{M}+/gu, '')
    .toLowerCase()
    .replace(/[\u2018\u2019\u02BC`]/g, "'");
}

/** Word tokens (letters/digits, inner apostrophes kept) of already-normalised text. */
export function tokenize(normalized: string): string[] {
  const tokens: string[] = [];
  for (const m of normalized.matchAll(/[\p{L}\p{N}]+(?:'[\p{L}]+)*/gu)) {
    tokens.push(m[0].replace(/'s$/, ''));
  }
  return tokens;
}

const VOWEL = /[aeiouy]/;
const STEP_RULES: [RegExp, string][] = [
  // British and American -ise/-ize families share one key: optimise, optimizing, optimisation → optimiz
  [/([^aeiou])i[sz](e|ed|es|ing|ation|ations|er|ers)$/, '$1iz'],
  [/(ational|ation|ations)$/, 'ate'],
  [/(fulness)$/, 'ful'],
  [/(iveness)$/, 'ive'],
  [/(ousness)$/, 'ous'],
  [/(ments|ment)$/, ''],
  [/(nesses|ness)$/, ''],
  [/(ingly|edly)$/, ''],
  [/sses$/, 'ss'],
  [/ies$/, 'y'],
  [/ied$/, 'y'],
  [/(x|ch|sh|z)es$/, '$1'],
  [/([^su])s$/, '$1'],
  [/ing$/, ''],
  [/ed$/, ''],
  [/ly$/, ''],
];

/**
 * A light suffix stripper, not Porter: it only has to map inflections of one word to one key
 * (price/prices/pricing/priced → pric) consistently for documents and queries.
 */
export function stem(word: string): string {
  if (/\d/.test(word)) return word;
  if (word.length <= 3) return /^[a-z]{2}s$/.test(word) && !/(ss|us|is)$/.test(word) ? word.slice(0, -1) : word;
  let out = word;
  for (const [pattern, replacement] of STEP_RULES) {
    if (!pattern.test(out)) continue;
    const fixed = out.replace(pattern, replacement);
    if (fixed.length >= 3 && VOWEL.test(fixed)) {
      out = fixed;
      break;
    }
  }
  // running → runn → run, cancelled → cancel; undoubled always, so sell and selling meet
  if (/([bdgklmnprt])\1$/.test(out) && out.length >= 4) out = out.slice(0, -1);
  if (out.length > 4 && out.endsWith('e')) out = out.slice(0, -1);
  return out;
}

export interface AnalyzedToken {
  /** normalised surface form */
  word: string;
  stem: string;
  stop: boolean;
}

export function analyze(text: string): AnalyzedToken[] {
  return tokenize(normalizeForMatching(text)).map((word) => ({
    word,
    stem: stem(word),
    stop: STOP_WORDS.has(word),
  }));
}

/** Stemmed content words: what a full-text index would store. */
export function contentTerms(text: string): string[] {
  return analyze(text)
    .filter((t) => !t.stop)
    .map((t) => t.stem);
}
