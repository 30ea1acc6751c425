/**
 * Who a request is about: an email address, or a capitalised name ("Dana", "Dana Whitfield",
 * "Acme Corp"). Only a guess to search with — the CRM decides who it is, through search_contacts.
 */
const NOT_NAMES = new Set([
  'I', 'Please', 'Can', 'Could', 'Would', 'What', 'Who', 'When', 'Where', 'Why', 'How', 'Which', 'Show', 'List', 'Find', 'Log', 'Set',
  'Add', 'Create', 'Schedule', 'Remind', 'Tell', 'Give', 'Get', 'Draft', 'Send', 'Email', 'Call', 'Mark', 'Move', 'Change', 'Score',
  'Explain', 'Update', 'Summarise', 'Summarize', 'Look', 'Search', 'Do', 'Does', 'Is', 'Are', 'Has', 'Have', 'My', 'Our', 'The', 'A',
  'Hi', 'Hello', 'Thanks', 'Ok', 'OK', 'And', 'Then', 'Also', 'Yes', 'No', 'Lead', 'Leads', 'Customer', 'Prospect', 'CRM', 'AI',
  'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday', 'Today', 'Tomorrow', 'Next', 'Last', 'This',
  'January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December',
  'Ignore', 'Follow', 'Up', 'Met', 'Spoke', 'Talked', 'Had', 'Note', 'Notes', 'Book', 'Meeting', 'Task',
]);

export function extractContactRef(text: string): string | undefined {
  const email = text.match(/[\w.+-]+@[\w-]+(\.[\w-]+)+/);
  if (email) return email[0];
  const words = text.split(/[\s,;:!?()"]+/).map((w) => w.replace(/'s$|’s$|\.$/, ''));
  let best: string[] = [];
  let run: string[] = [];
  for (const word of [...words, '']) {
    if (/^[A-Z][a-zA-Z'-]+$/.test(word) && !NOT_NAMES.has(word)) {
      run.push(word);
      continue;
    }
    if (run.length > best.length) best = run;
    run = [];
  }
  return best.length ? best.slice(0, 3).join(' ') : undefined;
}

/** Does a candidate contact match words the user chose between several (name, company, email, "the first one")? */
export function pickCandidate<T extends { firstName: string; lastName: string; email: string; company?: string | null }>(text: string, candidates: readonly T[]): T | undefined {
  const lower = text.toLowerCase();
  const ordinals = ['first', 'second', 'third', 'fourth', 'fifth'];
  const ordinal = ordinals.findIndex((o) => lower.includes(o));
  if (ordinal >= 0 && ordinal < candidates.length) return candidates[ordinal];
  const number = lower.match(/^\s*(?:number\s*)?(\d)\b/);
  if (number && +number[1] >= 1 && +number[1] <= candidates.length) return candidates[+number[1] - 1];
  const hits = candidates.filter(
    (c) =>
      lower.includes(c.email.toLowerCase()) ||
      lower.includes(`${c.firstName} ${c.lastName}`.toLowerCase()) ||
      (!!c.company && lower.includes(c.company.toLowerCase())) ||
      lower.split(/\W+/).includes(c.lastName.toLowerCase()),
  );
  return hits.length === 1 ? hits[0] : undefined;
}
