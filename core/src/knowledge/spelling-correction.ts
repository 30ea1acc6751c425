import type { EntityManager } from '@mikro-orm/postgresql';
import { hasSpellingVariant } from './spelling-variants.ts';
import { isDictionaryWord } from './synonyms.ts';
import { STOP_WORDS } from './text-analyzer.ts';

/**
 * Query spelling correction against the tenant's own indexed vocabulary ("enquirey" → "enquiry",
 * "recieve" → "receive", "busness" → "business"): a query word that is neither an English word
 * (WordNet, or one spelling of a British/American pair) nor a word of the tenant's index is
 * replaced by the edit-distance-1 spelling (one deletion, transposition, substitution or
 * insertion) whose stem occurs in the most indexed passages (`kb_terms.df`). A word the index does
 * not know and that has no such neighbour is completed to the most frequent indexed word it begins,
 * if any ("crypto" → "cryptocurr", the stem of "cryptocurrency"). Nothing is rewritten toward a word
 * the tenant's passages do not contain, so a rewrite can only make a query match passages that
 * exist, and a word with no indexed neighbour stays as typed.
 *
 * Capitalised words after the first (names: "Dana", "Sagewood") are never touched, nor stop words,
 * contractions, words with digits, or words shorter than `PREFIX_MIN_LENGTH` (completion) and
 * `MIN_LENGTH` (one-edit correction).
 */

const LETTERS = 'abcdefghijklmnopqrstuvwxyz';
/**
 * Shorter words are left alone: on the tuning questions every correctable word under six letters
 * was an abbreviation ("saas", "accts", "ecom"), a contraction typed without its apostrophe
 * ("whats") or an irregular form the WordNet package cannot reduce ("gave", "meant"), and each
 * had a wrong one-edit neighbour in the index ("says", "acts", "chats", "give").
 */
const MIN_LENGTH = 6;
/** Contractions typed without the apostrophe ("dont", "theyre", "havent") are stop words, not typos. */
const CONTRACTIONS: ReadonlySet<string> = new Set([...STOP_WORDS].filter((w) => w.includes("'")).map((w) => w.replace(/'/g, '')));
const MAX_LENGTH = 20;

/** Every string one edit away from `word` (Norvig's edits1 over a–z), without `word` itself. */
export function editsOf(word: string): string[] {
  const out = new Set<string>();
  for (let i = 0; i <= word.length; i++) {
    const [a, b] = [word.slice(0, i), word.slice(i)];
    if (b) out.add(a + b.slice(1));
    if (b.length > 1) out.add(a + b[1] + b[0] + b.slice(2));
    for (const c of LETTERS) {
      if (b) out.add(a + c + b.slice(1));
      out.add(a + c + b);
    }
  }
  out.delete(word);
  return [...out];
}

/**
 * Words of at least this length that the index does not know are completed to an indexed word they
 * begin ("crypto" → "cryptocurrency"). Five letters completed "meant" to "meantime" on a tuning
 * question (WordNet's package cannot reduce irregular forms, so "meant" looks unknown).
 */
const PREFIX_MIN_LENGTH = 6;

/**
 * The query words worth looking up: lower-case letters only, not a name, stop word or contraction,
 * at least `PREFIX_MIN_LENGTH` letters. `typo`: also long enough and not a dictionary word, so it
 * may be corrected by one edit.
 */
export function checkableWords(query: string): { word: string; typo: boolean }[] {
  const words = [...query.matchAll(/\p{L}[\p{L}\p{N}'’-]*/gu)];
  const out = new Map<string, boolean>();
  words.forEach((m, i) => {
    const w = m[0];
    if (i > 0 && w[0] !== w[0].toLowerCase()) return; // a name
    const lw = w.toLowerCase();
    if (!/^[a-z]+$/.test(lw) || lw.length < Math.min(MIN_LENGTH, PREFIX_MIN_LENGTH) || lw.length > MAX_LENGTH) return;
    if (STOP_WORDS.has(lw) || CONTRACTIONS.has(lw)) return;
    out.set(lw, lw.length >= MIN_LENGTH && !isDictionaryWord(lw) && !hasSpellingVariant(lw));
  });
  return [...out].map(([word, typo]) => ({ word, typo }));
}

/** The query words that may be misspelt (see `checkableWords`). */
export function correctableWords(query: string): string[] {
  return checkableWords(query)
    .filter((w) => w.typo)
    .map((w) => w.word);
}

/**
 * The corrections for `query` in this tenant's vocabulary: word → replacement. A word the index
 * does not know is corrected by one edit when it may be a typo, else completed to the most frequent
 * indexed word it begins. At most three statements, the last two only for unknown words.
 */
export async function spellingCorrections(em: EntityManager, tenantId: string, query: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  const words = checkableWords(query);
  if (!words.length) return out;
  const typo = new Set(words.filter((w) => w.typo).map((w) => w.word));
  // words the index already knows (product names, jargon, the tenant's own misspellings) stay
  const unknown = await em.execute<{ w: string }[]>(
    `SELECT w FROM json_array_elements_text(?::json) AS w
     WHERE NOT EXISTS (SELECT 1 FROM kb_terms k WHERE k.tenant_id = ? AND k.lexeme = ANY(tsvector_to_array(to_tsvector('english', w))))`,
    [JSON.stringify(words.map((w) => w.word)), tenantId],
  );
  if (!unknown.length) return out;
  const pairs: [string, string][] = [];
  for (const { w } of unknown) if (typo.has(w)) for (const e of editsOf(w)) if (e.length >= 3 && !STOP_WORDS.has(e)) pairs.push([w, e]);
  const found = pairs.length
    ? await em.execute<{ w: string; e: string; df: number }[]>(
        `SELECT c.w, c.e, max(k.df)::int AS df
         FROM (SELECT p->>0 AS w, p->>1 AS e FROM json_array_elements(?::json) AS p) AS c
         CROSS JOIN LATERAL unnest(tsvector_to_array(to_tsvector('english', c.e))) AS l(lexeme)
         JOIN kb_terms k ON k.tenant_id = ? AND k.lexeme = l.lexeme
         GROUP BY c.w, c.e`,
        [JSON.stringify(pairs), tenantId],
      )
    : [];
  // the most frequent candidate wins; a dictionary word beats a non-word; ties by spelling, so the choice is stable
  const rank = (r: { e: string; df: number }) => [isDictionaryWord(r.e) ? 1 : 0, Number(r.df)] as const;
  const best = new Map<string, { e: string; df: number }>();
  for (const r of found) {
    const b = best.get(r.w);
    const [d1, f1] = rank(r);
    const [d0, f0] = b ? rank(b) : [-1, -1];
    if (!b || d1 > d0 || (d1 === d0 && (f1 > f0 || (f1 === f0 && r.e < b.e)))) best.set(r.w, r);
  }
  for (const [w, r] of best) out.set(w, r.e);
  // no one-edit spelling: an indexed word the query word begins (a stem that stems to itself, so it matches as written)
  const rest = unknown.map((u) => u.w).filter((w) => !out.has(w) && w.length >= PREFIX_MIN_LENGTH);
  if (rest.length) {
    const completions = await em.execute<{ w: string; lexeme: string }[]>(
      `SELECT DISTINCT ON (w) w, k.lexeme
       FROM json_array_elements_text(?::json) AS w
       JOIN kb_terms k ON k.tenant_id = ? AND k.lexeme > w AND starts_with(k.lexeme, w)
       WHERE k.lexeme = ANY(tsvector_to_array(to_tsvector('english', k.lexeme)))
       ORDER BY w, k.df DESC, k.lexeme`,
      [JSON.stringify(rest), tenantId],
    );
    for (const c of completions) out.set(c.w, c.lexeme);
  }
  return out;
}

/** `query` with each corrected word replaced (whole words, any case). */
export function applyCorrections(query: string, corrections: ReadonlyMap<string, string>): string {
  if (!corrections.size) return query;
  return query.replace(/\p{L}[\p{L}\p{N}'’-]*/gu, (w) => corrections.get(w.toLowerCase()) ?? w);
}

/** The query as the tenant's vocabulary spells it (unchanged when nothing needs correcting). */
export async function correctQuery(em: EntityManager, tenantId: string, query: string): Promise<string> {
  return applyCorrections(query, await spellingCorrections(em, tenantId, query));
}
