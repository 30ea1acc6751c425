import { isDeepStrictEqual } from 'node:util';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { CreateContactInput } from '../contacts/contact.schema.ts';
import { INTERACTION_TYPES, LogInteractionInput, type Channel, type InteractionType } from '../interactions/interaction.schema.ts';
import { CreateUserInput, ROLES } from '../users/user.schema.ts';
import { generateDemoTenant, POST_SALE_TAG, summariseDemoTenant, type DemoInteraction, type DemoTenant } from './demo-generator.ts';

const NOW = new Date('2026-03-15T12:00:00Z');
const DAY = 86_400_000;
const CONTACT_ID = '3f1c2d4e-5a6b-4c7d-8e9f-0a1b2c3d4e5f';

const ALLOWED_CHANNELS: Record<InteractionType, readonly Channel[]> = {
  EMAIL: ['EMAIL'],
  PHONE_CALL: ['PHONE'],
  MEETING: ['IN_PERSON', 'PHONE', 'CHAT'],
  WEBSITE_VISIT: ['WEBSITE'],
  FORM_SUBMISSION: ['WEBSITE'],
  SOCIAL_MEDIA: ['LINKEDIN', 'TWITTER', 'FACEBOOK'],
  CHAT: ['CHAT'],
};

/** Mann–Whitney ROC AUC: the chance a random positive outscores a random negative (ties count half). */
function rocAuc(positives: number[], negatives: number[]): number {
  let wins = 0;
  for (const p of positives) for (const n of negatives) wins += p > n ? 1 : p === n ? 0.5 : 0;
  return wins / (positives.length * negatives.length);
}

function byContact(t: DemoTenant): Map<string, DemoInteraction[]> {
  const map = new Map<string, DemoInteraction[]>();
  for (const i of t.interactions) {
    const list = map.get(i.contactKey) ?? [];
    list.push(i);
    map.set(i.contactKey, list);
  }
  return map;
}

let tenant: DemoTenant;
beforeAll(() => {
  tenant = generateDemoTenant({ now: NOW });
});
afterEach(() => {
  vi.restoreAllMocks();
  vi.useRealTimers();
});

describe('generateDemoTenant: determinism', () => {
  it('gives deep-equal, byte-identical output for the same seed', () => {
    const again = generateDemoTenant({ now: NOW, seed: 42 });
    // A readable diff for the first records, then whole-tenant checks that stay fast on 10 MB of data.
    expect(again.contacts.slice(0, 20)).toEqual(tenant.contacts.slice(0, 20));
    expect(isDeepStrictEqual(again, tenant)).toBe(true);
    expect(JSON.stringify(again) === JSON.stringify(tenant)).toBe(true);
  });

  it('reads neither the clock nor Math.random', () => {
    const random = vi.spyOn(Math, 'random');
    vi.useFakeTimers({ now: new Date('2031-01-01T00:00:00Z') });
    // Fake timers swap the Date class, so compare serialised values rather than prototypes.
    const underFakeClock = JSON.stringify(generateDemoTenant({ now: NOW, seed: 42 }));
    expect(random).not.toHaveBeenCalled();
    expect(underFakeClock === JSON.stringify(tenant)).toBe(true);
  });

  it('gives different data for a different seed', () => {
    const other = generateDemoTenant({ now: NOW, seed: 43 });
    expect(other.contacts.map((c) => c.input.email)).not.toEqual(tenant.contacts.map((c) => c.input.email));
    expect(JSON.stringify(other) === JSON.stringify(tenant)).toBe(false);
  });

  it('with `stable`, gives the same tenant at any clock time, moved by whole days and never after now', () => {
    const at = ['2026-11-29T02:41:00Z', '2026-11-29T23:59:00Z', '2026-12-03T17:05:00Z'].map((t) => new Date(t));
    const [a, ...others] = at.map((now) => generateDemoTenant({ now, contacts: 150, seed: 5, stable: true }));
    for (const [k, b] of others.entries()) {
      const shift = b.contacts[0].createdAt.getTime() - a.contacts[0].createdAt.getTime();
      expect(shift % DAY).toBe(0);
      expect(b.contacts.map((c) => [c.input.email, c.status, c.createdAt.getTime() - shift])).toEqual(a.contacts.map((c) => [c.input.email, c.status, c.createdAt.getTime()]));
      expect(b.interactions.map((i) => [i.input.type, i.input.occurredAt.getTime() - shift])).toEqual(a.interactions.map((i) => [i.input.type, i.input.occurredAt.getTime()]));
      expect(b.followUps.map((f) => f.dueAt.getTime() - shift)).toEqual(a.followUps.map((f) => f.dueAt.getTime()));
      expect(Math.max(...b.interactions.map((i) => i.input.occurredAt.getTime()))).toBeLessThanOrEqual(at[k + 1].getTime());
    }
    // without it, the clock time changes the tenant (fixed dates in tests and evaluations keep theirs)
    const plain = at.map((now) => generateDemoTenant({ now, contacts: 150, seed: 5 }));
    expect(plain[1].contacts.map((c) => c.status)).not.toEqual(plain[0].contacts.map((c) => c.status));
  });

  it('honours the size options and rejects a missing now', () => {
    const small = generateDemoTenant({ now: NOW, contacts: 100, interactionsPerContactMean: 5, seed: 7 });
    expect(small.contacts).toHaveLength(100);
    expect(small.interactions.length / 100).toBeGreaterThan(3);
    expect(small.interactions.length / 100).toBeLessThan(8);
    expect(() => generateDemoTenant({ now: new Date('nope') })).toThrow(/now/);
  });
});

describe('generateDemoTenant: shape and schema validity', () => {
  it('has the expected sizes, roles and campaigns', () => {
    expect(tenant.tenant).toEqual({ name: 'Brightwave Digital', slug: 'brightwave-digital' });
    expect(tenant.contacts).toHaveLength(2000);
    expect(tenant.interactions.length).toBeGreaterThanOrEqual(15_000);
    expect(tenant.interactions.length).toBeLessThanOrEqual(25_000);
    const roles = tenant.users.map((u) => u.role);
    for (const role of ROLES) expect(roles).toContain(role);
    expect(roles.filter((r) => r === 'SALES_REP')).toHaveLength(4);
    expect(roles.filter((r) => r === 'ADMIN')).toHaveLength(1);
    expect(tenant.campaigns.length).toBeGreaterThanOrEqual(6);
    expect(tenant.campaigns.length).toBeLessThanOrEqual(12);
    for (const c of tenant.campaigns) {
      expect(c.id).toMatch(/^cmp-\d{4}-q[1-4]-[a-z0-9-]+$/);
      expect(c.startedAt.getTime()).toBeGreaterThan(NOW.getTime() - 365 * DAY);
    }
  });

  it('produces users, contacts and interactions that pass the zod schemas', () => {
    for (const u of tenant.users) {
      const { key, ...input } = u;
      expect(key).toBeTruthy();
      expect(CreateUserInput.parse(input)).toEqual(input);
      expect(u.email.endsWith('@brightwave.example')).toBe(true);
    }
    for (const c of tenant.contacts) {
      const parsed = CreateContactInput.parse(c.input);
      expect(parsed.email).toBe(c.input.email);
      expect(c.input.assignedTo).toBeUndefined();
    }
    for (const i of tenant.interactions) {
      const r = LogInteractionInput.safeParse({ ...i.input, contactId: CONTACT_ID });
      if (!r.success) throw new Error(`${i.contactKey}: ${JSON.stringify(r.error.issues)} in ${JSON.stringify(i.input)}`);
    }
  });

  it('keeps contact keys and emails unique, lowercase, with both corporate and free mailboxes', () => {
    const emails = tenant.contacts.map((c) => c.input.email);
    expect(new Set(emails).size).toBe(emails.length);
    expect(new Set(tenant.contacts.map((c) => c.key)).size).toBe(tenant.contacts.length);
    for (const e of emails) expect(e).toBe(e.toLowerCase());
    const free = emails.filter((e) => /@(gmail|yahoo|outlook)\.com$/.test(e)).length;
    expect(free / emails.length).toBeGreaterThan(0.08);
    expect(free / emails.length).toBeLessThan(0.4);
    const positions = tenant.contacts.map((c) => c.input.position ?? '');
    for (const word of [/chief|ceo|founder|owner/i, /\bvp\b/i, /director|head of/i, /manager/i, /specialist|coordinator|associate/i, /intern/i]) {
      expect(positions.some((p) => word.test(p))).toBe(true);
    }
  });

  it('links every interaction and follow-up to a known contact and user', () => {
    const contacts = new Set(tenant.contacts.map((c) => c.key));
    const users = new Set(tenant.users.map((u) => u.key));
    const reps = new Set(tenant.users.filter((u) => u.role === 'SALES_REP').map((u) => u.key));
    for (const c of tenant.contacts) if (c.assignedToUserKey) expect(reps.has(c.assignedToUserKey)).toBe(true);
    const dangling = tenant.interactions.filter((i) => !contacts.has(i.contactKey) || (i.userKey !== undefined && !users.has(i.userKey)));
    expect(dangling).toEqual([]);
    for (const f of tenant.followUps) {
      expect(contacts.has(f.contactKey)).toBe(true);
      expect(users.has(f.ownerKey)).toBe(true);
    }
  });

  it('uses all interaction types with matching channels, durations and sentiment', () => {
    const types = new Set(tenant.interactions.map((i) => i.input.type));
    for (const t of INTERACTION_TYPES) expect(types.has(t)).toBe(true);
    const directions = new Set(tenant.interactions.map((i) => i.input.direction));
    expect(directions).toEqual(new Set(['INBOUND', 'OUTBOUND']));
    const problems: string[] = [];
    for (const { input } of tenant.interactions) {
      const talk = input.type === 'PHONE_CALL' || input.type === 'MEETING';
      if (!ALLOWED_CHANNELS[input.type].includes(input.channel)) problems.push(`${input.type} on ${input.channel}`);
      if (talk !== (input.duration !== undefined && input.duration > 0)) problems.push(`${input.type} duration ${input.duration}`);
      if (input.sentiment && !['EMAIL', 'PHONE_CALL', 'MEETING'].includes(input.type)) problems.push(`${input.type} has sentiment`);
      if (input.type === 'EMAIL' && !input.sentiment) problems.push('EMAIL without sentiment');
      if (!input.subject || (input.content ?? '').length < 10) problems.push(`${input.type} without subject/content`);
    }
    expect(problems).toEqual([]);
    // Templated notes, but not a handful of strings repeated 20,000 times.
    expect(new Set(tenant.interactions.map((i) => i.input.content)).size).toBeGreaterThan(5_000);
  });
});

describe('generateDemoTenant: time', () => {
  it('places everything in the 12 months before now, ordered per contact, interactions after creation', () => {
    const from = NOW.getTime() - 365 * DAY;
    const timelines = byContact(tenant);
    const problems: string[] = [];
    for (const c of tenant.contacts) {
      const created = c.createdAt.getTime();
      if (created < from || created >= NOW.getTime()) problems.push(`${c.key} created ${c.createdAt.toISOString()}`);
      let previous = created;
      for (const i of timelines.get(c.key) ?? []) {
        const at = i.input.occurredAt.getTime();
        if (at <= created || at >= NOW.getTime() || at < previous) problems.push(`${c.key} ${i.input.type} at ${i.input.occurredAt.toISOString()}`);
        previous = at;
      }
    }
    expect(problems).toEqual([]);
  });

  it('flags exactly the interactions at or after a win as post-sale, and nothing follows a loss', () => {
    const timelines = byContact(tenant);
    const problems: string[] = [];
    for (const c of tenant.contacts) {
      const list = timelines.get(c.key) ?? [];
      if (list.length === 0) problems.push(`${c.key} has no interactions`);
      const closed = c.closedAt?.getTime() ?? Infinity;
      for (const i of list) {
        const post = i.input.tags?.includes(POST_SALE_TAG) ?? false;
        const at = i.input.occurredAt.getTime();
        if (post !== (c.outcome === 'converted' && at >= closed)) problems.push(`${c.key} ${c.outcome} post-sale=${post} at ${i.input.occurredAt.toISOString()}`);
        if (c.outcome === 'lost' && at >= closed) problems.push(`${c.key} touched after being lost`);
      }
      if (c.outcome === 'converted' && !list.some((i) => i.input.tags?.includes('closed-won'))) problems.push(`${c.key} won without a closing email`);
    }
    expect(problems).toEqual([]);
  });

  it('maps outcomes to statuses and leaves young contacts mostly open', () => {
    for (const c of tenant.contacts) {
      const expected = { converted: ['CUSTOMER'], lost: ['INACTIVE'], open: ['LEAD', 'PROSPECT'] }[c.outcome];
      expect(expected).toContain(c.status);
      expect(c.closedAt !== undefined).toBe(c.outcome !== 'open');
      if (c.closedAt) expect(c.closedAt.getTime()).toBeLessThan(NOW.getTime());
    }
    const young = tenant.contacts.filter((c) => NOW.getTime() - c.createdAt.getTime() < 60 * DAY);
    const old = tenant.contacts.filter((c) => NOW.getTime() - c.createdAt.getTime() > 120 * DAY);
    const openShare = (list: typeof young) => list.filter((c) => c.outcome === 'open').length / list.length;
    expect(openShare(young)).toBeGreaterThan(0.6);
    expect(openShare(old)).toBeLessThan(0.4);
  });

  it('has ~300 follow-ups: some done, some overdue, some due within a week', () => {
    const s = summariseDemoTenant(tenant, NOW);
    expect(s.followUps.total).toBeGreaterThanOrEqual(250);
    expect(s.followUps.total).toBeLessThanOrEqual(350);
    expect(s.followUps.done).toBeGreaterThan(30);
    expect(s.followUps.overdue).toBeGreaterThan(30);
    const dueSoon = tenant.followUps.filter((f) => !f.done && f.dueAt >= NOW && f.dueAt.getTime() < NOW.getTime() + 7 * DAY);
    expect(dueSoon.length).toBeGreaterThan(30);
    const created = new Map(tenant.contacts.map((c) => [c.key, c.createdAt.getTime()]));
    for (const f of tenant.followUps) {
      expect(f.dueAt.getTime()).toBeGreaterThan(created.get(f.contactKey)!);
      if (f.done) expect(f.dueAt.getTime()).toBeLessThan(NOW.getTime());
    }
  });
});

describe('generateDemoTenant: outcomes are learnable but noisy', () => {
  it('converts referrals and partners far better than cold outbound', () => {
    const s = summariseDemoTenant(tenant, NOW);
    const rate = (source: string) => s.conversionBySource[source].conversionRate;
    expect(rate('referral')).toBeGreaterThan(2 * rate('cold_outbound'));
    expect(rate('webinar')).toBeGreaterThan(rate('cold_outbound'));
    expect(rate('partner')).toBeGreaterThan(rate('paid_search'));
    expect(rate('cold_outbound')).toBeGreaterThan(0);
    expect(Object.values(s.byStatus).reduce((a, b) => a + b, 0)).toBe(2000);
    expect(Object.values(s.bySource).reduce((a, b) => a + b, 0)).toBe(2000);
    expect(Object.values(s.byInteractionType).reduce((a, b) => a + b, 0)).toBe(tenant.interactions.length);
  });

  it('lets a hand-written engagement score rank wins above losses, imperfectly', () => {
    const timelines = byContact(tenant);
    const score = (key: string) =>
      (timelines.get(key) ?? [])
        .filter((i) => !i.input.tags?.includes(POST_SALE_TAG))
        .filter((i) => (i.input.type === 'MEETING' && i.input.direction === 'INBOUND') || i.input.type === 'FORM_SUBMISSION').length;
    const won = tenant.contacts.filter((c) => c.outcome === 'converted').map((c) => score(c.key));
    const lost = tenant.contacts.filter((c) => c.outcome === 'lost').map((c) => score(c.key));
    expect(won.length).toBeGreaterThan(150);
    expect(lost.length).toBeGreaterThan(300);
    const auc = rocAuc(won, lost);
    expect(auc).toBeGreaterThan(0.65);
    expect(auc).toBeLessThan(0.95);
  });
});
