import { REPORT_TYPES, seedDemoTenant, type Actor } from '@crm/core';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { createTenantFixture, plantRisingContacts } from '@crm/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openHarness, type Connected, type Harness } from './testing/harness.ts';
import { SERVER_MODULES } from './servers.ts';

type Row = Record<string, unknown>;
const DAY = 86_400_000;

/**
 * The SDK's Client validates every successful result's structuredContent against the tool's
 * declared outputSchema (JSON Schema from our zod contract, checked by Ajv with formats), and a
 * real client fails the call when it does not fit. Our server checks the zod contract, which is not
 * the same thing: a transform, a date or a default can pass zod and fail the JSON Schema. So every
 * tool of every server is called here through the SDK Client with valid input, on a demo tenant
 * with a trained model, and must succeed without an output-schema error.
 */
describe('every tool answers within its declared outputSchema, checked by the SDK client', () => {
  let h: Harness;
  let admin: Actor;
  let mcp: Connected;

  beforeAll(async () => {
    h = await openHarness('pglite');
    const seeded = await seedDemoTenant(h.core, { contacts: 400 });
    const u = await h.core.users.actorByEmail(seeded.users.find((x) => x.role === 'ADMIN')!.email, seeded.slug);
    admin = { tenantId: u.tenantId, userId: u.userId, role: u.role };
    // weeks of history, so anomalies and the forecast have the 21–28 complete days they need
    await plantRisingContacts(h.t.db, admin.tenantId);
    mcp = await h.connect(admin, { server: 'crm' });
    await mcp.client.listTools(); // the client caches each tool's output validator from the listing
  }, 300_000);
  afterAll(() => h.close());

  it('every server lists the same contracts as the combined server', async () => {
    const { tools: all } = await mcp.client.listTools();
    const byName = new Map(all.map((t) => [t.name, t]));
    for (const module of SERVER_MODULES) {
      const alone = await h.connect(admin, { server: module.name });
      for (const tool of (await alone.client.listTools()).tools) {
        expect(tool.outputSchema, `${module.name}/${tool.name}`).toBeDefined();
        expect(tool, `${module.name}/${tool.name}`).toEqual(byName.get(tool.name));
      }
    }
  });

  it('the client really checks: it holds a validator per tool and a wrong shape fails it', async () => {
    const { tools } = await mcp.client.listTools();
    const validatorOf = (name: string) => (mcp.client as unknown as { getToolOutputValidator(n: string): ((v: unknown) => { valid: boolean }) | undefined }).getToolOutputValidator(name);
    for (const t of tools) expect(validatorOf(t.name), t.name).toBeDefined();
    expect(validatorOf('get_contact')!({ id: 'x' }).valid).toBe(false);
  });

  it('a demo tenant with a trained model (ADMIN): every tool succeeds within its outputSchema', async () => {
    const { failures, refused, called } = await exercise(h, mcp, admin);
    expect(failures).toEqual([]);
    expect(refused).toEqual([]);
    const { tools } = await mcp.client.listTools();
    expect(tools.map((t) => t.name).filter((n) => !called.has(n))).toEqual([]);
  }, 600_000);

  it('a new tenant in cold start (ADMIN, no data, no model): every answer fits; only the model version that does not exist is refused', async () => {
    const cold = await h.connect(h.f.admin, { server: 'crm' });
    await cold.client.listTools();
    const { failures, refused } = await exercise(h, cold, h.f.admin);
    expect(failures).toEqual([]);
    // and, with no history, the anomalies and the forecast, saying how many days they need
    expect(refused).toHaveLength(3);
    expect(refused).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^detect_anomalies: VALIDATION_FAILED.*needs at least 21 days/),
        expect.stringMatching(/^forecast: VALIDATION_FAILED.*needs at least 28 complete days/),
        expect.stringMatching(/^get_model_info: NOT_FOUND/),
      ]),
    );
  }, 600_000);

  it('a SALES_REP (own contacts only): every answer fits; what the role may not do is PERMISSION_DENIED', async () => {
    const f = await createTenantFixture(h.core);
    const rep = await h.connect(f.rep, { server: 'crm' });
    await rep.client.listTools();
    const { failures, refused } = await exercise(h, rep, f.rep);
    expect(failures).toEqual([]);
    const young = /^(detect_anomalies|forecast): VALIDATION_FAILED.*needs at least \d+ (complete )?days/;
    const reasons = refused.filter((r) => !/^\w+: PERMISSION_DENIED/.test(r) && !/^get_model_info: NOT_FOUND/.test(r) && !young.test(r));
    expect(reasons).toEqual([]);
  }, 600_000);
});

/**
 * Every tool once (some several times, in more than one state), in an order that gives each the
 * ids it needs. `failures`: protocol errors, the client's output-schema check among them;
 * `refused`: isError results (whose output is not checked).
 */
async function exercise(h: Harness, mcp: Connected, admin: Actor) {
  const called = new Set<string>();
  const failures: string[] = [];
  const refused: string[] = [];
  async function call(name: string, args: Row = {}): Promise<Row> {
    // an id from a call that was refused (a role without the permission): nothing to call with
    if (Object.values(args).some((v) => v === undefined)) return {};
    called.add(name);
    let result: CallToolResult;
    try {
      result = (await mcp.client.callTool({ name, arguments: args })) as CallToolResult;
    } catch (err) {
      failures.push(`${name}: ${(err as Error).message}`);
      return {};
    }
    if (result.isError) refused.push(`${name}: ${(result.content[0] as { text: string }).text.slice(0, 400)}`);
    return (result.structuredContent ?? {}) as Row;
  }
  {
    // crm-data
    const olga = await call('create_contact', {
      firstName: 'Olga', lastName: 'Output', email: 'olga@output.test', phone: '+49 30 1234567', company: 'OutCo', position: 'CTO',
      source: 'webinar', customFields: { industry: 'retail', seats: 40 }, metadata: { campaignId: 'newsletter-11', referrer: 'https://example.com/blog' },
    });
    const id = olga.id as string;
    await call('get_contact', { id });
    await call('update_contact', { id, position: 'CEO', company: null });
    await call('search_contacts', { search: 'output', limit: 5 });
    await call('search_contacts', { limit: 100, sort: 'leadScore', order: 'desc' }); // demo data: every kind of field filled or null
    await call('change_contact_status', { id, status: 'PROSPECT', reason: 'budget confirmed' });
    await call('log_interaction', {
      contactId: id, type: 'MEETING', channel: 'IN_PERSON', direction: 'OUTBOUND', subject: 'Kick-off', content: 'Budget of 20k approved by the CFO',
      duration: 30, outcome: 'positive', sentiment: { score: 0.6, confidence: 0.8, emotions: ['relief'] }, tags: ['demo'], occurredAt: new Date(Date.now() - DAY).toISOString(),
    });
    await call('log_interaction', { contactId: id, type: 'EMAIL', channel: 'EMAIL', direction: 'INBOUND', content: 'Thanks, talk soon' });
    await call('get_contact_timeline', { contactId: id });
    await call('list_interactions', { limit: 100 }); // demo data: every type, sentiment and outcome
    await call('list_interactions', { contactId: id, direction: 'INBOUND' });
    const fu = await call('create_follow_up', { contactId: id, title: 'Send proposal', notes: 'with the 20k option', dueAt: new Date(Date.now() + DAY).toISOString() });
    for (const scope of ['due', 'overdue', 'open', 'all']) await call('list_follow_ups', { scope, limit: 100 });
    await call('complete_follow_up', { id: fu.id, note: 'sent' });
    await call('list_follow_ups', { scope: 'done' });
    await call('send_email', { contactId: id, subject: 'Your proposal', body: 'Hi Olga,\n\nthe proposal is attached.' });
    const dup = await call('create_contact', { firstName: 'Olga', lastName: 'Output', email: 'olga.output@outco.test', company: 'OutCo' });
    await call('find_duplicate_contacts', { contactId: id });
    await call('find_duplicate_contacts', {});
    await call('merge_contacts', { primaryId: id, duplicateId: dup.id });
    await call('import_contacts', { csv: 'First Name,Last Name,Email,Company,Favourite colour\nIvy,Import,ivy@import.test,ImpCo,red\nBad,Row,not-an-email,,\n' });
    await call('add_document', { filename: 'pricing.md', content: '# Pricing\n\nThe Growth plan costs 49 EUR per seat and month; annual billing saves 15 %.' });
    const notes = await call('add_document', { filename: 'notes.txt', content: 'Plain text notes: OutCo prefers quarterly invoices.', source: 'kb://notes' });
    await call('search_knowledge', { query: 'growth plan price per seat' });
    await call('search_knowledge', { query: 'OutCo budget', contactId: id, mode: 'fulltext' });
    await call('delete_document', { id: (notes.document as Row | undefined)?.id });
    const filed = await call('request_approval', { tool: 'send_email', arguments: { contactId: id, subject: 'Discount', body: '15 % off' }, summary: 'Offer OutCo a discount', risk: 'high' });
    await call('list_approvals', {});
    await call('get_current_user', {});
    await call('list_users', { includeDeactivated: true });
    await call('get_approval', { id: filed.id });
    await call('decide_approval', { id: filed.id, decision: 'reject', reason: 'not this quarter' });

    // lead-scoring
    await call('retrain_model', {});
    await call('get_model_info', {});
    await call('get_model_info', { version: 1 });
    await call('score_lead', { contact_id: id });
    await call('score_lead', { contact_data: { email: 'cto@startup.example', position: 'CTO', source: 'referral' }, company_profile: { name: 'Startup', size: '11-50', industry: 'SaaS' } });
    await call('explain_score', { contact_id: id });
    await call('what_if', { contact_id: id });
    const leads = (await h.core.contacts.list(admin, { status: 'LEAD', limit: 5 })).data.map((c) => c.id);
    await call('score_batch', { contact_ids: [id, ...leads] });

    // insights
    await call('generate_insights', {});
    await call('analyze_customer_journey', { contact_id: id });
    await call('get_metrics', {});
    await call('detect_anomalies', { metric: 'inbound' });
    await call('forecast', { metric: 'new_contacts', horizon_days: 14, level: 0.9 });
    for (const type of REPORT_TYPES) await call('run_report', { type, include_html: true });
    const schedule = await call('create_report_schedule', { name: 'Monday pipeline', type: 'SALES_PIPELINE', schedule: { cron: '0 7 * * 1', timezone: 'Europe/Berlin' }, recipients: ['owner@agency.test'] });
    await call('update_report_schedule', { id: schedule.id, enabled: false, period_days: 14 });
    await call('list_report_schedules', {});
    await call('run_report_schedule_now', { id: schedule.id });
    await call('delete_report_schedule', { id: schedule.id });
    const saved = await call('save_report', {
      kind: 'pipeline_digest', slot_key: '2026-W48', title: 'Pipeline digest', period: { start: '2026-11-23', end: '2026-11-30' }, body: 'Three deals moved.', data: { moved: 3 },
    });
    await call('list_saved_reports', {});
    await call('get_saved_report', { id: (saved.report as Row | undefined)?.id });

    // workflow
    await call('list_templates', {});
    const installed = await call('install_template', { key: 'new-customer-onboarding' });
    await call('list_workflows', {});
    await call('get_workflow', { id: installed.id });
    await call('dry_run_workflow', { id: installed.id, days: 7 });
    const manual = {
      name: 'Manual nudge',
      trigger: { type: 'MANUAL' },
      steps: [{ id: 'nudge', name: 'Nudge', type: 'SEND_EMAIL', config: { subject: 'Hi {{contact.firstName}}', body: 'Checking in.' }, nextSteps: [] }],
    };
    const created = await call('create_workflow', manual);
    await call('update_workflow', { id: created.id, definition: { ...manual, description: 'A nudge by hand' } });
    await call('dry_run_workflow', { definition: manual, days: 3 });
    await call('activate_workflow', { id: created.id });
    const exec = await call('execute_workflow', { id: created.id, contactId: id });
    await call('get_execution', { id: exec.id });
    await call('list_executions', {});
    const stopped = await call('execute_workflow', { id: created.id, contactId: id });
    await call('cancel_execution', { executionId: stopped.id, reason: 'sent by hand' });
    // a step that failed (as a worker records it) is completed by hand
    if (exec.id) await h.t.db.writeAsTenant(admin.tenantId, [
      { sql: `UPDATE workflow_executions SET status = 'failed', error = 'SMTP refused' WHERE id = $1`, params: [exec.id as string] },
      { sql: `INSERT INTO workflow_step_attempts (tenant_id, execution_id, step_id, attempt, status, input, error, started_at) VALUES ($1, $2, 'nudge', 1, 'failed', '{}', 'SMTP refused', now())`, params: [admin.tenantId, exec.id as string] },
    ]);
    await call('complete_workflow_step', { executionId: exec.id, stepId: 'nudge', output: { sentBy: 'hand' } });
    await call('deactivate_workflow', { id: created.id });
    const hook = await call('create_workflow', { ...manual, name: 'Hooked', trigger: { type: 'WEBHOOK' } });
    await call('rotate_webhook_secret', { id: hook.id });
    await call('list_mailbox', {});
    await call('get_tenant_settings', {});
    await call('update_tenant_settings', { approvalRequestEmails: false });
  }
  return { failures, refused, called };
}
