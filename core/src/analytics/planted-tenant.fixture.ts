/**
 * A tenant with effects planted on purpose, for the analytics and insights tests:
 *  - new leads double over the window (a trend) on a weekday/weekend pattern;
 *  - `webinar` leads convert about twice as often as other sources but get fewer touches;
 *  - `otherRep` converts about a third as often as the rest of the team;
 *  - inbound interactions spike 5× on one day (`spikeDay`), ten days before `now`.
 * Rows go in set-wise as the tenant (RLS applies); status changes are audit rows like the CRM's own.
 */
import { databaseOf } from '../db/database.ts';
import { randomUUID } from 'node:crypto';
import type { CrmCore } from '../crm-core.ts';
import { inTenantTx } from '../db/tenant-tx.ts';
import type { TenantFixture } from '../testing/fixtures.ts';
import { createRandom } from '../scoring/ml/random.ts';

const DAY = 86_400_000;
const SOURCES = ['website', 'referral', 'linkedin', 'webinar', 'paid_search'] as const;

function poisson(random: () => number, lambda: number): number {
  const l = Math.exp(-lambda);
  let k = 0;
  let p = 1;
  do {
    k++;
    p *= random();
  } while (p > l);
  return k - 1;
}

export interface PlantedTenant {
  now: Date;
  days: number;
  spikeDay: string;
  contacts: number;
  interactions: number;
}

export async function seedPlantedTenant(core: CrmCore, f: TenantFixture, options: { now: Date; days?: number; seed?: number; scale?: number }): Promise<PlantedTenant> {
  const random = createRandom(options.seed ?? 7);
  const days = options.days ?? 120;
  const scale = options.scale ?? 1;
  // Days aligned to UTC midnight so the spike lands on one calendar day.
  const start = Math.floor((options.now.getTime() - days * DAY) / DAY) * DAY;
  const owners = [f.admin.userId, f.manager.userId, f.rep.userId, f.otherRep.userId];
  const weekday = [1.2, 1.3, 1.2, 1.1, 1, 0.4, 0.3];
  const spikeIndex = days - 10;
  const contacts: Record<string, unknown>[] = [];
  const interactions: Record<string, unknown>[] = [];
  const audit: Record<string, unknown>[] = [];
  for (let d = 0; d < days; d++) {
    const dayStart = start + d * DAY;
    const dow = new Date(dayStart).getUTCDay();
    const n = poisson(random, 6 * scale * weekday[(dow + 6) % 7] * (1 + d / days));
    for (let k = 0; k < n; k++) {
      const id = randomUUID();
      const source = SOURCES[Math.floor(random() * SOURCES.length)];
      const owner = owners[Math.floor(random() * owners.length)];
      const createdAt = dayStart + random() * DAY;
      let p = source === 'webinar' ? 0.36 : 0.18;
      if (owner === f.otherRep.userId) p /= 3;
      const convAt = random() < p ? createdAt + (5 + random() * 30) * DAY : undefined;
      const won = convAt !== undefined && convAt < options.now.getTime();
      contacts.push({ id, first_name: 'P', last_name: `C${contacts.length}`, email: `c${contacts.length}@planted.test`, source, assigned_to: owner, status: won ? 'CUSTOMER' : 'PROSPECT', created_at: new Date(createdAt), metadata: { campaignId: source === 'webinar' ? 'webinar-q3' : 'always-on' } });
      if (won) audit.push({ entity_id: id, actor_id: owner, diff: { before: { status: 'PROSPECT' }, after: { status: 'CUSTOMER' } }, created_at: new Date(convAt) });
      // Webinar leads get fewer touches: the under-attended segment.
      const touches = 1 + poisson(random, source === 'webinar' ? 1.5 : 3.5);
      let at = createdAt;
      for (let t = 0; t < touches && at < options.now.getTime(); t++) {
        const inbound = t % 2 === 0;
        interactions.push({ id: randomUUID(), contact_id: id, user_id: inbound ? null : owner, type: 'EMAIL', channel: 'EMAIL', direction: inbound ? 'INBOUND' : 'OUTBOUND', content: inbound ? 'Question about pricing' : 'Reply with details', sentiment: { score: Math.round((random() * 1.2 - 0.3) * 100) / 100, confidence: 0.7, emotions: [] }, created_at: new Date(at) });
        at += (0.2 + random() * 3) * DAY;
      }
    }
    if (d === spikeIndex) {
      // A burst of inbound questions on existing contacts (e.g. an outage) — the anomaly.
      const pool = contacts.slice(-200);
      for (let k = 0; k < 6 * 4 * 5 * scale; k++) {
        const c = pool[Math.floor(random() * pool.length)];
        interactions.push({ id: randomUUID(), contact_id: c.id, user_id: null, type: 'CHAT', channel: 'CHAT', direction: 'INBOUND', content: 'Your service is down', sentiment: { score: -0.7, confidence: 0.8, emotions: ['anger'] }, created_at: new Date(Math.max(dayStart + random() * DAY, (c.created_at as Date).getTime())) });
      }
    }
  }
  const chunk = <T>(xs: T[], size = 2000) => Array.from({ length: Math.ceil(xs.length / size) }, (_, i) => xs.slice(i * size, (i + 1) * size));
  for (const part of chunk(contacts)) {
    await inTenantTx(databaseOf(core.db), f.admin, (em) =>
      em.execute(
        `INSERT INTO contacts (id, tenant_id, first_name, last_name, email, source, assigned_to, status, metadata, created_at, updated_at)
         SELECT r.id, ?, r.first_name, r.last_name, r.email, r.source, r.assigned_to, r.status, r.metadata, r.created_at, r.created_at
         FROM jsonb_to_recordset(?::jsonb) AS r(id uuid, first_name text, last_name text, email text, source text, assigned_to uuid, status text, metadata jsonb, created_at timestamptz)`,
        [f.tenantId, JSON.stringify(part)],
      ),
    );
  }
  for (const part of chunk(interactions)) {
    await inTenantTx(databaseOf(core.db), f.admin, (em) =>
      em.execute(
        `INSERT INTO interactions (id, tenant_id, contact_id, user_id, type, channel, direction, content, sentiment, created_at)
         SELECT r.id, ?, r.contact_id, r.user_id, r.type, r.channel, r.direction, r.content, r.sentiment, r.created_at
         FROM jsonb_to_recordset(?::jsonb) AS r(id uuid, contact_id uuid, user_id uuid, type text, channel text, direction text, content text, sentiment jsonb, created_at timestamptz)`,
        [f.tenantId, JSON.stringify(part)],
      ),
    );
  }
  for (const part of chunk(audit)) {
    await inTenantTx(databaseOf(core.db), f.admin, (em) =>
      em.execute(
        `INSERT INTO audit_log (tenant_id, actor_id, actor_role, action, entity_type, entity_id, diff, created_at)
         SELECT ?, r.actor_id, 'SALES_REP', 'contact.status_changed', 'contact', r.entity_id, r.diff, r.created_at
         FROM jsonb_to_recordset(?::jsonb) AS r(entity_id uuid, actor_id uuid, diff jsonb, created_at timestamptz)`,
        [f.tenantId, JSON.stringify(part)],
      ),
    );
  }
  const spikeDay = new Date(start + spikeIndex * DAY).toISOString().slice(0, 10);
  return { now: options.now, days, spikeDay, contacts: contacts.length, interactions: interactions.length };
}
