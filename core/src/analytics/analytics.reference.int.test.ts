/**
 * The optimised SQL (covering index, no contact join without a filter, per-contact touch counts,
 * parallel read lanes, time-zone days) against a straightforward computation over every raw row of
 * a generated tenant, in a time zone that is not UTC.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCrmCore, type CrmCore } from '../crm-core.ts';
import { silentLogger } from '../logger.ts';
import { createTenantFixture, openTestDatabase, testDbKinds, type TenantFixture, type TestDatabase } from '../testing/index.ts';
import { createAnalyticsService, type AnalyticsService } from './analytics.service.ts';
import { seedPlantedTenant } from './planted-tenant.fixture.ts';

const NOW = new Date('2026-03-31T18:30:00Z');
const ZONE = 'America/New_York';

interface Contact { id: string; created_at: Date; status: string; source: string; assigned_to: string | null }
interface Interaction { id: string; contact_id: string; user_id: string | null; direction: string; created_at: Date; score: number | null }

describe.each(testDbKinds())('analytics SQL equals a direct computation over the raw rows (%s)', (kind) => {
  let t: TestDatabase;
  let core: CrmCore;
  let f: TenantFixture;
  let analytics: AnalyticsService;
  let contacts: Contact[];
  let interactions: Interaction[];
  let converted: Map<string, Date>;
  // Spans the 8 March 2026 DST switch in New York: one 23-hour local day.
  const range = { start: new Date('2026-02-20T05:00:00Z'), end: new Date('2026-03-25T04:00:00Z') };
  const inRange = (d: Date, r: { start: Date; end: Date }) => d >= r.start && d < r.end;

  beforeAll(async () => {
    t = await openTestDatabase(kind);
    core = createCrmCore({ db: t.db, logger: silentLogger() });
    f = await createTenantFixture(core);
    await seedPlantedTenant(core, f, { now: NOW, days: 150, seed: 11 });
    await t.db.writeAsTenant(f.tenantId, [{ sql: `UPDATE tenants SET time_zone = '${ZONE}' WHERE id = crm_current_tenant()` }]);
    analytics = createAnalyticsService(t.db, { now: () => NOW });
    const [c, i, a] = await t.db.readAsTenant(f.tenantId, [
      { sql: 'SELECT id::text, created_at, status, source, assigned_to::text FROM contacts' },
      { sql: "SELECT id::text, contact_id::text, user_id::text, direction, created_at, (sentiment->>'score')::float8 AS score FROM interactions" },
      { sql: "SELECT entity_id::text, created_at FROM audit_log WHERE action = 'contact.status_changed' AND diff->'after'->>'status' = 'CUSTOMER'" },
    ]);
    contacts = c.map((r) => ({ ...(r as unknown as Contact), created_at: new Date(r.created_at as string) }));
    interactions = i.map((r) => ({ ...(r as unknown as Interaction), created_at: new Date(r.created_at as string) }));
    converted = new Map();
    for (const r of a) {
      const at = new Date(r.created_at as string);
      const before = converted.get(r.entity_id as string);
      if (!before || at < before) converted.set(r.entity_id as string, at);
    }
  }, 120_000);
  afterAll(() => t.drop());

  it('activity, sentiment, response rate, conversion and pipeline match', async () => {
    const { metrics } = await analytics.metrics(f.manager, { dateRange: range });
    const byKey = new Map(metrics.map((m) => [m.key, m]));

    const users = new Set(interactions.filter((x) => x.user_id && inRange(x.created_at, range)).map((x) => x.user_id!));
    expect(users.size).toBeGreaterThan(1);
    for (const u of users) {
      const n = interactions.filter((x) => x.user_id === u && inRange(x.created_at, range)).length;
      expect(byKey.get(`activity:user=${u}`)?.value, u).toBe(n);
    }

    const scored = interactions.filter((x) => x.score !== null && inRange(x.created_at, range));
    const sentiment = byKey.get('sentiment')!;
    expect(sentiment.sampleSize).toBe(scored.length);
    expect(sentiment.value).toBeCloseTo(scored.reduce((s, x) => s + x.score!, 0) / scored.length, 4);

    const order = (a: Interaction, b: Interaction) => a.created_at.getTime() - b.created_at.getTime() || (a.id < b.id ? -1 : 1);
    const byContact = new Map<string, Interaction[]>();
    for (const x of [...interactions].sort(order)) byContact.set(x.contact_id, [...(byContact.get(x.contact_id) ?? []), x]);
    const inbound = interactions.filter((x) => x.direction === 'INBOUND' && inRange(x.created_at, range));
    const answered = inbound.filter((x) => {
      const list = byContact.get(x.contact_id)!;
      return list.slice(list.indexOf(x) + 1).some((y) => y.direction === 'OUTBOUND');
    });
    const rate = byKey.get('response_rate')!;
    expect(rate.sampleSize).toBe(inbound.length);
    expect(rate.value).toBeCloseTo(answered.length / inbound.length, 4);

    const cohort = contacts.filter((c) => inRange(c.created_at, range));
    const won = cohort.filter((c) => {
      const at = converted.get(c.id) ?? (c.status === 'CUSTOMER' ? c.created_at : undefined);
      return at !== undefined && at < range.end;
    });
    expect(byKey.get('conversion_rate')!.sampleSize).toBe(cohort.length);
    expect(byKey.get('conversion_rate')!.value).toBeCloseTo(won.length / cohort.length, 4);

    // Status at the end of the range: CUSTOMER once converted before it (the planted rows convert PROSPECT → CUSTOMER only).
    const customersAtEnd = contacts.filter((c) => c.created_at < range.end && c.status === 'CUSTOMER' && (converted.get(c.id) ?? c.created_at) <= range.end).length;
    expect(byKey.get('pipeline:status=CUSTOMER')!.value).toBe(customersAtEnd);
  });

  it('a rep sees exactly their own interactions and contacts', async () => {
    const { metrics } = await analytics.metrics(f.rep, { dateRange: range, groups: ['activity', 'sentiment'] });
    const mine = interactions.filter((x) => x.user_id === f.rep.userId && inRange(x.created_at, range)).length;
    expect(metrics.find((m) => m.key === `activity:user=${f.rep.userId}`)!.value).toBe(mine);
    const owned = new Set(contacts.filter((c) => c.assigned_to === f.rep.userId).map((c) => c.id));
    const scored = interactions.filter((x) => owned.has(x.contact_id) && x.score !== null && inRange(x.created_at, range));
    expect(metrics.find((m) => m.key === 'sentiment')!.sampleSize).toBe(scored.length);
  });

  it('daily series are calendar days of the tenant zone, DST day included', async () => {
    const local = new Intl.DateTimeFormat('en-CA', { timeZone: ZONE, year: 'numeric', month: '2-digit', day: '2-digit' });
    const { points, timeZone } = await analytics.daily(f.admin, range);
    expect(timeZone).toBe(ZONE);
    // 2026-02-20 00:00 New York … 2026-03-25 00:00 New York (EDT from 8 March): 33 whole local days.
    expect(points[0].day).toBe('2026-02-20');
    expect(points.at(-1)!.day).toBe('2026-03-24');
    expect(points).toHaveLength(33);
    const expected = new Map<string, { n: number; inbound: number }>();
    for (const x of interactions.filter((y) => inRange(y.created_at, range))) {
      const d = local.format(x.created_at);
      const e = expected.get(d) ?? { n: 0, inbound: 0 };
      e.n++;
      if (x.direction === 'INBOUND') e.inbound++;
      expected.set(d, e);
    }
    for (const p of points) {
      expect(p.interactions, p.day).toBe(expected.get(p.day)?.n ?? 0);
      expect(p.inbound, p.day).toBe(expected.get(p.day)?.inbound ?? 0);
    }
    const newContacts = contacts.filter((c) => inRange(c.created_at, range) && local.format(c.created_at) === '2026-03-08').length;
    expect(points.find((p) => p.day === '2026-03-08')!.newContacts).toBe(newContacts);
  });

  it('segment touches count every interaction of the cohort before the end', async () => {
    const rows = await analytics.segments(f.admin, range);
    const cohort = contacts.filter((c) => inRange(c.created_at, range));
    for (const source of new Set(cohort.map((c) => c.source))) {
      const ids = new Set(cohort.filter((c) => c.source === source).map((c) => c.id));
      const touches = interactions.filter((x) => ids.has(x.contact_id) && x.created_at < range.end).length;
      const row = rows.find((r) => r.dim === 'source' && r.key === source)!;
      expect(row.trials, source).toBe(ids.size);
      expect(row.touches, source).toBe(touches);
    }
  });
});
