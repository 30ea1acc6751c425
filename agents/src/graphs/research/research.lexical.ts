import { contentWords, overlap } from '../../models/local-planner/answers.ts';
import type { Decision, Grade, ResearchStrategy } from './research.strategy.ts';
import type { Claim } from './research.state.ts';

/**
 * Chosen together on the tuning questions only (evals/src/research/eval-research.ts --tune, best mean of
 * all-cited-right and "I don't know" on unanswerable questions; ties → first in grid order): the share of
 * the question's content words a passage (title, heading and text) must contain to count as relevant,
 * and what the hybrid ranking's first place adds to that share.
 */
export const LEXICAL_GRADE_THRESHOLD = 0.67;
export const LEXICAL_TOP_RANK_BONUS = 0.25;

/**
 * Abbreviations and near-synonyms a rep types, for the second query. Written from general sales
 * vocabulary before any evaluation ran; not fitted to any question.
 */
const EXPANSIONS: Record<string, string[]> = {
  pkg: ['package'],
  pkgs: ['packages'],
  mgmt: ['management'],
  mgr: ['manager'],
  acct: ['account'],
  info: ['information'],
  min: ['minimum'],
  max: ['maximum'],
  yr: ['year'],
  mo: ['month'],
  msa: ['master', 'services', 'agreement'],
  sla: ['service', 'level'],
  cost: ['price', 'fee'],
  costs: ['price', 'fee'],
  price: ['cost', 'fee', 'pricing'],
  pricing: ['price', 'cost'],
  fee: ['price', 'cost'],
  fees: ['price', 'cost'],
  include: ['included'],
  includes: ['included'],
  cancel: ['cancellation', 'notice'],
  refund: ['refunds', 'cancellation'],
  contract: ['agreement', 'term'],
  discount: ['discounts'],
  timeline: ['weeks', 'takes'],
  long: ['weeks', 'months'],
};

/** Question words that carry no topic, beyond the planner's stop words (generic English, not fitted to any question). */
const EXTRA_STOP = new Set(['whats', 'hows', 'wheres', 'whos', 'can', 'could', 'get', 'got', 'will', 'would', 'them', 'they', 'their', 'your', 'our', 'we', 'when', 'where', 'why', 'any', 'some', 'just', 'still', 'did', 'need', 'want', 'wants', 'know', 'tell', 'give', 'make', 'makes', 'one', 'does', 'doe', 'thing', 'stuff', 'someone', 'anything', 'now', 'what', 'happen', 'happens', 'after', 'before', 'over', 'off', 'back', 'into', 'out', 'than', 'then', 'very', 'really', 'good', 'best']);

/** Content words (stemmed) of a text, the planner's stop words and EXTRA_STOP removed. */
function words(text: string): Set<string> {
  const out = new Set<string>();
  for (const raw of text.toLowerCase().split(/[^a-z0-9]+/)) if (!EXTRA_STOP.has(raw)) for (const w of contentWords(raw)) if (!EXTRA_STOP.has(w)) out.add(w);
  return out;
}

const WORD = /[a-z0-9£$€%][a-z0-9£$€%.,'-]*/gi;

/** The question's words minus stop words, in the user's order and spelling. */
function keywords(text: string): string[] {
  const out: string[] = [];
  for (const raw of text.toLowerCase().match(WORD) ?? []) {
    const w = raw.replace(/[.,'-]+$/, '');
    if (words(w).size && !out.includes(w)) out.push(w);
  }
  return out;
}

function expand(words: readonly string[]): string[] {
  const out = [...words];
  for (const w of words) for (const x of EXPANSIONS[w] ?? []) if (!out.includes(x)) out.push(x);
  return out;
}

/** Sentences (and table rows, list items) of a passage, markdown marks stripped. */
function sentences(passage: string): string[] {
  return passage
    .split(/(?<=[.!?])\s+|\n+/)
    .map((s) => s.replace(/^[#>*\-\s]+/, '').trim())
    .filter((s) => s.length > 15 && !/^\|?[\s|:-]+\|?$/.test(s));
}

export interface LexicalOptions {
  threshold?: number;
  /** Added to the grade of the top-ranked passage of a retrieval (the hybrid ranking's own vote); tuned with the threshold. */
  topRankBonus?: number;
  /** Sentences quoted at most. */
  maxClaims?: number;
}

/**
 * The offline strategy: stop-word removal and keyword expansion for rewriting, word overlap for
 * grading, verbatim sentences for answering. Deterministic; nothing here is a language model.
 */
export function lexicalStrategy(options: LexicalOptions = {}): ResearchStrategy {
  const threshold = options.threshold ?? LEXICAL_GRADE_THRESHOLD;
  const maxClaims = options.maxClaims ?? 3;
  const topRankBonus = options.topRankBonus ?? LEXICAL_TOP_RANK_BONUS;
  return {
    name: 'lexical',
    async decide(question): Promise<Decision> {
      const words = keywords(question);
      return words.length ? { retrieve: true, reason: `keywords: ${words.join(', ')}` } : { retrieve: false, reason: 'no content words to search for' };
    },
    async rewrite(question, tried) {
      const words = keywords(question);
      const candidates = [
        words.join(' '),
        expand(words).join(' '),
        // last resort: the most specific words alone (longest first), so one rare term can match
        [...words].sort((a, b) => b.length - a.length).slice(0, Math.max(1, Math.ceil(words.length / 2))).join(' '),
      ];
      return candidates.find((c) => c && !tried.includes(c)) ?? candidates[0];
    },
    async grade(question, query, passages): Promise<Grade[]> {
      const asked = words(question);
      const searched = words(query);
      return passages.map((p, i) => {
        const text = `${p.title} ${p.heading} ${p.passage}`;
        // the question's own words decide; the expanded query's words count at half weight
        const grade = Math.min(1, Math.max(overlap(asked, text), overlap(searched, text) * 0.5) + (i === 0 ? topRankBonus : 0));
        return { grade: +grade.toFixed(3), relevant: grade >= threshold };
      });
    },
    async answer(question, relevant): Promise<Claim[]> {
      const asked = words(question);
      const scored: { text: string; uri: string; title: string; score: number; order: number }[] = [];
      // quote the best-ranked relevant document only: a second document that shares a word is noise more often than an answer
      const top = relevant[0]?.uri;
      relevant.filter((p) => p.uri === top).forEach((p, pi) => {
        sentences(p.passage).forEach((s, si) => {
          const own = overlap(asked, s);
          // the heading helps a sentence that is on topic itself, never one that shares no word
          if (own > 0) scored.push({ text: s, uri: p.uri, title: p.title, score: overlap(asked, `${p.title} ${p.heading} ${s}`) + own, order: pi * 1000 + si });
        });
      });
      scored.sort((a, b) => b.score - a.score || a.order - b.order);
      const seen = new Set<string>();
      // only sentences nearly as on-topic as the best one: a passage that merely shares a word adds noise, not an answer
      const floor = (scored[0]?.score ?? 0) * 0.75;
      return scored
        .filter((s) => s.score >= floor && !seen.has(s.text) && seen.add(s.text))
        .slice(0, maxClaims)
        .map((s) => ({ text: `"${s.text}" (${s.title})`, citations: [s.uri] }));
    },
  };
}
