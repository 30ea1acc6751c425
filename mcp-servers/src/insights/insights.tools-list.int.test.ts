import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openHarness, type Harness } from '../testing/harness.ts';

/**
 * What a model sees of the insights server, pinned like crm-data's. Update with
 * `npx vitest run --project int mcp-servers/src/insights -u`.
 */
describe('the insights model surface', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await openHarness('pglite');
  });
  afterAll(() => h.close());

  it('tools/list matches the snapshot', async () => {
    const c = await h.connect(h.f.manager, { server: 'insights' });
    const { tools } = await c.client.listTools();
    expect(tools.map((t) => t.name)).toEqual([
      'generate_insights',
      'analyze_customer_journey',
      'get_metrics',
      'detect_anomalies',
      'forecast',
      'run_report',
      'create_report_schedule',
      'update_report_schedule',
      'list_report_schedules',
      'run_report_schedule_now',
      'delete_report_schedule',
      'save_report',
      'list_saved_reports',
      'get_saved_report',
    ]);
    const writes: Record<string, object> = {
      // it emails people outside the CRM on a schedule
      create_report_schedule: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true },
      update_report_schedule: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: true },
      delete_report_schedule: { readOnlyHint: false, destructiveHint: true, idempotentHint: false, openWorldHint: false },
      run_report_schedule_now: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true },
      // one report per kind and slot; it may email the tenant's own managers
      save_report: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: true },
    };
    for (const t of tools) {
      expect(t.annotations).toEqual({ title: t.title, ...(writes[t.name] ?? { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false }) });
      expect(t.inputSchema).toMatchObject({ type: 'object', additionalProperties: false });
      expect(t.outputSchema).toMatchObject({ type: 'object' });
    }
    await expect(`${JSON.stringify(tools, null, 2)}\n`).toMatchFileSnapshot('./__snapshots__/insights.tools-list.json');
  });

  it('the combined "crm" server carries the insights tools too', async () => {
    const combined = await h.connect(h.f.manager, { server: 'crm' });
    const names = (await combined.client.listTools()).tools.map((t) => t.name);
    expect(names).toEqual(expect.arrayContaining(['generate_insights', 'analyze_customer_journey', 'get_metrics', 'detect_anomalies', 'forecast', 'run_report', 'create_report_schedule', 'save_report', 'list_saved_reports', 'search_contacts', 'score_lead', 'retrain_model']));
  });
});
