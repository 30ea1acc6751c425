import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDbKinds, databaseOf } from '@crm/core/testing';
import { openAgentHarness, type AgentHarness } from '../testing/agent-harness.ts';
import { isoWeek, lateness, runFollowUpAgent } from './follow-up.agent.ts';

const DAY = 86_400_000;

describe.each(testDbKinds())('follow-up agent as the system actor, through the real MCP tools, on %s', (kind) => {
  let h: AgentHarness;
  const ids: Record<string, string> = {};
  let overdueId: string;

  beforeAll(async () => {
    h = await openAgentHarness(kind);
    const { core, f } = h;
    const mk = async (key: string, score: number, email: string, lastTouchDaysAgo?: number) => {
      const c = await core.contacts.create(f.manager, { firstName: key, lastName: 'Test', email, company: `${key} Co`, assignedTo: f.rep.userId });
      await core.contacts.update(f.manager, c.id, { leadScore: score });
      if (lastTouchDaysAgo !== undefined) {
        await core.interactions.log(f.manager, { contactId: c.id, type: 'PHONE_CALL', channel: 'PHONE', direction: 'OUTBOUND', content: 'call', occurredAt: new Date(Date.now() - lastTouchDaysAgo * DAY) });
      }
      ids[key] = c.id;
    };
    await mk('Quiet', 88, 'quiet@lead.test', 30); // hot, gone quiet → task + draft
    await mk('Never', 75, 'never@lead.test'); // hot, never contacted → task + draft
    await mk('Busy', 92, 'busy@lead.test', 2); // hot, touched recently → nothing
    await mk('Cold', 20, 'cold@lead.test', 40); // not hot → nothing
    await mk('Planned', 80, 'planned@lead.test', 30); // hot and quiet, but has an open follow-up → skipped
    // high scores, quiet, but not open leads: an inactive (lost) contact and a customer get nothing (QA round 5:
    // INACTIVE slipped through, 19 of the demo's 20 "hot leads" were inactive contacts)
    await mk('Gone', 95, 'gone@lead.test', 60);
    await core.contacts.changeStatus(f.manager, ids.Gone, { status: 'INACTIVE', reason: 'went with another agency' });
    await mk('Won', 90, 'won@lead.test', 60);
    await core.contacts.changeStatus(f.manager, ids.Won, { status: 'CUSTOMER', reason: 'signed' });
    await mk('Prospect', 72, 'prospect@lead.test', 20); // an open prospect gone quiet → task + draft
    await core.contacts.changeStatus(f.manager, ids.Prospect, { status: 'PROSPECT' });
    await core.followUps.create(f.rep, { contactId: ids.Planned, title: 'Send proposal', dueAt: new Date(Date.now() + 3 * DAY) });
    overdueId = (await core.followUps.create(f.rep, { contactId: ids.Busy, title: 'Follow up: pricing question', dueAt: new Date(Date.now() - 2 * DAY) })).id;
  });
  afterAll(() => h?.close());

  it('creates tasks for hot leads gone quiet, files draft emails for approval, sends nothing, and files nothing twice', async () => {
    const { core, f } = h;
    const system = await core.users.systemActor(f.tenantId, { via: 'agent:follow-up' });
    const clientFor = async (onBehalfOf?: string) => h.mcpClientFactory(await core.users.systemActor(f.tenantId, { via: 'agent:follow-up', ...(onBehalfOf ? { onBehalfOf } : {}) }));
    const report = await runFollowUpAgent(clientFor, { hotScore: 70, quietDays: 14 });

    expect(report.tasksCreated.map((t) => t.contactId).sort()).toEqual([ids.Quiet, ids.Never, ids.Prospect].sort());
    expect(report.hotLeadsFound).toBe(4);
    expect(report.skipped).toEqual([{ contactId: ids.Planned, reason: 'has an open follow-up' }]);
    const drafts = report.draftsFiled.map((d) => `${d.reason}:${d.contactId}`).sort();
    expect(drafts).toEqual([`hot-lead:${ids.Quiet}`, `hot-lead:${ids.Never}`, `hot-lead:${ids.Prospect}`, `overdue:${ids.Busy}`].sort());

    // the tasks belong to the contacts' owner and say why
    const quietTasks = await core.followUps.list(f.rep, { contactId: ids.Quiet });
    expect(quietTasks).toHaveLength(1);
    expect(quietTasks[0]).toMatchObject({ ownerId: f.rep.userId, done: false });
    expect(quietTasks[0].title).toMatch(/lead score 88, no touch in (29|30|31) days/);

    // the drafts wait for a person: exact tool call, nothing in the mailbox yet
    const pending = await core.approvals.list(f.manager, { status: 'pending' });
    const filed = pending.filter((a) => report.draftsFiled.some((d) => d.approvalId === a.id));
    expect(filed).toHaveLength(4);
    for (const a of filed) expect(a.action).toMatchObject({ tool: 'send_email', arguments: { contactId: expect.any(String), subject: expect.any(String), body: expect.stringContaining('Hi ') } });
    const overdue = filed.find((a) => (a.action as { arguments: { contactId: string } }).arguments.contactId === ids.Busy)!;
    expect((overdue.action as { arguments: { body: string; idempotencyKey: string } }).arguments).toMatchObject({
      body: expect.stringContaining('pricing question'),
      idempotencyKey: `agent:follow-up:overdue:${overdueId}`,
    });
    expect(await databaseOf(core.db).asWorker(async (c) => (await c.query('SELECT count(*)::int AS n FROM mailbox_messages WHERE tenant_id = $1', [f.tenantId])).rows[0].n)).toBe(0);

    // audited as the system actor via the agent
    const audit = await core.audit.list(f.admin, { entityId: quietTasks[0].id });
    expect(audit[0]).toMatchObject({ actorId: system.userId });

    // a second run: the new tasks are open follow-ups now, the overdue draft has its key → nothing new
    const again = await runFollowUpAgent(clientFor, { hotScore: 70, quietDays: 14 });
    expect(again.tasksCreated).toEqual([]);
    expect(again.draftsFiled.map((d) => d.approvalId)).toEqual([overdue.id]);
    expect((await core.approvals.list(f.manager, { status: 'pending' })).length).toBe(pending.length);
    expect(await core.followUps.list(f.rep, { contactId: ids.Quiet })).toHaveLength(1);
    // filed for the contacts' owner: the rep sees their drafts in their own queue
    expect((await core.approvals.list(f.rep, { status: 'pending' })).map((a) => a.id).sort()).toEqual(filed.map((a) => a.id).sort());
  });

  it('an approved draft is sent once to the contact\'s own address and logged on the timeline', async () => {
    const { core, f } = h;
    const pending = await core.approvals.list(f.manager, { status: 'pending' });
    const draft = pending.find((a) => (a.action as { tool: string; arguments: { contactId: string } }).arguments.contactId === ids.Quiet)!;
    expect(draft).toBeDefined();
    const decided = await core.approvals.decide(f.manager, draft.id, { decision: 'approve', reason: 'looks good' });
    expect(decided).toMatchObject({ status: 'approved', executionStatus: 'succeeded' });
    const mails = (await databaseOf(core.db).asWorker((c) => c.query<{ to_address: string; subject: string }>('SELECT to_address, subject FROM mailbox_messages WHERE tenant_id = $1', [f.tenantId]))).rows;
    expect(mails).toEqual([{ to_address: 'quiet@lead.test', subject: 'Next steps for Quiet Co' }]);
    const timeline = await core.interactions.timeline(f.manager, ids.Quiet);
    expect(timeline.interactions[0]).toMatchObject({ type: 'EMAIL', direction: 'OUTBOUND', subject: 'Next steps for Quiet Co' });
    // the same draft key again (e.g. re-approved elsewhere) sends nothing more
    const args = (draft.action as { arguments: Record<string, unknown> }).arguments;
    const system = await core.users.systemActor(f.tenantId, { via: 'agent:follow-up', onBehalfOf: f.rep.userId });
    expect(await core.email.send(system, args)).toMatchObject({ duplicate: true, to: 'quiet@lead.test' });
    expect((await databaseOf(core.db).asWorker((c) => c.query('SELECT count(*)::int AS n FROM mailbox_messages WHERE tenant_id = $1', [f.tenantId]))).rows[0].n).toBe(1);
  });

  it('says how late a follow-up due earlier today is in hours, not "0 days" (QA round 5)', async () => {
    const { core, f } = h;
    const c = await core.contacts.create(f.manager, { firstName: 'Today', lastName: 'Test', email: 'today@lead.test', assignedTo: f.rep.userId });
    const fu = await core.followUps.create(f.rep, { contactId: c.id, title: 'Call back about the brief', dueAt: new Date(Date.now() - 3 * 3_600_000 - 60_000) });
    const clientFor = async (onBehalfOf?: string) => h.mcpClientFactory(await core.users.systemActor(f.tenantId, { via: 'agent:follow-up', ...(onBehalfOf ? { onBehalfOf } : {}) }));
    const report = await runFollowUpAgent(clientFor, { hotScore: 70, quietDays: 14 });
    const filed = report.draftsFiled.find((d) => d.contactId === c.id)!;
    expect(filed).toMatchObject({ reason: 'overdue' });
    const a = (await core.approvals.list(f.rep, { status: 'pending' })).find((x) => x.id === filed.approvalId)!;
    expect(a.summary).toContain('follow-up "Call back about the brief" is 3 hours overdue');
    expect(a.summary).not.toContain('0 days');
    expect((await core.followUps.list(f.rep, { contactId: c.id })).map((x) => x.id)).toEqual([fu.id]);
    const now = new Date('2026-11-30T12:00:00Z');
    expect(lateness('2026-11-28T11:00:00Z', now)).toBe('is 2 days overdue');
    expect(lateness('2026-11-29T13:00:00Z', now)).toBe('is 23 hours overdue');
    expect(lateness('2026-11-30T11:00:00Z', now)).toBe('is 1 hour overdue');
    expect(lateness('2026-11-30T11:40:00Z', now)).toBe('has just come due');
  });

  it('labels ISO weeks (one hot-lead draft per contact per week)', () => {
    expect(isoWeek(new Date('2026-11-28T12:00:00Z'))).toBe('2026-W48');
    expect(isoWeek(new Date('2027-01-01T12:00:00Z'))).toBe('2026-W53');
    expect(isoWeek(new Date('2026-01-01T12:00:00Z'))).toBe('2026-W01');
  });
});
