import type { Contact } from './contact.schema.ts';

/** Entity or raw row (snake_case) → the public Contact shape. */
export function toContact(e: Record<string, unknown>): Contact {
  const g = (camel: string, snake: string) => (e[camel] !== undefined ? e[camel] : e[snake]);
  const date = (v: unknown) => (v == null ? null : v instanceof Date ? v : new Date(String(v)));
  return {
    id: e.id as string,
    tenantId: g('tenantId', 'tenant_id') as string,
    firstName: g('firstName', 'first_name') as string,
    lastName: g('lastName', 'last_name') as string,
    email: e.email as string,
    phone: (e.phone as string | null) ?? null,
    company: (e.company as string | null) ?? null,
    position: (e.position as string | null) ?? null,
    leadScore: Number(g('leadScore', 'lead_score') ?? 0),
    status: e.status as Contact['status'],
    source: e.source as string,
    assignedTo: (g('assignedTo', 'assigned_to') as string | null) ?? null,
    customFields: (g('customFields', 'custom_fields') as Record<string, unknown>) ?? {},
    metadata: (e.metadata as Contact['metadata']) ?? {},
    lastContactDate: date(g('lastContactDate', 'last_contact_date')),
    createdAt: date(g('createdAt', 'created_at')) as Date,
    updatedAt: date(g('updatedAt', 'updated_at')) as Date,
  };
}
