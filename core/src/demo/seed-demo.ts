import { databaseOf } from '../db/database.ts';
import { randomUUID } from 'node:crypto';
import type { CrmCore } from '../crm-core.ts';
import { writeAudit, writeAuditRows } from '../audit/audit.service.ts';
import { inTenantTx } from '../db/tenant-tx.ts';
import { refreshStatistics } from '../imports/contact-import.service.ts';
import type { Actor } from '../users/user.schema.ts';
import { type DemoKnowledgeReport, seedDemoKnowledge } from '../knowledge/demo-knowledge.ts';
import { generateDemoTenant, summariseDemoTenant, type DemoTenantSummary } from './demo-generator.ts';

export interface SeededDemo {
  created: boolean;
  tenantId: string;
  slug: string;
  users: { email: string; name: string; role: string; apiKey: string }[];
  summary?: DemoTenantSummary;
  /** With `knowledge`: the demo knowledge base and the indexed interaction history. */
  knowledge?: DemoKnowledgeReport;
}

/** Demo API keys are fixed so the README can name them; they exist only in the demo tenant. */
export const demoApiKey = (userKey: string) => `crm_demo_${userKey.replace(/^u-/, '').replace(/-/g, '_')}`;

const BATCH = 2000;

function chunks<T>(items: T[], size = BATCH): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/**
 * Load the deterministic demo agency: users of every role, ~2,000 contacts, ~20,000
 * interactions over the last 12 months and follow-ups. History is written set-wise and emits
 * no outbox events (it is the past, not news); one audit entry records the seeding.
 */
export async function seedDemoTenant(
  core: CrmCore,
  options: {
    now?: Date;
    seed?: number;
    contacts?: number;
    onProgress?: (done: number, total: number) => void;
    /**
     * Also load core/demo-kb and index the interaction history for search (idempotent, so it also
     * completes an existing demo tenant). Off by default: embedding ~20,000 interactions takes a
     * minute on PGlite.
     */
    knowledge?: boolean | { onProgress?: (phase: 'documents' | 'interactions' | 'vectors', done: number, total: number) => void };
  } = {},
): Promise<SeededDemo> {
  const seeded = await seedDemoRecords(core, options);
  if (!options.knowledge) return seeded;
  const admin = await core.users.actorByEmail(seeded.users.find((u) => u.role === 'ADMIN')!.email, seeded.slug);
  const onProgress = typeof options.knowledge === 'object' ? options.knowledge.onProgress : undefined;
  return { ...seeded, knowledge: await seedDemoKnowledge(core, admin, { onProgress }) };
}

async function seedDemoRecords(
  core: CrmCore,
  options: { now?: Date; seed?: number; contacts?: number; onProgress?: (done: number, total: number) => void },
): Promise<SeededDemo> {
  const now = options.now ?? new Date();
  // seeded "now" (no fixed date given): the same tenant whatever the clock time (see generateDemoTenant)
  const demo = generateDemoTenant({ now, seed: options.seed ?? 42, contacts: options.contacts ?? 2000, stable: options.now === undefined });
  const existing = await databaseOf(core.db).asWorker(async (c) => (await c.query<{ id: string }>('SELECT id FROM tenants WHERE slug = $1', [demo.tenant.slug])).rows[0]);
  const users = demo.users.map((u) => ({ email: u.email, name: u.name, role: u.role, apiKey: demoApiKey(u.key) }));
  if (existing) return { created: false, tenantId: existing.id, slug: demo.tenant.slug, users };

  const adminSpec = demo.users.find((u) => u.role === 'ADMIN')!;
  const created = await core.users.createTenant(
    { name: demo.tenant.name, slug: demo.tenant.slug, admin: { email: adminSpec.email, name: adminSpec.name } },
    { apiKey: demoApiKey(adminSpec.key) },
  );
  const admin: Actor = { tenantId: created.tenant.id, userId: created.admin.id, role: 'ADMIN' };
  const userIds = new Map<string, string>([[adminSpec.key, created.admin.id]]);
  for (const u of demo.users) {
    if (u.key === adminSpec.key) continue;
    const { user } = await core.users.createUser(admin, { email: u.email, name: u.name, role: u.role }, { apiKey: demoApiKey(u.key) });
    userIds.set(u.key, user.id);
  }

  const contactIds = new Map(demo.contacts.map((c) => [c.key, randomUUID()]));
  const lastContact = new Map<string, Date>();
  for (const i of demo.interactions) {
    const prev = lastContact.get(i.contactKey);
    if (!prev || prev < i.input.occurredAt) lastContact.set(i.contactKey, i.input.occurredAt);
  }
  const total = demo.contacts.length + demo.interactions.length + demo.followUps.length;
  let done = 0;
  const progress = (n: number) => options.onProgress?.((done += n), total);

  for (const batch of chunks(demo.contacts)) {
    const rows = batch.map((c) => ({
      id: contactIds.get(c.key),
      first_name: c.input.firstName,
      last_name: c.input.lastName,
      email: c.input.email,
      phone: c.input.phone ?? null,
      company: c.input.company ?? null,
      position: c.input.position ?? null,
      status: c.status,
      source: c.input.source ?? 'manual',
      assigned_to: c.assignedToUserKey ? userIds.get(c.assignedToUserKey) : null,
      custom_fields: c.input.customFields ?? {},
      metadata: c.input.metadata ?? {},
      last_contact_date: lastContact.get(c.key) ?? null,
      created_at: c.createdAt,
    }));
    await inTenantTx(databaseOf(core.db), admin, (em) =>
      em.execute(
        `INSERT INTO contacts (id, tenant_id, first_name, last_name, email, phone, company, position, status, source, assigned_to,
           custom_fields, metadata, last_contact_date, created_at, updated_at)
         SELECT r.id, ?, r.first_name, r.last_name, r.email, r.phone, r.company, r.position, r.status, r.source, r.assigned_to,
           r.custom_fields, r.metadata, r.last_contact_date, r.created_at, greatest(r.created_at, r.last_contact_date)
         FROM jsonb_to_recordset(?::jsonb) AS r(id uuid, first_name text, last_name text, email text, phone text, company text,
           position text, status text, source text, assigned_to uuid, custom_fields jsonb, metadata jsonb,
           last_contact_date timestamptz, created_at timestamptz)`,
        [admin.tenantId, JSON.stringify(rows)],
      ),
    );
    progress(batch.length);
  }

  for (const batch of chunks(demo.interactions)) {
    const rows = batch.map((i) => ({
      id: randomUUID(),
      contact_id: contactIds.get(i.contactKey),
      user_id: i.userKey ? userIds.get(i.userKey) : null,
      type: i.input.type,
      channel: i.input.channel,
      subject: i.input.subject ?? null,
      content: i.input.content ?? '',
      direction: i.input.direction,
      duration: i.input.duration ?? null,
      outcome: i.input.outcome ?? null,
      scheduled_follow_up: i.input.scheduledFollowUp ?? null,
      attachments: i.input.attachments ?? [],
      sentiment: i.input.sentiment ?? null,
      tags: i.input.tags ?? [],
      metadata: i.input.metadata ?? {},
      created_at: i.input.occurredAt,
    }));
    await inTenantTx(databaseOf(core.db), admin, (em) =>
      em.execute(
        `INSERT INTO interactions (id, tenant_id, contact_id, user_id, type, channel, subject, content, direction, duration, outcome,
           scheduled_follow_up, attachments, sentiment, tags, metadata, created_at)
         SELECT r.id, ?, r.contact_id, r.user_id, r.type, r.channel, r.subject, r.content, r.direction, r.duration, r.outcome,
           r.scheduled_follow_up, r.attachments, r.sentiment, r.tags, r.metadata, r.created_at
         FROM jsonb_to_recordset(?::jsonb) AS r(id uuid, contact_id uuid, user_id uuid, type text, channel text, subject text,
           content text, direction text, duration int, outcome text, scheduled_follow_up timestamptz, attachments jsonb,
           sentiment jsonb, tags jsonb, metadata jsonb, created_at timestamptz)`,
        [admin.tenantId, JSON.stringify(rows)],
      ),
    );
    progress(batch.length);
  }

  const followUps = demo.followUps.map((f) => ({
    id: randomUUID(),
    contact_id: contactIds.get(f.contactKey),
    owner_id: userIds.get(f.ownerKey),
    title: f.title,
    due_at: f.dueAt,
    done: f.done,
    completed_at: f.done ? f.dueAt : null,
  }));
  await inTenantTx(databaseOf(core.db), admin, async (em) => {
    await em.execute(
      `INSERT INTO follow_ups (id, tenant_id, contact_id, owner_id, title, due_at, done, completed_at)
       SELECT r.id, ?, r.contact_id, r.owner_id, r.title, r.due_at, r.done, r.completed_at
       FROM jsonb_to_recordset(?::jsonb) AS r(id uuid, contact_id uuid, owner_id uuid, title text, due_at timestamptz, done boolean, completed_at timestamptz)`,
      [admin.tenantId, JSON.stringify(followUps)],
    );
    // When each closed deal was won or given up, as the CRM records a status change: lead
    // scoring takes its training features as of these moments, never after.
    const closed = demo.contacts
      .filter((c) => c.closedAt)
      .map((c) => {
        const owner = c.assignedToUserKey ? userIds.get(c.assignedToUserKey) : undefined;
        return {
          action: 'contact.status_changed',
          entityType: 'contact',
          entityId: contactIds.get(c.key)!,
          diff: { before: { status: 'PROSPECT' }, after: { status: c.status } },
          // the owner closed it, then (not the admin who runs the seed)
          actor: owner ? { userId: owner, role: 'SALES_REP' as const } : null,
          at: c.closedAt!,
        };
      });
    await writeAuditRows(em, admin, closed);
    const summary = summariseDemoTenant(demo, now);
    await writeAudit(em, admin, 'tenant.seeded', 'tenant', admin.tenantId, { after: { generator: 'demo', seed: options.seed ?? 42, ...summary } as never });
  });
  progress(followUps.length);
  await refreshStatistics(databaseOf(core.db), Number.MAX_SAFE_INTEGER, ['contacts', 'interactions', 'follow_ups', 'audit_log']);
  return { created: true, tenantId: admin.tenantId, slug: demo.tenant.slug, users, summary: summariseDemoTenant(demo, now) };
}
