import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { createAnalyticsService } from '../analytics/analytics.service.ts';
import { databaseOf } from '../db/database.ts';
import { inTenantTx } from '../db/tenant-tx.ts';
import { seedPlantedTenant, type PlantedTenant } from '../analytics/planted-tenant.fixture.ts';
import { createCrmCore, type CrmCore } from '../crm-core.ts';
import { silentLogger } from '../logger.ts';
import { createTenantFixture, openTestDatabase, testDbKinds, type TenantFixture, type TestDatabase } from '../testing/index.ts';
import { AIInsight, GenerateInsightsOutput } from './insight.schema.ts';
import { createInsightsService, type InsightsService } from './insights.service.ts';

const NOW = new Date('2026-06-30T12:00:00Z');
const DAY = 86_400_000;

describe.each(testDbKinds())('insights on planted data (%s)', (kind) => {
  let t: TestDatabase;
  let core: CrmCore;
  let f: TenantFixture;
  let planted: PlantedTenant;
  let insights: InsightsService;
  let out: GenerateInsightsOutput;
  const period = () => ({ start: new Date(NOW.getTime() - planted.days * DAY), end: NOW });

  beforeAll(async () => {
    t = await openTestDatabase(kind);
    core = createCrmCore({ db: t.db, logger: silentLogger() });
    f = await createTenantFixture(core);
    planted = await seedPlantedTenant(core, f, { now: NOW });
    insights = createInsightsService({ analytics: createAnalyticsService(t.db, { now: () => NOW }), now: () => NOW });
    out = await insights.generate(f.manager, { time_period: period() });
  });
  afterAll(() => t.drop());

  it('returns the document shape, each insight with its data points', () => {
    GenerateInsightsOutput.parse(out);
    for (const i of out.insights) {
      AIInsight.parse(i);
      expect(i.dataPoints.length).toBeGreaterThan(0);
      expect(i.recommendations.length).toBeGreaterThan(0);
    }
    expect(new Set(out.insights.map((i) => i.type))).toEqual(
      new Set(['TREND_ANALYSIS', 'ANOMALY_DETECTION', 'OPPORTUNITY_IDENTIFICATION', 'PERFORMANCE_COMPARISON', 'PREDICTIVE_FORECAST']),
    );
  });

  it('finds the planted growth of new contacts with a proper trend test', () => {
    const trend = out.trends.find((x) => x.metric === 'new_contacts')!;
    expect(trend.direction).toBe('UP');
    expect(trend.slopeLow).toBeGreaterThan(0);
    expect(out.insights.find((i) => i.id.startsWith('trend:new_contacts'))!.confidence).toBeGreaterThan(0.95);
  });

  it('finds the inbound spike on the planted day and no other inbound anomaly', () => {
    const spikes = out.insights.filter((i) => i.type === 'ANOMALY_DETECTION' && i.id.startsWith('anomaly:inbound:'));
    expect(spikes.map((i) => i.id.split(':')[2])).toEqual([planted.spikeDay]);
    expect(spikes[0].confidence).toBeGreaterThan(0.99);
  });

  it('finds webinar as the under-attended segment that converts ~2× and the underperforming rep', () => {
    const opp = out.insights.filter((i) => i.type === 'OPPORTUNITY_IDENTIFICATION').map((i) => i.id.split(':').slice(0, 3).join(':'));
    expect(opp).toContain('opportunity:source:webinar');
    expect(opp.every((id) => id.endsWith('webinar') || id.endsWith('webinar-q3'))).toBe(true);
    const perf = out.insights.filter((i) => i.type === 'PERFORMANCE_COMPARISON');
    const weak = perf.find((i) => i.id.startsWith(`performance:${f.otherRep.userId}`))!;
    expect(weak.title).toContain('converts below');
    expect(weak.confidence).toBeGreaterThan(0.95);
    expect(perf.filter((i) => i.title.includes('converts below'))).toHaveLength(1);
  });

  it('forecasts next week with an interval', () => {
    const fc = out.insights.find((i) => i.type === 'PREDICTIVE_FORECAST')!;
    expect(fc.title).toMatch(/Deals won next week: about [\d.,]+ \([\d.,]+–[\d.,]+\)/);
    expect(fc.dataPoints.filter((d) => d.startsWith('day +'))).toHaveLength(7);
  });

  it('lets a narrator rewrite the prose only, and survives a failing one', async () => {
    const rewritten = await createInsightsService({
      analytics: createAnalyticsService(t.db, { now: () => NOW }),
      now: () => NOW,
      narrator: async (d) => (d.type === 'TREND_ANALYSIS' ? { title: `Narrated: ${d.title}`, description: 'plain words' } : Promise.reject(new Error('model down'))),
    }).generate(f.manager, { time_period: period(), types: ['TREND_ANALYSIS', 'PREDICTIVE_FORECAST'] });
    const trend = rewritten.insights.find((i) => i.type === 'TREND_ANALYSIS')!;
    expect(trend.title).toMatch(/^Narrated: /);
    expect(trend.dataPoints.length).toBeGreaterThan(3);
    expect(rewritten.insights.find((i) => i.type === 'PREDICTIVE_FORECAST')!.title).not.toMatch(/Narrated/);
  });

  it('a segment narrows the analysis; a malformed one is refused by name', async () => {
    const webinar = await insights.generate(f.manager, { time_period: period(), customer_segment: 'source=webinar', types: ['PERFORMANCE_COMPARISON', 'TREND_ANALYSIS'] });
    expect(webinar.trends.length).toBeGreaterThan(0);
    await expect(insights.generate(f.manager, { customer_segment: 'webinar' })).rejects.toMatchObject({ code: 'VALIDATION_FAILED', details: [expect.objectContaining({ path: 'customer_segment' })] });
  });
});

describe.each(testDbKinds())('insights on a tenant with little history (%s)', (kind) => {
  let t: TestDatabase;
  let core: CrmCore;
  let f: TenantFixture;
  let insights: InsightsService;

  beforeAll(async () => {
    t = await openTestDatabase(kind);
    core = createCrmCore({ db: t.db, logger: silentLogger() });
    f = await createTenantFixture(core);
    insights = createInsightsService({ analytics: createAnalyticsService(t.db, { now: () => NOW }), now: () => NOW });
  });
  afterAll(() => t.drop());

  /** Contacts created `daysAgo` days before NOW (the API stamps now; history comes from an import). */
  const plant = (daysAgo: number[]) =>
    inTenantTx(databaseOf(core.db), f.admin, (em) =>
      em.execute(
        `INSERT INTO contacts (id, tenant_id, first_name, last_name, email, status, created_at, updated_at)
         SELECT r.id, ?, 'New', r.id::text, r.id::text || '@little.test', 'LEAD', r.created_at, r.created_at
         FROM jsonb_to_recordset(?::jsonb) AS r(id uuid, created_at timestamptz)`,
        [f.tenantId, JSON.stringify(daysAgo.map((d) => ({ id: randomUUID(), created_at: new Date(NOW.getTime() - d * DAY + 3_600_000) })))],
      ),
    );

  it('an empty tenant gets no "Deals won next week: about 0.0 (0.0–0.0)" but a note saying why, and the forecast and anomalies refuse by name', async () => {
    const out = await insights.generate(f.manager);
    expect(out.insights).toEqual([]);
    expect(out.note).toBe('Only 0 days of activity in the period (no contacts, interactions or conversions in the period): trends need 42 days (6 weeks), anomalies and forecasts 28, so none of them were computed yet.');
    await expect(insights.forecast(f.manager, {})).rejects.toMatchObject({
      code: 'VALIDATION_FAILED',
      details: [{ path: 'history_days', reason: 'needs at least 28 complete days of history to fit a weekly season, got 0 (no contacts, interactions or conversions in the period)' }],
    });
    await expect(insights.anomalies(f.manager, { metric: 'new_contacts' })).rejects.toMatchObject({ details: [{ path: 'date_range', reason: expect.stringMatching(/^needs at least 21 days with data, got 0/) }] });
  });

  it('ten days of contacts: the 80 quiet days before the first are not counted as data (no rising trend, no forecast)', async () => {
    await plant(Array.from({ length: 30 }, (_, i) => 10 - (i % 10)));
    const out = await insights.generate(f.manager);
    expect(out.insights.filter((i) => i.type === 'TREND_ANALYSIS' || i.type === 'PREDICTIVE_FORECAST' || i.type === 'ANOMALY_DETECTION')).toEqual([]);
    expect(out.trends).toEqual([]);
    expect(out.note).toMatch(/^Only 10 days of activity in the period \(the first activity in the period is on 2026-06-20\)/);
    await expect(insights.forecast(f.manager, { metric: 'new_contacts' })).rejects.toMatchObject({
      details: [{ path: 'history_days', reason: 'needs at least 28 complete days of history to fit a weekly season, got 10 (the first activity in the period is on 2026-06-20)' }],
    });
  });

  it('a month of contacts but never a deal won: no conversions forecast, and asking for one says there is nothing to forecast', async () => {
    await plant(Array.from({ length: 30 }, (_, i) => 40 - i));
    const out = await insights.generate(f.manager);
    expect(out.insights.filter((i) => i.type === 'PREDICTIVE_FORECAST')).toEqual([]);
    await expect(insights.forecast(f.manager, { metric: 'conversions' })).rejects.toMatchObject({ details: [{ path: 'metric', reason: expect.stringMatching(/^no deals won in the \d+ days of history: there is nothing to forecast/) }] });
    const contacts = await insights.forecast(f.manager, { metric: 'new_contacts' });
    expect(contacts.history_days).toBe(40);
  });
});
