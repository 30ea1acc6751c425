import { writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCrmCore, type CrmCore } from '../crm-core.ts';
import { silentLogger } from '../logger.ts';
import { createTenantFixture, openTestDatabase, type TenantFixture, type TestDatabase } from '../testing/index.ts';
import { createAnalyticsService } from '../analytics/analytics.service.ts';
import { seedPlantedTenant } from '../analytics/planted-tenant.fixture.ts';
import { createInsightsService } from '../insights/insights.service.ts';
import { createReportService, type ReportService } from './report.service.ts';
import { reportAttachments, reportCsv, reportHtml } from './report.render.ts';
import { REPORT_TYPES } from './report.schema.ts';

const NOW = new Date('2026-06-30T12:00:00Z');
const DAY = 86_400_000;
const PNG_MAGIC = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

// Rendering is database-independent; one database kind is enough here.
describe('reports with charts', () => {
  let t: TestDatabase;
  let core: CrmCore;
  let f: TenantFixture;
  let reports: ReportService;

  beforeAll(async () => {
    t = await openTestDatabase('pglite');
    core = createCrmCore({ db: t.db, logger: silentLogger() });
    f = await createTenantFixture(core);
    await seedPlantedTenant(core, f, { now: NOW });
    const analytics = createAnalyticsService(t.db, { now: () => NOW });
    reports = createReportService({ analytics, insights: createInsightsService({ analytics, now: () => NOW }), now: () => NOW });
  });
  afterAll(() => t.drop());

  it.each(REPORT_TYPES)('%s renders valid SVG charts, PNG attachments, HTML and CSV', async (type) => {
    const r = await reports.run(f.manager, { type, dateRange: { start: new Date(NOW.getTime() - 60 * DAY), end: NOW }, recipients: ['owner@agency.test'], schedule: { cron: '0 7 * * 1' } });
    expect(r.visualizations.length).toBeGreaterThan(0);
    for (const c of r.visualizations) {
      expect(c.svg.startsWith('<svg')).toBe(true);
      expect(c.svg).toMatch(/<\/svg>\s*$/);
      expect(c.svg).toContain('<path');
    }
    const files = reportAttachments(r);
    const pngs = files.filter((a) => a.contentType === 'image/png');
    expect(pngs).toHaveLength(r.visualizations.length);
    for (const p of pngs) {
      expect(p.content.subarray(0, 8)).toEqual(PNG_MAGIC);
      expect(p.content.length).toBeGreaterThan(5000);
    }
    const html = reportHtml(r);
    expect(html).toContain('<svg');
    expect(html).toContain(r.metrics[0].name.replace(/&/g, '&amp;'));
    const csv = reportCsv(r).trim().split('\n');
    expect(csv[0]).toBe('key,group,name,value,unit,change,trend,confidence,benchmark,sample_size');
    expect(csv).toHaveLength(r.metrics.length + 1);
    // Kept for a person to look at: the sales-pipeline PNGs end up in the OS temp folder.
    if (type === 'SALES_PIPELINE') {
      const dir = path.join(tmpdir(), 'crm-report-charts');
      mkdirSync(dir, { recursive: true });
      for (const p of pngs) writeFileSync(path.join(dir, p.filename), p.content);
    }
  });

  it('rejects a bad cron and a bad recipient, naming the field', async () => {
    await expect(reports.run(f.manager, { type: 'SALES_PIPELINE', schedule: { cron: 'every monday' } })).rejects.toMatchObject({ details: [expect.objectContaining({ path: 'schedule.cron' })] });
    await expect(reports.run(f.manager, { type: 'SALES_PIPELINE', recipients: ['nope'] })).rejects.toMatchObject({ details: [expect.objectContaining({ path: 'recipients.0' })] });
  });
});
