import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCrmCore, type CrmCore } from '../crm-core.ts';
import { silentLogger } from '../logger.ts';
import { createTenantFixture, openTestDatabase, testDbKinds, type TenantFixture, type TestDatabase } from '../testing/index.ts';
import { createAnalyticsService, type AnalyticsService } from './analytics.service.ts';
import { seedPlantedTenant, type PlantedTenant } from './planted-tenant.fixture.ts';

const NOW = new Date('2026-06-30T12:00:00Z');
const DAY = 86_400_000;

describe.each(testDbKinds())('analytics metrics on %s', (kind) => {
  let t: TestDatabase;
  let core: CrmCore;
  let f: TenantFixture;
  let other: TenantFixture;
  let planted: PlantedTenant;
  let analytics: AnalyticsService;
  const last60 = { start: new Date(NOW.getTime() - 60 * DAY), end: NOW };

  beforeAll(async () => {
    t = await openTestDatabase(kind);
    core = createCrmCore({ db: t.db, logger: silentLogger() });
    f = await createTenantFixture(core);
    other = await createTenantFixture(core);
    planted = await seedPlantedTenant(core, f, { now: NOW });
    analytics = createAnalyticsService(t.db, { now: () => NOW });
  });
  afterAll(() => t.drop());

  it('computes every metric group in the Metric shape with period-over-period tests', async () => {
    const r = await analytics.metrics(f.manager, { dateRange: last60 });
    expect(r.scope).toBe('all');
    const byKey = new Map(r.metrics.map((m) => [m.key, m]));
    for (const key of ['pipeline:status=CUSTOMER', 'conversion_rate', 'lead_velocity', 'response_time', 'response_rate', 'sentiment']) {
      expect(byKey.get(key), key).toBeDefined();
    }
    const customers = byKey.get('pipeline:status=CUSTOMER')!;
    expect(customers.trend).toBe('UP');
    expect(customers.value).toBeGreaterThan(0);
    // Segment effects need the whole window: a 60-day cohort is too young and too small to show them.
    const all = await analytics.metrics(f.manager, { dateRange: { start: new Date(NOW.getTime() - planted.days * DAY), end: NOW }, groups: ['conversion'] });
    const segment = new Map(all.metrics.map((m) => [m.key, m]));
    const webinar = segment.get('conversion_rate:source=webinar')!;
    expect(webinar.value).toBeGreaterThan(webinar.benchmark! * 1.3);
    expect(webinar.sampleSize).toBeGreaterThan(30);
    const velocity = byKey.get('lead_velocity')!;
    expect(velocity.value).toBeGreaterThan(5);
    expect(velocity.value).toBeLessThan(35);
    const reply = byKey.get('response_time')!;
    expect(reply.unit).toBe('hours');
    expect(reply.value).toBeGreaterThan(4);
    expect(reply.value).toBeLessThan(3.2 * 24);
    const weak = segment.get(`conversion_rate:owner=${f.otherRep.userId}`)!;
    expect(weak.name).toContain('otherrep');
    expect(weak.value).toBeLessThan(weak.benchmark!);
    for (const m of r.metrics) {
      expect(m.confidence).toBeGreaterThanOrEqual(0);
      expect(m.confidence).toBeLessThanOrEqual(1);
      expect(['UP', 'DOWN', 'STABLE']).toContain(m.trend);
    }
  });

  it('the pipeline at the end equals the live status counts', async () => {
    const r = await analytics.metrics(f.admin, { dateRange: { start: new Date(NOW.getTime() - 30 * DAY), end: new Date(Date.now() + DAY) }, groups: ['pipeline'] });
    const [[live]] = await t.db.readAsTenant(f.tenantId, [{ sql: "SELECT count(*)::int AS n FROM contacts WHERE status = 'CUSTOMER'" }]);
    expect(r.metrics.find((m) => m.key === 'pipeline:status=CUSTOMER')!.value).toBe(live.n);
  });

  it('daily series sum to the stored rows and show the planted spike', async () => {
    const { points } = await analytics.daily(f.admin, { start: new Date(NOW.getTime() - planted.days * DAY - DAY), end: NOW });
    const total = points.reduce((s, p) => s + p.interactions, 0);
    expect(total).toBe(planted.interactions);
    const spike = points.find((p) => p.day === planted.spikeDay)!;
    const median = [...points.map((p) => p.inbound)].sort((a, b) => a - b)[points.length >> 1];
    expect(spike.inbound).toBeGreaterThan(4 * median);
  });

  it('a rep sees only their own book; another tenant sees nothing of this one', async () => {
    const mine = await analytics.metrics(f.rep, { dateRange: last60, groups: ['activity', 'conversion'] });
    expect(mine.scope).toBe('own');
    const activity = mine.metrics.filter((m) => m.group === 'activity');
    expect(activity.map((m) => m.key)).toEqual([`activity:user=${f.rep.userId}`]);
    expect(mine.metrics.some((m) => m.key.startsWith('conversion_rate:owner=') && !m.key.endsWith(f.rep.userId))).toBe(false);
    const theirs = await analytics.metrics(other.admin, { dateRange: last60 });
    expect(theirs.metrics.find((m) => m.key === 'conversion_rate')?.sampleSize ?? 0).toBe(0);
    expect(theirs.metrics.filter((m) => m.group === 'pipeline').every((m) => m.value === 0)).toBe(true);
  });

  it("ownerId: a manager reads one rep's numbers (the rep's own, exactly); a rep only their own; unknown users and bad ids named", async () => {
    const q = { dateRange: last60, groups: ['activity', 'conversion', 'velocity', 'pipeline'] as const };
    const own = await analytics.metrics(f.rep, { ...q, groups: [...q.groups] });
    const filtered = await analytics.metrics(f.manager, { ...q, groups: [...q.groups], ownerId: f.rep.userId });
    expect(filtered.scope).toBe('owner');
    expect(filtered.metrics).toEqual(own.metrics);
    const team = await analytics.metrics(f.manager, { ...q, groups: [...q.groups] });
    expect(team.metrics.find((m) => m.key === 'conversion_rate')!.sampleSize).toBeGreaterThan(filtered.metrics.find((m) => m.key === 'conversion_rate')!.sampleSize!);
    // the rep naming themself is their own scope; a manager naming themself too
    expect((await analytics.metrics(f.rep, { ...q, groups: ['activity'], ownerId: f.rep.userId })).scope).toBe('own');
    expect((await analytics.metrics(f.manager, { ...q, groups: ['activity'], ownerId: f.manager.userId })).scope).toBe('own');
    await expect(analytics.metrics(f.rep, { dateRange: last60, ownerId: f.otherRep.userId })).rejects.toMatchObject({ code: 'PERMISSION_DENIED' });
    await expect(analytics.metrics(f.manager, { dateRange: last60, ownerId: other.admin.userId })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(analytics.metrics(f.manager, { ownerId: 'me' })).rejects.toMatchObject({
      code: 'VALIDATION_FAILED',
      details: [expect.objectContaining({ path: 'ownerId', reason: 'must be a user id (UUID)' })],
    });
  });

  it('rejects a reversed date range naming the field', async () => {
    await expect(analytics.metrics(f.admin, { dateRange: { start: NOW, end: new Date(NOW.getTime() - DAY) } })).rejects.toMatchObject({
      code: 'VALIDATION_FAILED',
      details: [expect.objectContaining({ path: 'dateRange.start' })],
    });
  });
});
