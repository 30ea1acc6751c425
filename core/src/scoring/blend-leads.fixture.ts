/**
 * Labelled leads whose outcome mixes two kinds of signal in contact custom fields: a sum of eight
 * numeric fields (additive and linear: logistic regression's strength) and a step in a ninth one
 * (|m8| > 0.5, which a linear model cannot draw and trees find at once). Neither member captures
 * both well on 800 leads, and for these seeds the inner cross-validation of `trainLeadModel` picks
 * the blend over both (by more than one standard error), so tests can exercise a tenant blend model.
 */
import { randomUUID } from 'node:crypto';
import { databaseOf, type DatabaseHandle } from '../db/database-handle.ts';
import type { LeadContact } from './lead-features.ts';
import { createRandom } from './ml/index.ts';
import type { LabelledLead } from './scoring.repository.ts';

const DAY = 86_400_000;

export interface BlendLead {
  contact: LeadContact & { customFields: Record<string, number> };
  label: 0 | 1;
  created: number;
  /** When the outcome became known (features are taken as of then). */
  cutoff: number;
}

/** `n` leads created 0.2 days apart from `start` (ms), each closed 30 days after creation. */
export function blendFavouringLeads(n: number, seed: number, start: number): BlendLead[] {
  const random = createRandom(seed);
  return Array.from({ length: n }, (_, k) => {
    const created = start + k * 0.2 * DAY;
    const u = Array.from({ length: 9 }, () => Math.round((random() * 2 - 1) * 1000) / 1000);
    const linear = u.slice(0, 8).reduce((s, v) => s + v, 0);
    const step = Math.abs(u[8]) > 0.5 ? 1 : -1;
    const z = 0.9 * linear + 1.0 * step;
    const label = (random() < 1 / (1 + Math.exp(-z)) ? 1 : 0) as 0 | 1;
    const customFields: Record<string, number> = {};
    u.forEach((v, i) => (customFields[`m${i}`] = v));
    return {
      contact: { email: `lead${k}@firm${k}.example`, company: 'Firm', position: 'Manager', source: 'website', createdAt: new Date(created), customFields },
      label,
      created,
      cutoff: created + 30 * DAY,
    };
  });
}

/** The same leads as `trainLeadModel` input (no interactions, so only the custom fields differ). */
export function asLabelled(leads: readonly BlendLead[]): LabelledLead[] {
  return leads.map((l, k) => ({
    contact: { id: `00000000-0000-4000-8000-${String(k).padStart(12, '0')}`, name: `Lead ${k}`, company: 'Firm', status: l.label ? 'CUSTOMER' : 'INACTIVE', leadScore: 0, lead: l.contact },
    timeline: { contactId: null, contact: l.contact, interactions: [] },
    label: l.label,
    cutoff: l.cutoff,
    stale: false,
    recordedAt: l.cutoff,
  }));
}

/**
 * Store `n` such leads as closed contacts of a tenant (CUSTOMER or INACTIVE, created from 260 days
 * before `now`); with no status-change audit row the outcome's cutoff is the contact's
 * `status_changed_at` (migration 0230), set here to the lead's cutoff. `offset` numbers the leads
 * (names, emails) from there, so a second batch can join the same tenant.
 * Returns the contact ids in creation order.
 */
export async function seedBlendFavouringLeads(handle: DatabaseHandle, tenantId: string, options: { now?: number; n?: number; seed?: number; offset?: number } = {}): Promise<string[]> {
  const db = databaseOf(handle);
  const now = options.now ?? Date.now();
  const leads = blendFavouringLeads(options.n ?? 800, options.seed ?? 1, now - 260 * DAY);
  const offset = options.offset ?? 0;
  const rows = leads.map((l, k) => ({
    id: randomUUID(),
    first_name: 'Lead',
    last_name: String(k + offset),
    email: offset ? `lead${k + offset}@firm${k + offset}.example` : l.contact.email,
    company: l.contact.company,
    position: l.contact.position,
    source: l.contact.source,
    status: l.label ? 'CUSTOMER' : 'INACTIVE',
    custom_fields: l.contact.customFields,
    created_at: new Date(l.created).toISOString(),
    // last touched when closed; a rescore moves updated_at (trigger of 0180) but not status_changed_at
    updated_at: new Date(l.cutoff).toISOString(),
    status_changed_at: new Date(l.cutoff).toISOString(),
  }));
  await db.withTenant(tenantId, (em) =>
    em.execute(
      `INSERT INTO contacts (id, tenant_id, first_name, last_name, email, company, position, source, status, custom_fields, created_at, updated_at, status_changed_at)
       SELECT r.id, ?, r.first_name, r.last_name, r.email, r.company, r.position, r.source, r.status, r.custom_fields, r.created_at, r.updated_at, r.status_changed_at
       FROM jsonb_to_recordset(?::jsonb) AS r(id uuid, first_name text, last_name text, email text, company text, position text, source text,
         status text, custom_fields jsonb, created_at timestamptz, updated_at timestamptz, status_changed_at timestamptz)`,
      [tenantId, JSON.stringify(rows)],
    ),
  );
  return rows.map((r) => r.id);
}
