import { seedPlantedTenant, testDbKinds, type PlantedTenant } from '@crm/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { failed, ok, openHarness, type Connected, type Harness } from '../testing/harness.ts';

const DAY = 86_400_000;
// The planted history ends yesterday so "the last N complete days" (the tools' default) covers it.
const NOW = new Date(Math.floor(Date.now() / DAY) * DAY - 1);

describe.each(testDbKinds())('insights MCP server on %s', (kind) => {
  let h: Harness;
  let manager: Connected;
  let rep: Connected;
  let planted: PlantedTenant;
  let contactId: string;

  beforeAll(async () => {
    h = await openHarness(kind);
    planted = await seedPlantedTenant(h.core, h.f, { now: NOW });
    manager = await h.connect(h.f.manager, { server: 'insights' });
    rep = await h.connect(h.f.rep, { server: 'insights' });
    const c = await h.core.contacts.create(h.f.rep, { firstName: 'Jo', lastName: 'Journey', email: 'jo@journey.test' });
    contactId = c.id;
    await h.core.contacts.update(h.f.admin, c.id, { assignedTo: h.f.rep.userId });
    await h.core.interactions.log(h.f.rep, { contactId, type: 'EMAIL', channel: 'EMAIL', direction: 'INBOUND', subject: 'Broken page', content: 'x', sentiment: { score: -0.8, confidence: 0.9, emotions: ['anger'] } });
  });
  afterAll(() => h.close());

  it('generate_insights returns every insight type with evidence', async () => {
    const period = { start: new Date(NOW.getTime() - planted.days * DAY).toISOString(), end: NOW.toISOString() };
    const out = ok<{ insights: { type: string; dataPoints: string[]; createdAt: string }[]; trends: unknown[]; recommendations: unknown[] }>(
      await manager.call('generate_insights', { time_period: period }),
    );
    expect(new Set(out.insights.map((i) => i.type)).size).toBe(5);
    expect(out.insights.every((i) => i.dataPoints.length > 0 && !Number.isNaN(Date.parse(i.createdAt)))).toBe(true);
    expect(out.recommendations.length).toBeGreaterThan(0);
  });

  it('get_metrics gives Metric objects; a rep gets their own scope', async () => {
    const all = ok<{ scope: string; metrics: { key: string; trend: string }[] }>(await manager.call('get_metrics', { groups: ['conversion', 'sentiment'] }));
    expect(all.scope).toBe('all');
    expect(all.metrics.some((m) => m.key === 'conversion_rate:source=webinar')).toBe(true);
    const mine = ok<{ scope: string; metrics: unknown[] }>(await rep.call('get_metrics', { groups: ['activity', 'velocity'] }));
    expect(mine.scope).toBe('own');
    // owner_id: a manager reads the rep's numbers; the rep may not read another's
    const theirs = ok<{ scope: string; metrics: unknown[] }>(await manager.call('get_metrics', { groups: ['activity', 'velocity'], owner_id: h.f.rep.userId }));
    expect(theirs.scope).toBe('owner');
    expect(theirs.metrics).toEqual(mine.metrics);
    expect(failed(await rep.call('get_metrics', { owner_id: h.f.otherRep.userId }))).toMatchObject({ code: 'PERMISSION_DENIED' });
    expect(failed(await manager.call('get_metrics', { owner_id: 'me' }))).toMatchObject({ code: 'VALIDATION_FAILED' });
  });

  it('detect_anomalies finds the planted inbound spike; forecast gives an interval', async () => {
    const a = ok<{ anomalies: { day: string; direction: string }[] }>(await manager.call('detect_anomalies', { metric: 'inbound' }));
    expect(a.anomalies).toEqual([expect.objectContaining({ day: planted.spikeDay, direction: 'HIGH' })]);
    const f = ok<{ steps: { low: number; mean: number; high: number }[]; total: { low: number; high: number } }>(await manager.call('forecast', { metric: 'new_contacts', horizon_days: 14, level: 0.9 }));
    expect(f.steps).toHaveLength(14);
    expect(f.steps.every((s) => s.low <= s.mean && s.mean <= s.high)).toBe(true);
    expect(f.total.high).toBeGreaterThan(f.total.low);
  });

  it('analyze_customer_journey reports stages and the negative interaction; bad input and other reps are refused', async () => {
    const j = ok<{ journey_stages: { stage: string; interactions: number }[]; pain_points: string[] }>(await rep.call('analyze_customer_journey', { contact_id: contactId }));
    expect(j.journey_stages).toEqual([expect.objectContaining({ stage: 'LEAD', interactions: 1 })]);
    expect(j.pain_points.some((p) => p.includes('Broken page'))).toBe(true);
    expect(failed(await rep.call('analyze_customer_journey', { contact_id: 'nope' }))).toMatchObject({ code: 'VALIDATION_FAILED' });
    const other = await h.connect(h.f.otherRep, { server: 'insights' });
    expect(failed(await other.call('analyze_customer_journey', { contact_id: contactId }))).toMatchObject({ code: 'PERMISSION_DENIED' });
  });
});
