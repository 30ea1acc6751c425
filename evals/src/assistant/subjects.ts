import type { DemoEnv } from './demo-env.ts';
import { databaseOf } from '@crm/core/testing';
import type { SubjectSpec } from './scenario.types.ts';

export interface SubjectContact {
  id: string;
  firstName: string;
  lastName: string;
  email: string;
  company: string | null;
  status: string;
  leadScore: number | null;
  assignedTo: string | null;
}

export interface Subject {
  contact: SubjectContact;
  /** The other contact of a duplicate-name pair. */
  other?: SubjectContact;
}

const COLUMNS = `c.id, c.first_name AS "firstName", c.last_name AS "lastName", c.email, c.company, c.status, c.lead_score AS "leadScore", c.assigned_to AS "assignedTo"`;

/** The contact a scenario is about, chosen by a query on the seeded database (deterministic: ordered by email). */
export async function resolveSubject(env: DemoEnv, spec: SubjectSpec): Promise<Subject> {
  const owner = spec.owner === 'any' ? null : env.actors[spec.owner].userId;
  const read = async (sql: string, params: (string | number | boolean | Date | null)[]) => (await databaseOf(env.db).readAsTenant(env.tenantId, [{ sql, params }]))[0] as unknown as SubjectContact[];
  if (spec.duplicate) {
    const rows = await read(
      `WITH pairs AS (
         SELECT lower(first_name || ' ' || last_name) AS full FROM contacts GROUP BY 1
         HAVING count(*) = 2 AND count(DISTINCT company) = 2 AND bool_or($1::uuid IS NULL OR assigned_to = $1::uuid)
       )
       SELECT ${COLUMNS}, p.full FROM pairs p JOIN contacts c ON lower(c.first_name || ' ' || c.last_name) = p.full
       ORDER BY p.full, (c.assigned_to = $1::uuid) DESC NULLS LAST, c.email`,
      [owner],
    );
    const names = [...new Set(rows.map((r) => (r as unknown as { full: string }).full))];
    const full = names[spec.n];
    if (!full) throw new Error(`subject: no duplicate-name pair #${spec.n} for owner ${spec.owner}`);
    const [contact, other] = rows.filter((r) => (r as unknown as { full: string }).full === full);
    return { contact: strip(contact), other: strip(other) };
  }
  const rows = await read(
    `SELECT ${COLUMNS} FROM contacts c
     WHERE ($1::uuid IS NULL OR c.assigned_to = $1::uuid) AND ($2::text IS NULL OR c.status = $2::text) AND c.company IS NOT NULL
       AND (NOT $3::bool OR NOT EXISTS (SELECT 1 FROM contacts d WHERE d.id <> c.id AND lower(d.first_name) = lower(c.first_name) AND lower(d.last_name) = lower(c.last_name)))
       AND (NOT $4::bool OR EXISTS (SELECT 1 FROM interactions i WHERE i.contact_id = c.id))
     ORDER BY c.email OFFSET $5 LIMIT 1`,
    [owner, spec.status ?? null, !!spec.unique, !!spec.withHistory, spec.n],
  );
  if (!rows[0]) throw new Error(`subject: no contact #${spec.n} matching ${JSON.stringify(spec)}`);
  return { contact: strip(rows[0]) };
}

function strip(r: SubjectContact): SubjectContact {
  return { id: r.id, firstName: r.firstName, lastName: r.lastName, email: r.email, company: r.company, status: r.status, leadScore: r.leadScore, assignedTo: r.assignedTo };
}

/** Fill {name}, {first}, {last}, {company}, {email}, {otherCompany} from the subject. */
export function fill(text: string, subject: Subject | undefined): string {
  if (!subject) return text;
  const c = subject.contact;
  return text
    .replaceAll('{name}', `${c.firstName} ${c.lastName}`)
    .replaceAll('{first}', c.firstName)
    .replaceAll('{last}', c.lastName)
    .replaceAll('{company}', c.company ?? '')
    .replaceAll('{email}', c.email)
    .replaceAll('{otherCompany}', subject.other?.company ?? '');
}
