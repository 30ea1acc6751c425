import { describe, expect, it } from 'vitest';
import { buildStages, findOpportunities, findPainPoints, type JourneyFacts } from './journey.builder.ts';
import type { JourneyInteraction } from './journey.schema.ts';

const D = (s: string) => new Date(`${s}T10:00:00Z`);
const x = (at: string, direction: 'INBOUND' | 'OUTBOUND', sentiment: number | null, channel = 'EMAIL', subject: string | null = null): JourneyInteraction => ({
  at: D(at),
  type: channel === 'EMAIL' ? 'EMAIL' : 'PHONE_CALL',
  channel,
  direction,
  subject,
  sentiment,
});

describe('customer journey', () => {
  const won: JourneyFacts = {
    createdAt: D('2026-01-01'),
    status: 'CUSTOMER',
    now: D('2026-06-01'),
    changes: [
      { at: D('2026-01-10'), from: 'LEAD', to: 'PROSPECT' },
      { at: D('2026-03-01'), from: 'PROSPECT', to: 'CUSTOMER' },
    ],
    interactions: [
      x('2026-01-02', 'INBOUND', 0.5),
      x('2026-01-03', 'OUTBOUND', 0.4),
      x('2026-01-12', 'INBOUND', -0.6, 'EMAIL', 'Invoice wrong'),
      x('2026-01-16', 'OUTBOUND', 0.1),
      x('2026-02-25', 'OUTBOUND', 0.6, 'PHONE'),
    ],
  };

  it('splits the timeline into the status stages with their interactions', () => {
    const stages = buildStages(won);
    expect(stages.map((s) => [s.stage, s.interactions, s.durationDays])).toEqual([
      ['LEAD', 2, 9],
      ['PROSPECT', 3, 50],
      ['CUSTOMER', 0, 92],
    ]);
    expect(stages[1].channels).toEqual(['EMAIL', 'PHONE']);
    expect(stages[1].averageSentiment).toBeCloseTo(0.03, 2);
    expect(stages[2].exitedAt).toBeNull();
  });

  it('finds negative interactions, long silences and slow replies as pain points', () => {
    const pains = findPainPoints(won);
    expect(pains.some((p) => p.includes('2026-01-12') && p.includes('Invoice wrong'))).toBe(true);
    expect(pains.some((p) => p.startsWith('No contact for 40 days between 2026-01-16 and 2026-02-25'))).toBe(true);
    expect(pains.some((p) => p.includes('waited more than 48 hours'))).toBe(true);
  });

  it('suggests a post-sale check-in for a silent customer and re-engagement for a stalled prospect', () => {
    expect(findOpportunities(won, buildStages(won)).some((o) => o.includes('No contact since becoming a customer'))).toBe(true);
    const stalled: JourneyFacts = { ...won, status: 'PROSPECT', changes: won.changes.slice(0, 1), interactions: won.interactions.slice(0, 2) };
    const opps = findOpportunities(stalled, buildStages(stalled));
    expect(opps[0]).toMatch(/^Re-engage: no interaction for \d+ days while still a PROSPECT/);
    expect(findPainPoints(stalled).some((p) => p.includes('never answered'))).toBe(false);
  });
});
