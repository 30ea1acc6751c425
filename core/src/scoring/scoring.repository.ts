/**
 * SQL of lead scoring, run inside the caller's tenant transaction (RLS scopes every statement):
 * timelines to score, labelled outcomes with their cutoffs to train on, set-wise score updates
 * with their outbox events.
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import { AppError } from '../errors/app-error.ts';
import { eventsInsertFrom } from '../outbox/outbox.writer.ts';
import { POST_SALE, type LeadContact, type LeadInteraction } from './lead-features.ts';
import type { LeadTimeline } from './lead-explanation.ts';

const DAY_MS = 86_400_000;
/** A stale lead is judged this long after its last touch (about the median decision gap of closed deals). */
export const STALE_GAP_DAYS = 14;

interface ContactRow {
  id: string;
  first_name: string;
  last_name: string;
  email: string;
  company: string | null;
  position: string | null;
  phone: string | null;
  source: string | null;
  campaign: string | null;
  custom_fields: Record<string, unknown> | null;
  created_at: Date | string;
  status: string;
  lead_score: number;
  status_changed_at: Date | string;
}

export interface ScoringContact {
  id: string;
  name: string;
  company: string | null;
  status: string;
  leadScore: number;
  lead: LeadContact;
  /** When a CUSTOMER or INACTIVE contact closed (status_changed_at); absent for open leads. */
  closedAt?: Date;
}

/** Lead scoring is about open leads: a closed contact is scored as of the moment it closed. */
export const CLOSED_STATUSES: readonly string[] = ['CUSTOMER', 'INACTIVE'];

/** The instant (ms) a contact's lead score is taken at: now for an open lead, its close for a closed one. */
export function scoringMoment(contact: Pick<ScoringContact, 'closedAt'>, now: number): number {
  return contact.closedAt ? Math.min(contact.closedAt.getTime(), now) : now;
}

const CONTACT_COLUMNS = `c.id, c.first_name, c.last_name, c.email, c.company, c.position, c.phone, c.source,
  c.metadata->>'campaignId' AS campaign, c.custom_fields, c.created_at, c.status, c.lead_score, c.status_changed_at`;

function toScoringContact(r: ContactRow): ScoringContact {
  return {
    id: r.id,
    name: `${r.first_name} ${r.last_name}`,
    company: r.company,
    status: r.status,
    leadScore: Number(r.lead_score),
    lead: {
      email: r.email,
      company: r.company,
      position: r.position,
      phone: r.phone,
      source: r.source,
      campaign: r.campaign,
      createdAt: new Date(r.created_at),
      customFields: r.custom_fields ?? {},
    },
    ...(CLOSED_STATUSES.includes(r.status) ? { closedAt: new Date(r.status_changed_at) } : {}),
  };
}

const uuidArray = (ids: readonly string[]) => `{${ids.join(',')}}`;

/** Interactions of these contacts, post-sale work left out (features never use it). */
export async function loadInteractions(em: EntityManager, ids: readonly string[]): Promise<Map<string, LeadInteraction[]>> {
  const out = new Map<string, LeadInteraction[]>(ids.map((id) => [id, []]));
  if (ids.length === 0) return out;
  const rows = await em.execute<{ contact_id: string; type: string; channel: string; direction: string; sentiment: number | null; created_at: Date | string }[]>(
    `SELECT contact_id, type, channel, direction, (sentiment->>'score')::float8 AS sentiment, created_at
     FROM interactions WHERE contact_id = ANY(?::uuid[]) AND NOT (tags @> '["${POST_SALE}"]'::jsonb)`,
    [uuidArray(ids)],
  );
  for (const r of rows) {
    out.get(r.contact_id)?.push({ type: r.type, channel: r.channel, direction: r.direction, occurredAt: new Date(r.created_at), sentiment: r.sentiment });
  }
  return out;
}

export async function loadContacts(em: EntityManager, ids: readonly string[]): Promise<ScoringContact[]> {
  if (ids.length === 0) return [];
  const rows = await em.execute<ContactRow[]>(`SELECT ${CONTACT_COLUMNS} FROM contacts c WHERE c.id = ANY(?::uuid[])`, [uuidArray(ids)]);
  return rows.map(toScoringContact);
}

/** One contact and its timeline; NOT_FOUND when it does not exist in this tenant. */
export async function loadTimeline(em: EntityManager, id: string): Promise<{ contact: ScoringContact; timeline: LeadTimeline }> {
  if (!/^[0-9a-f-]{36}$/i.test(id)) throw AppError.validation([{ path: 'contactId', reason: 'must be a UUID' }]);
  const [contact] = await loadContacts(em, [id]);
  if (!contact) throw AppError.notFound('Contact', id);
  const interactions = (await loadInteractions(em, [id])).get(id) ?? [];
  return { contact, timeline: { contactId: id, contact: contact.lead, interactions } };
}

/** A keyset page of contacts (by id) with the given statuses. */
export async function loadContactPage(em: EntityManager, afterId: string | null, limit: number, statuses: readonly string[]): Promise<ScoringContact[]> {
  const rows = await em.execute<ContactRow[]>(
    `SELECT ${CONTACT_COLUMNS} FROM contacts c WHERE c.status = ANY(?::text[]) AND (?::uuid IS NULL OR c.id > ?::uuid) ORDER BY c.id LIMIT ?`,
    [`{${statuses.join(',')}}`, afterId, afterId, limit],
  );
  return rows.map(toScoringContact);
}

export interface LabelledLead {
  contact: ScoringContact;
  timeline: LeadTimeline;
  label: 0 | 1;
  /** Features are taken as of this instant (ms): the close, or when a stale lead was judged. */
  cutoff: number;
  stale: boolean;
  /**
   * When the database learned this outcome (ms): the write that gave the contact its status
   * (migration 0350, whatever past dates an import carries), or for a stale lead when it went stale.
   */
  recordedAt: number;
}

/** The database's transaction time (ms): outcomes recorded up to it are in what was just loaded. */
export async function databaseNow(em: EntityManager): Promise<number> {
  const [{ at }] = await em.execute<{ at: string | Date }[]>('SELECT now() AS at');
  return new Date(at).getTime();
}

/**
 * Contacts with a known outcome: CUSTOMER (1), INACTIVE (0), and open leads untouched for
 * `staleDays` (0, "stale"). Cutoffs: the status change into CUSTOMER/INACTIVE from the audit log;
 * for a customer without one, the first post-sale interaction; else `status_changed_at`, which the
 * database keeps (migration 0230) and, unlike updated_at, score updates never move. A stale lead
 * is judged STALE_GAP_DAYS after its last touch.
 */
export async function loadLabelled(em: EntityManager, now: number, staleDays: number): Promise<LabelledLead[]> {
  const rows = await em.execute<(ContactRow & { status_at: string | null; post_sale_at: string | null; last_touch: string; outcome_recorded_at: string })[]>(
    `SELECT ${CONTACT_COLUMNS}, c.outcome_recorded_at,
       greatest(c.created_at, coalesce(c.last_contact_date, c.created_at)) AS last_touch,
       (SELECT max(a.created_at) FROM audit_log a WHERE a.action = 'contact.status_changed' AND a.entity_id = c.id
          AND a.diff->'after'->>'status' = c.status) AS status_at,
       (SELECT min(i.created_at) FROM interactions i WHERE i.contact_id = c.id AND i.tags @> '["${POST_SALE}"]'::jsonb) AS post_sale_at
     FROM contacts c
     WHERE c.status IN ('CUSTOMER', 'INACTIVE')
        OR (c.status IN ('LEAD', 'PROSPECT') AND greatest(c.created_at, coalesce(c.last_contact_date, c.created_at)) < ?)`,
    [new Date(now - staleDays * DAY_MS)],
  );
  const ms = (v: string | Date | null) => (v == null ? Number.NaN : new Date(v).getTime());
  const interactions = await loadInteractions(em, rows.map((r) => r.id));
  return rows.map((r) => {
    const contact = toScoringContact(r);
    let cutoff: number;
    let stale = false;
    if (r.status === 'CUSTOMER') {
      const known = [ms(r.status_at), ms(r.post_sale_at)].filter((t) => !Number.isNaN(t));
      cutoff = known.length ? Math.min(...known) : ms(r.status_changed_at);
    } else if (r.status === 'INACTIVE') {
      cutoff = Number.isNaN(ms(r.status_at)) ? ms(r.status_changed_at) : ms(r.status_at);
    } else {
      stale = true;
      cutoff = Math.min(now, ms(r.last_touch) + STALE_GAP_DAYS * DAY_MS);
    }
    const timeline = { contactId: r.id, contact: contact.lead, interactions: interactions.get(r.id) ?? [] };
    const written = ms(r.outcome_recorded_at);
    const recordedAt = stale ? Math.max(written, ms(r.last_touch) + staleDays * DAY_MS) : written;
    return { contact, timeline, label: r.status === 'CUSTOMER' ? 1 : 0, cutoff: Math.min(cutoff, now), stale, recordedAt };
  });
}

export interface ScoreChange {
  id: string;
  from: number;
  to: number;
  source: string;
  modelVersion: number | null;
}

/** Update lead_score and write one lead_score.changed event per change, set-wise, in the caller's transaction. */
export async function applyScoreChanges(em: EntityManager, tenantId: string, actorId: string | null, changes: readonly ScoreChange[]): Promise<void> {
  if (changes.length === 0) return;
  const rows = changes.map((c) => ({
    id: c.id,
    score: c.to,
    payload: { contactId: c.id, from: c.from, to: c.to, delta: c.to - c.from, source: c.source, modelVersion: c.modelVersion },
  }));
  // One statement: the update, and the events from the one outbox writer for the rows it changed.
  const events = eventsInsertFrom({ tenantId, userId: actorId }, 'event_rows');
  await em.execute(
    `WITH x AS (SELECT * FROM jsonb_to_recordset(?::jsonb) AS r(id uuid, score real, payload jsonb)),
       upd AS (UPDATE contacts c SET lead_score = x.score FROM x WHERE c.id = x.id RETURNING c.id),
       event_rows AS (
         SELECT 'lead_score.changed' AS type, 'contact' AS aggregate_type, x.id AS aggregate_id, x.payload FROM x JOIN upd ON upd.id = x.id)
     ${events.sql}`,
    [JSON.stringify(rows), ...events.params],
  );
}

/** Closed leads whose current score is nearest, same source first: what happened to leads like this one. */
export async function comparableLeads(em: EntityManager, excludeId: string, score: number, source: string | null, limit = 5) {
  const rows = await em.execute<{ id: string; first_name: string; last_name: string; company: string | null; status: string; lead_score: number; source: string }[]>(
    `SELECT id, first_name, last_name, company, status, lead_score, source FROM contacts
     WHERE status IN ('CUSTOMER', 'INACTIVE') AND id <> ?
     ORDER BY (source IS NOT DISTINCT FROM ?) DESC, abs(lead_score - ?), id LIMIT ?`,
    [excludeId, source, score, limit],
  );
  return rows.map((r) => ({ id: r.id, name: `${r.first_name} ${r.last_name}`, company: r.company, status: r.status, leadScore: Number(r.lead_score), source: r.source }));
}
