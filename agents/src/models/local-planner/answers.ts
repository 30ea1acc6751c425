import { stem } from './naive-bayes.ts';

export interface Passage {
  passage: string;
  uri: string;
  title: string;
}

export interface Quote {
  text: string;
  uri: string;
  title: string;
}

const QUERY_STOP = new Set(['what', 'does', 'our', 'the', 'how', 'much', 'is', 'are', 'do', 'we', 'a', 'an', 'of', 'to', 'in', 'for', 'and', 'or', 'with', 'about', 'which', 'who', 'should', 'i', 'you', 'it', 'that', 'this', 'there', 'have', 'has', 'say', 'says', 'mention', 'include']);

export function contentWords(text: string): Set<string> {
  return new Set(
    text
      .toLowerCase()
      .split(/[^a-z0-9]+/)
      .filter((w) => w.length > 2 && !QUERY_STOP.has(w))
      .map(stem),
  );
}

/** Share of the query's content words a text contains: the deterministic relevance grade. */
export function overlap(query: Set<string>, text: string): number {
  if (!query.size) return 0;
  const words = contentWords(text);
  let hits = 0;
  for (const w of query) if (words.has(w)) hits++;
  return hits / query.size;
}

/**
 * Sentences quoted verbatim from the passages that share most words with the question, each
 * with the passage's URI. Nothing above `minOverlap` ⇒ no quotes, and the caller says it does not know.
 */
export function quoteSentences(question: string, passages: readonly Passage[], { max = 3, minOverlap = 0.34 } = {}): Quote[] {
  const query = contentWords(question);
  const scored: (Quote & { score: number; order: number })[] = [];
  passages.forEach((p, pi) => {
    const sentences = p.passage.split(/(?<=[.!?])\s+|\n+/).map((s) => s.trim()).filter((s) => s.length > 15);
    sentences.forEach((s, si) => scored.push({ text: s.replace(/^[#*\-\s]+/, ''), uri: p.uri, title: p.title, score: scoreSentence(query, p.title, s), order: pi * 1000 + si }));
  });
  const best = scored.filter((s) => s.score >= minOverlap).sort((a, b) => b.score - a.score || a.order - b.order);
  const seen = new Set<string>();
  return best.filter((q) => !seen.has(q.text) && seen.add(q.text)).slice(0, max).map(({ text, uri, title }) => ({ text, uri, title }));
}

/** The title helps a sentence that is on topic itself, but never lifts one that shares no word with the question. */
function scoreSentence(query: Set<string>, title: string, sentence: string): number {
  return overlap(query, sentence) > 0 ? overlap(query, `${title} ${sentence}`) : 0;
}

export const OFFLINE_MARK = '[offline]';

/** Every final answer of the local planner says it came from the offline planner, not a language model. */
export function markOffline(text: string): string {
  const body = text.split(OFFLINE_MARK).join('').trim();
  return `${OFFLINE_MARK} ${body}`;
}

export function cite(uri: string): string {
  return `[${uri}]`;
}
