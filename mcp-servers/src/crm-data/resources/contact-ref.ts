import type { Actor, Contact, CrmCore } from '@crm/core';
import { AppError } from '@crm/core/contracts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * A contact reference in a resource URI or prompt argument: its id, or its email address (unique
 * per tenant), which is what completion offers because a person can read it.
 */
export async function resolveContactRef(core: CrmCore, actor: Actor, ref: string, path = 'id'): Promise<Contact> {
  let value = ref.trim();
  try {
    value = decodeURIComponent(value);
  } catch {
    /* not percent-encoded */
  }
  if (UUID.test(value)) return core.contacts.get(actor, value);
  if (value.includes('@')) {
    const contact = await core.contacts.findByEmail(actor, value);
    if (!contact) throw AppError.notFound('Contact', value);
    return contact;
  }
  throw AppError.validation([{ path, reason: 'must be a contact id (UUID) or the contact\'s email address' }]);
}

/** Completion values for a contact reference: emails of contacts whose name, email or company match. */
export async function completeContactRef(core: CrmCore, actor: Actor | undefined, typed: string): Promise<string[]> {
  if (!actor) return [];
  const search = typed.trim().slice(0, 200);
  const page = await core.contacts.list(actor, { search: search || undefined, limit: 10, sort: 'updatedAt', order: 'desc' });
  return page.data.map((c) => c.email);
}

export const contactUri = (id: string) => `crm://contacts/${id}`;
export const timelineUri = (id: string) => `crm://contacts/${id}/timeline`;
export const DUE_FOLLOW_UPS_URI = 'crm://follow-ups/due';
