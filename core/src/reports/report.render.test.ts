import { describe, expect, it } from 'vitest';
import { startOfLocalDate } from '../tenants/local-day.ts';
import { reportHtml, reportNarrative, reportPeriod } from './report.render.ts';
import type { AnalyticsReport } from './report.schema.ts';

describe('report period labels', () => {
  const zone = 'America/New_York';
  // March 2026 in New York, across the clock change of 8 March; the end is the exclusive midnight of 31 March
  const range = { start: startOfLocalDate('2026-03-01', zone), end: startOfLocalDate('2026-03-31', zone) };

  it("names the first and last calendar day in the tenant's zone (the end is exclusive)", () => {
    expect(range.start.toISOString()).toBe('2026-03-01T05:00:00.000Z');
    expect(reportPeriod({ dateRange: range, timeZone: zone })).toBe('2026-03-01 – 2026-03-30 (America/New_York)');
    // without a zone: UTC days, said so
    expect(reportPeriod({ dateRange: { start: new Date('2026-03-01T00:00:00Z'), end: new Date('2026-03-31T00:00:00Z') } })).toBe('2026-03-01 – 2026-03-30 (UTC)');
  });

  it('the HTML heading and the template narrative use that label', () => {
    const r: AnalyticsReport = {
      id: 'r1', name: 'Sales pipeline', type: 'SALES_PIPELINE', dateRange: range, timeZone: zone, filters: [], metrics: [], insights: [], visualizations: [],
      recipients: [], createdBy: 'u1', createdAt: range.end, lastGenerated: range.end, isPublic: false, notes: [],
    };
    expect(reportHtml(r)).toContain('SALES_PIPELINE · 2026-03-01 – 2026-03-30 (America/New_York)');
    expect(reportNarrative(r)).toContain('metrics for 2026-03-01 – 2026-03-30 (America/New_York)');
  });
});
