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
  /** With reason `company` (and `companyFirst`): the contacts of the company the question names. */
  companyContactIds?: string[];
  /** Why the question reads as one about records, or null when it does not. */
  reason: 'contact' | 'company' | 'time' | 'reported-speech' | 'conversation' | null;
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

/**
 * Talk about conversations with no name in it: what people asked for or worried about, and the
 * kinds of interaction themselves ("who asked for a discount", "voicemails about the audit"). A
 * playbook question asks what to do ("when a client asks", "who owns"), so present-tense "asks" and
 * singular "call" (the discovery call of a playbook) do not count.
 */
const CONVERSATION = /\b(asked|requested|wanted|worried|pushed back|complaints|calls|meetings|voicemails?|conversations|chats)\b/iu;

export function talksAboutConversations(query: string): boolean {
  return CONVERSATION.test(query);
}

const RELATIVE_SPAN = /\b(last|this|past|previous)\s+(?:(few|couple of|a|one|two|three|four|five|six|\d+)\s+)?(day|week|month|quarter|year)s?\b/u;
const RELATIVE_PHRASE = new RegExp(
  String.raw`(\b(in|from|over|during|within|for)\s+)?(\bthe\s+)?(\b(yesterday|today|tonight|recently|lately)\b|${RELATIVE_SPAN.source})`,
  'giu',
);

/**
 * The question without its relative time ("voicemails left in the past week" → "voicemails left"):
 * once the time is a filter, its words ("week", "days") should not have to match the text.
 */
export function withoutRelativeTime(query: string): string {
  const rest = query.replace(RELATIVE_PHRASE, ' ').replace(/\s+/gu, ' ').trim();
  return rest.length >= 3 ? rest : query;
}

const NUMBER_WORDS: Record<string, number> = { a: 1, one: 1, two: 2, three: 3, four: 4, five: 5, six: 6, few: 3, 'couple of': 2 };
const UNIT_DAYS: Record<string, number> = { day: 1, week: 7, month: 31, quarter: 92, year: 366 };

/**
 * How many days back a relative time in the question reaches, generously (a question about "last
 * week" also gets this week): "yesterday" 2, "this week" / "last week" 14, "past 3 days" 4, "this
 * month" 31, "last month" 62, "recently" 31. Null for absolute dates, months and "… ago", which name
 * a point rather than a window back from now.
 */
export function relativeTimeWindowDays(query: string): number | null {
  const q = query.toLowerCase();
  if (/\b(yesterday|today|tonight)\b/u.test(q)) return 2;
  if (/\b(recently|lately)\b/u.test(q)) return 31;
  const m = RELATIVE_SPAN.exec(q);
  if (!m) return null;
  const unit = UNIT_DAYS[m[3]];
  if (m[2]) return (NUMBER_WORDS[m[2]] ?? Number(m[2])) * unit + 1;
  // "this week" and "the past week" reach back one week; "last week" ended up to a week ago
  return m[1] === 'this' || m[1] === 'past' ? unit : 2 * unit;
}

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
  return (await mentionedCompany(em, query)) !== null;
}

/** Contacts of one company a question names are at most this many (a bigger match is too vague to put first). */
const MAX_COMPANY_CONTACTS = 50;

/**
 * The company a question names (as `mentionsCompany` decides) and the ids of its contacts, or
 * null. A name written out wins over a first word, then the longest ("Sagewood Law Group" over
 * "Sagewood"); a first word that several companies share names no contacts.
 */
export async function mentionedCompany(em: EntityManager, query: string): Promise<{ company: string; contactIds: string[] } | null> {
  const words = [...query.matchAll(/[\p{L}\p{N}][\p{L}\p{N}'&.-]*/gu)].map((m) => m[0].replace(/[.'-]+$/u, ''));
  const lower = words.map((w) => w.toLowerCase());
  const phrases = new Set<string>();
  for (let n = 2; n <= 4; n++) for (let i = 0; i + n <= lower.length; i++) phrases.add(lower.slice(i, i + n).join(' '));
  const capitalised = [...new Set(words.filter((w) => /^\p{Lu}/u.test(w) && w.length >= 3).map((w) => w.toLowerCase()))];
  const names = [...phrases, ...capitalised].slice(0, 200);
  const firsts = capitalised.slice(0, 20);
  if (!names.length) return null;
  // stored column compared with leakproof operators only, so row-level security keeps the index
  // (migration 0330): equal names, and for a first word the byte-order range "word " ≤ name < "word!"
  const prefix = firsts.map(() => ` OR (dup_company COLLATE "C" >= ? AND dup_company COLLATE "C" < ?)`).join('');
  const list = names.map(() => '?').join(', ');
  // a name written out in full beats a first word ("Mixed 3" over the other "Mixed …" companies)
  const rows = await em.execute<{ company: string; id: string; exact: boolean }[]>(
    `SELECT dup_company AS company, id, (dup_company COLLATE "C" IN (${list})) AS exact FROM contacts
     WHERE dup_company COLLATE "C" IN (${list})${prefix}
     ORDER BY 3 DESC, length(dup_company) DESC, dup_company, id LIMIT ${MAX_COMPANY_CONTACTS + 1}`,
    [...names, ...names, ...firsts.flatMap((w) => [`${w} `, `${w}!`])],
  );
  if (!rows.length) return null;
  const company = rows[0].company;
  const contactIds = rows.filter((r) => r.company === company).map((r) => r.id);
  // only a first word, shared by several companies: a company is named, but not which one
  const ambiguous = !rows[0].exact && rows.some((r) => r.company !== company);
  return { company, contactIds: ambiguous || contactIds.length > MAX_COMPANY_CONTACTS ? [] : contactIds };
}

/** The question's record intent, checked cheapest first (two small queries at most). */
export async function recordIntent(em: EntityManager, query: string, options: { conversationCues?: boolean } = {}): Promise<RecordIntent> {
  const contactId = await mentionedContact(em, query);
  if (contactId) return { contactId, reason: 'contact' };
  if (mentionsTime(query)) return { contactId: null, reason: 'time' };
  if (reportsSpeech(query)) return { contactId: null, reason: 'reported-speech' };
  const company = await mentionedCompany(em, query);
  if (company) return { contactId: null, reason: 'company', companyContactIds: company.contactIds };
  if (options.conversationCues && talksAboutConversations(query)) return { contactId: null, reason: 'conversation' };
  return { contactId: null, reason: null };
}
