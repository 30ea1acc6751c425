import type { EntityManager } from '@mikro-orm/postgresql';
import { mentionedContact } from './contact-mentions.ts';

/**
 * Does a question ask about the CRM's own records (conversations with a contact or a company, or
 * something at a point in time) rather than about the playbooks? An unfiltered search uses it to
 * decide how many of the first places documents get (hybrid-retrieval.ts, `documentLead`):
 * "what did Dana say about pricing", "anything from Sagewood Law Group", "calls last week" → the
 * interactions keep their share; "what goes in a proposal" → the documents lead.
 */
export interface RecordIntent {
  /** The contact the question names (contact-mentions.ts), or null. */
  contactId: string | null;
  /** Why the question reads as one about records, or null when it does not. */
  reason: 'contact' | 'company' | 'time' | 'reported-speech' | null;
}

const WEEKDAY = 'monday|tuesday|wednesday|thursday|friday|saturday|sunday|weekend';
const PERIOD = `days?|weeks?|months?|quarters?|years?|${WEEKDAY}`;
const MONTH = 'january|february|march|april|june|july|august|september|october|november|december|jan|feb|mar|apr|jun|jul|aug|sept?|oct|nov|dec';
/** A point or span in time: relative ("last week", "3 days ago", "yesterday"), a date, a month or a weekday. */
const TIME = new RegExp(
  [
    String.raw`\b(yesterday|today|tonight|recently|lately)\b`,
    String.raw`\b(last|this|past|previous)\s+(few\s+|couple\s+of\s+|\d+\s+)?(${PERIOD})\b`,
    String.raw`\b(\d+|a|one|two|three|few|couple\s+of)\s+(${PERIOD})\s+ago\b`,
    String.raw`\b(on|since|before|after)\s+(${WEEKDAY})\b`,
    String.raw`\b(19|20)\d\d-\d\d(-\d\d)?\b`,
    String.raw`\b\d{1,2}/\d{1,2}(/\d{2,4})?\b`,
    String.raw`\b(in|since|during|until|before|after|early|late|mid|end\s+of|start\s+of)\s+(${MONTH}|may)\b`,
    String.raw`\b(${MONTH}|may)\s+(\d{1,2}(st|nd|rd|th)?|(19|20)\d\d)\b`,
    String.raw`\b\d{1,2}(st|nd|rd|th)?\s+(of\s+)?(${MONTH}|may)\b`,
    String.raw`\b(january|february|march|april|june|july|august|september|october|november|december)\b`,
  ].join('|'),
  'iu',
);
/** Someone reported saying something: a conversation, not a policy. */
const REPORTED_SPEECH = /\b(said|told us|told me|mentioned|complained)\b/iu;

export function mentionsTime(query: string): boolean {
  return TIME.test(query);
}

export function reportsSpeech(query: string): boolean {
  return REPORTED_SPEECH.test(query);
}

/**
 * Does the question name a company the tenant's contacts work for? Any two to four consecutive words
 * equal to a company name (any case: "sagewood law group"), or a capitalised word equal to a
 * company name or to its first word ("Sagewood", "Ledgerly"; lower case does not count, so that
 * ordinary words a company happens to be named after do not).
 */
export async function mentionsCompany(em: EntityManager, query: string): Promise<boolean> {
  const words = [...query.matchAll(/[\p{L}\p{N}][\p{L}\p{N}'&.-]*/gu)].map((m) => m[0].replace(/[.'-]+$/u, ''));
  const lower = words.map((w) => w.toLowerCase());
  const phrases = new Set<string>();
  for (let n = 2; n <= 4; n++) for (let i = 0; i + n <= lower.length; i++) phrases.add(lower.slice(i, i + n).join(' '));
  const capitalised = [...new Set(words.filter((w) => /^\p{Lu}/u.test(w) && w.length >= 3).map((w) => w.toLowerCase()))];
  const names = [...phrases, ...capitalised].slice(0, 200);
  const firsts = capitalised.slice(0, 20);
  if (!names.length) return false;
  // stored column compared with leakproof operators only, so row-level security keeps the index
  // (migration 0330): equal names, and for a first word the byte-order range "word " ≤ name < "word!"
  const prefix = firsts.map(() => ` OR (dup_company COLLATE "C" >= ? AND dup_company COLLATE "C" < ?)`).join('');
  const rows = await em.execute<{ hit: number }[]>(
    `SELECT 1 AS hit FROM contacts WHERE dup_company COLLATE "C" IN (${names.map(() => '?').join(', ')})${prefix} LIMIT 1`,
    [...names, ...firsts.flatMap((w) => [`${w} `, `${w}!`])],
  );
  return rows.length > 0;
}

/** The question's record intent, checked cheapest first (two small queries at most). */
export async function recordIntent(em: EntityManager, query: string): Promise<RecordIntent> {
  const contactId = await mentionedContact(em, query);
  if (contactId) return { contactId, reason: 'contact' };
  if (mentionsTime(query)) return { contactId: null, reason: 'time' };
  if (reportsSpeech(query)) return { contactId: null, reason: 'reported-speech' };
  if (await mentionsCompany(em, query)) return { contactId: null, reason: 'company' };
  return { contactId: null, reason: null };
}
