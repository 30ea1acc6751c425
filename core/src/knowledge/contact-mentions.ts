import type { EntityManager } from '@mikro-orm/postgresql';

/**
 * The contact a question is about, when it names one: "what did Dana Whitfield say about pricing"
 * (full name, any case) or "what did Dana say" (a first name written with a capital, so that
 * "will" or "mark" in lower case do not count). A full-name match wins; a first name alone only
 * when exactly one contact has it. Null when nobody, or too many people, match.
 */
export async function mentionedContact(em: EntityManager, query: string): Promise<string | null> {
  // a possessive is the name: "Dana's budget", "Jack Mwangi’s CFO"
  const words = [...query.matchAll(/[\p{L}][\p{L}'’-]*/gu)].map((m) => m[0].replace(/['’]s$/u, ''));
  if (!words.length) return null;
  const lower = words.map((w) => w.toLowerCase());
  const distinct = [...new Set(lower)].slice(0, 100);
  const capitalised = words.filter((w) => /^\p{Lu}/u.test(w)).map((w) => w.toLowerCase());
  const rows = await em.execute<{ id: string; first: string; last: string }[]>(
    `SELECT id, lower(first_name) AS first, lower(last_name) AS last FROM contacts
     WHERE lower(first_name) IN (${distinct.map(() => '?').join(', ')}) LIMIT 50`,
    distinct,
  );
  const full = rows.filter((r) => lower.some((w, i) => w === r.first && lower[i + 1] === r.last));
  if (full.length === 1) return full[0].id;
  if (full.length > 1) return null;
  const byFirst = rows.filter((r) => capitalised.includes(r.first));
  return byFirst.length === 1 ? byFirst[0].id : null;
}
