import { CONTACT_STATUSES, type ContactStatus } from '../contacts/contact.schema.ts';
import { INTERACTION_TYPES, type InteractionType } from '../interactions/interaction.schema.ts';
import type { DemoOutcome, DemoTenant } from './demo-generator.ts';
import { POST_SALE_TAG } from './demo-interactions.ts';
import { SOURCES } from './demo-vocabulary.ts';

export interface SourceConversion {
  contacts: number;
  converted: number;
  lost: number;
  open: number;
  /** converted / contacts */
  conversionRate: number;
  /** converted / (converted + lost): share of closed deals that were won. */
  winRate: number;
}

export interface DemoTenantSummary {
  users: number;
  campaigns: number;
  contacts: number;
  interactions: number;
  postSaleInteractions: number;
  followUps: { total: number; done: number; overdue: number; upcoming: number };
  byStatus: Record<ContactStatus, number>;
  byOutcome: Record<DemoOutcome, number>;
  bySource: Record<string, number>;
  byInteractionType: Record<InteractionType, number>;
  conversionBySource: Record<string, SourceConversion>;
}

const rate = (n: number, d: number) => (d === 0 ? 0 : Math.round((n / d) * 1000) / 1000);

/** Counts for READMEs and tests. Overdue vs upcoming follow-ups are split at `now` (default: the latest interaction). */
export function summariseDemoTenant(t: DemoTenant, now?: Date): DemoTenantSummary {
  const byStatus = Object.fromEntries(CONTACT_STATUSES.map((s) => [s, 0])) as Record<ContactStatus, number>;
  const byOutcome: Record<DemoOutcome, number> = { converted: 0, lost: 0, open: 0 };
  const byInteractionType = Object.fromEntries(INTERACTION_TYPES.map((s) => [s, 0])) as Record<InteractionType, number>;
  const bySource: Record<string, number> = {};
  const conv: Record<string, SourceConversion> = {};
  for (const s of SOURCES) conv[s] = { contacts: 0, converted: 0, lost: 0, open: 0, conversionRate: 0, winRate: 0 };

  for (const c of t.contacts) {
    const source = c.input.source ?? 'unknown';
    byStatus[c.status]++;
    byOutcome[c.outcome]++;
    bySource[source] = (bySource[source] ?? 0) + 1;
    conv[source] ??= { contacts: 0, converted: 0, lost: 0, open: 0, conversionRate: 0, winRate: 0 };
    conv[source].contacts++;
    conv[source][c.outcome]++;
  }
  for (const s of Object.values(conv)) {
    s.conversionRate = rate(s.converted, s.contacts);
    s.winRate = rate(s.converted, s.converted + s.lost);
  }
  let postSale = 0;
  let latest = 0;
  for (const i of t.interactions) {
    byInteractionType[i.input.type]++;
    if (i.input.tags?.includes(POST_SALE_TAG)) postSale++;
    latest = Math.max(latest, i.input.occurredAt.getTime());
  }
  const nowMs = now?.getTime() ?? latest;
  const open = t.followUps.filter((f) => !f.done);
  return {
    users: t.users.length,
    campaigns: t.campaigns.length,
    contacts: t.contacts.length,
    interactions: t.interactions.length,
    postSaleInteractions: postSale,
    followUps: {
      total: t.followUps.length,
      done: t.followUps.length - open.length,
      overdue: open.filter((f) => f.dueAt.getTime() < nowMs).length,
      upcoming: open.filter((f) => f.dueAt.getTime() >= nowMs).length,
    },
    byStatus,
    byOutcome,
    bySource,
    byInteractionType,
    conversionBySource: conv,
  };
}
