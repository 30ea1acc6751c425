import type { Passage } from './research.state.ts';

/** The fields of get_contact's structured result the research graph reads. */
interface ContactData {
  id?: string;
  firstName?: string;
  lastName?: string;
  email?: string;
  phone?: string | null;
  company?: string | null;
  position?: string | null;
  status?: string;
  source?: string | null;
  leadScore?: number;
  lastContactDate?: string | null;
}

export const contactUri = (id: string) => `crm://contacts/${id}`;

/**
 * The contact record as a passage the graph can grade and cite (`crm://contacts/{id}`): one
 * sentence per fact, so a quoted sentence states exactly one field of the record.
 */
export function contactPassage(id: string, c: ContactData): Passage {
  const name = `${c.firstName ?? ''} ${c.lastName ?? ''}`.trim() || id;
  const facts = [
    `${name} is a ${String(c.status ?? 'contact').toLowerCase()} in the CRM.`,
    c.company ? `${name} works at the company ${c.company}.` : '',
    c.position ? `${name}'s position (job title) is ${c.position}.` : '',
    c.email ? `${name}'s email address is ${c.email}.` : '',
    c.phone ? `${name}'s phone number is ${c.phone}.` : '',
    c.source ? `${name} came to us through ${c.source} (lead source).` : '',
    typeof c.leadScore === 'number' ? `${name}'s lead score is ${c.leadScore} out of 100.` : '',
    c.lastContactDate ? `${name} was last contacted on ${c.lastContactDate.slice(0, 10)}.` : '',
  ].filter(Boolean);
  return { uri: contactUri(id), title: `Contact record: ${name}`, heading: '', passage: facts.join('\n'), kind: 'contact', source: null, contactId: id };
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * The question without the scoped contact's names: with the search already scoped to that
 * contact, "Dana" says whose notes to read, not what they are about, and the lexical grader would
 * otherwise reward any passage that names her and punish the notes that do not.
 */
export function withoutNames(question: string, c: ContactData): string {
  const names = [c.firstName, c.lastName].filter((n): n is string => !!n && n.trim().length > 1);
  let out = question;
  for (const n of names) out = out.replace(new RegExp(`\\b${escape(n.trim())}(?:'s|’s|s')?\\b`, 'gi'), ' ');
  return out.replace(/\s+/g, ' ').trim();
}

/** The fields of a search_contacts row the name match reads. */
export interface ContactRow {
  id: string;
  firstName?: string;
  lastName?: string;
}

/**
 * The one contact a name in the question means ("what did Dana ask about pricing?"): every word of
 * `ref` is the contact's first or last name (whole words, any case), and exactly one contact is such
 * a match — or exactly one has that full name. Anything else (no one, several Danas, a word that is
 * a product or a place) leaves the question unscoped.
 */
export function namedContact(ref: string, rows: readonly ContactRow[]): { contact?: ContactRow; matches: number } {
  const words = ref.toLowerCase().split(/\s+/).filter(Boolean);
  if (!words.length) return { matches: 0 };
  const names = (c: ContactRow) => [c.firstName, c.lastName].flatMap((n) => (n ?? '').toLowerCase().split(/[\s-]+/)).filter(Boolean);
  const matches = rows.filter((c) => words.every((w) => names(c).includes(w)));
  if (matches.length === 1) return { contact: matches[0], matches: 1 };
  const full = matches.filter((c) => `${c.firstName ?? ''} ${c.lastName ?? ''}`.trim().toLowerCase() === words.join(' '));
  return full.length === 1 ? { contact: full[0], matches: matches.length } : { matches: matches.length };
}
