import { MemorySaver } from '@langchain/langgraph';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalPlannerChatModel } from '../models/local-planner/local-chat-model.ts';
import { plantRisingContacts, testDbKinds } from '@crm/core/testing';
import { openAgentHarness, type AgentHarness } from '../testing/agent-harness.ts';
import { createAssistant, type Assistant } from './assistant.ts';

// Saturday 28 November 2026, 14:00 in London: "Friday" is 4 December.
const NOW = new Date('2026-11-28T14:00:00Z');

describe('assistant with the offline local model, through the real MCP servers', () => {
  let h: AgentHarness;
  let assistant: Assistant;
  const ids: Record<string, string> = {};
  beforeAll(async () => {
    h = await openAgentHarness('pglite');
    const mk = async (key: string, firstName: string, lastName: string, company: string, owner = h.f.rep.userId) =>
      (ids[key] = (await h.core.contacts.create(h.f.rep, { firstName, lastName, email: `${key}@${company.toLowerCase()}.test`, company, assignedTo: owner })).id);
    await mk('dana', 'Dana', 'Whitfield', 'Northwind');
    await mk('sam1', 'Sam', 'Patel', 'Acme');
    await mk('sam2', 'Sam', 'Okafor', 'Globex');
    await h.core.knowledge.addDocument(h.f.manager, {
      filename: 'onboarding.md',
      bytes: new TextEncoder().encode('# Onboarding package\n\nThe onboarding package includes a kickoff workshop, a full SEO audit and a 90-day content calendar. Onboarding takes two weeks.\n\n# Pricing\n\nThe growth package costs 2,400 GBP per month.\n'),
    });
    assistant = createAssistant({ model: new LocalPlannerChatModel({ now: () => NOW }), mcpClientFactory: h.mcpClientFactory, checkpointer: new MemorySaver(), now: () => NOW });
  });
  afterAll(() => h.close());

  it('names the right contact and cites its record, marked offline', async () => {
    const tokens: string[] = [];
    const r = await assistant.chat(h.f.rep, { threadId: 't1', message: 'Who is Dana Whitfield?' }, { onToken: (t) => tokens.push(t) });
    expect(r.answer).toContain('Dana Whitfield');
    expect(r.answer.startsWith('[offline]')).toBe(true);
    expect(r.offline).toBe(true);
    expect(r.citations).toEqual([`crm://contacts/${ids.dana}`]);
    expect(r.toolCalls.map((c) => c.tool)).toEqual(['search_contacts']);
    expect(tokens.join('')).toBe(r.answer);
  });

  it('plans a compound request: logs the call and sets the follow-up for Friday in the tenant time zone', async () => {
    const r = await assistant.chat(h.f.rep, { threadId: 't2', message: 'Log the call with Dana Whitfield, she wants the growth package, and set a follow-up for Friday' });
    expect(r.toolCalls.map((c) => c.tool)).toEqual(['search_contacts', 'log_interaction', 'create_follow_up']);
    const timeline = (await h.core.interactions.timeline(h.f.rep, ids.dana, {})).interactions;
    expect(timeline[0].type).toBe('PHONE_CALL');
    expect(timeline[0].content).toContain('growth package');
    const followUps = await h.core.followUps.list(h.f.rep, { contactId: ids.dana, scope: 'open' });
    expect(followUps.map((f) => new Date(f.dueAt).toISOString())).toEqual(['2026-12-04T09:00:00.000Z']);
    expect(r.citations).toContain(`crm://interactions/${timeline[0].id}`);
    expect(r.answer).toContain('2026-12-04');
  });

  it('asks which contact when several match, then carries on with the choice', async () => {
    const ask = await assistant.chat(h.f.rep, { threadId: 't3', message: 'What happened on the last call with Sam?' });
    expect(ask.answer).toContain('Which one');
    expect(ask.citations).toEqual(expect.arrayContaining([`crm://contacts/${ids.sam1}`, `crm://contacts/${ids.sam2}`]));
    const chosen = await assistant.chat(h.f.rep, { threadId: 't3', message: 'the one at Globex' });
    expect(chosen.toolCalls.map((c) => c.tool)).toEqual(['get_contact_timeline']);
    expect(chosen.toolCalls[0].args).toMatchObject({ contactId: ids.sam2 });
    expect(chosen.answer).toContain('Sam Okafor');
  });

  it('answers knowledge questions by quoting the passage with its crm://kb citation, and says when it does not know', async () => {
    const r = await assistant.chat(h.f.rep, { threadId: 't4', message: 'What does our onboarding package include?' });
    expect(r.answer).toContain('kickoff workshop');
    expect(r.citations[0]).toMatch(/^crm:\/\/kb\//);
    const none = await assistant.chat(h.f.rep, { threadId: 't4', message: 'What is our policy on refunds for hardware?' });
    expect(none.answer).toMatch(/I don't know/);
  });

  it('takes numbers from the tools: counts come from search_contacts totalCount', async () => {
    const r = await assistant.chat(h.f.manager, { threadId: 't5', message: 'How many contacts are in the CRM?' });
    expect(r.answer).toContain('3 contact(s)');
  });

  it('says plainly when a request is beyond it', async () => {
    const r = await assistant.chat(h.f.rep, { threadId: 't6', message: 'Tell me a joke about the weather' });
    expect(r.answer).toMatch(/beyond what I can do offline/);
    expect(r.toolCalls).toEqual([]);
  });

  it('cannot make the tools act for a user without the permission', async () => {
    const before = (await h.core.interactions.timeline(h.f.rep, ids.dana, {})).interactions.length;
    const r = await assistant.chat(h.f.otherRep, { threadId: 't7', message: 'Log a meeting with Dana Whitfield' });
    const after = (await h.core.interactions.timeline(h.f.rep, ids.dana, {})).interactions.length;
    expect(after).toBe(before);
    expect(r.answer).toMatch(/could not|no contact/i);
  });
});

// A write the user may not make is refused when it is filed, not after someone approved it: the
// queue checks the call as the user first (core approvals + the tools' prechecks)
describe.each(testDbKinds())('assistant with the offline local model: a write the user may not make is refused at once on %s', (kind) => {
  let h: AgentHarness;
  let assistant: Assistant;
  let theirs: string;
  let mine: string;
  beforeAll(async () => {
    h = await openAgentHarness(kind);
    theirs = (await h.core.contacts.create(h.f.manager, { firstName: 'Olga', lastName: 'Other', email: 'olga@other.test', company: 'Otherco', assignedTo: h.f.otherRep.userId, leadScore: 90 })).id;
    mine = (await h.core.contacts.create(h.f.manager, { firstName: 'Dana', lastName: 'Mine', email: 'dana@mine.test', company: 'Mineco', assignedTo: h.f.rep.userId, leadScore: 40 })).id;
    assistant = createAssistant({ model: new LocalPlannerChatModel({ now: () => NOW }), mcpClientFactory: h.mcpClientFactory, checkpointer: new MemorySaver(), now: () => NOW });
  });
  afterAll(() => h.close());

  it('lists the hottest leads the rep can see (not only theirs, and says so); "mark the first one as qualified" on another rep\'s lead is refused with nothing filed', async () => {
    const list = await assistant.chat(h.f.rep, { threadId: 'q1', message: 'show the hottest leads' });
    expect(list.answer).toMatch(/^\[offline\] The hottest open leads you can see by lead score:\n1\. Olga Other \(Otherco\) — score 90 .*\n2\. Dana Mine \(Mineco\) — score 40/);

    const refused = await assistant.chat(h.f.rep, { threadId: 'q1', message: 'mark the first one as qualified' });
    expect(refused.pendingApprovals ?? []).toEqual([]);
    // the first one is Olga's: Dana's would have been filed
    expect(refused.toolCalls).toEqual([expect.objectContaining({ tool: 'change_contact_status', ok: false, summary: expect.stringMatching(/^PERMISSION_DENIED: you may not do this/) })]);
    expect(refused.answer).toBe(
      '[offline] I could not change the status: PERMISSION_DENIED: you may not do this: SALES_REP may only write contacts assigned to themselves — change_contact_status would fail when run, so nothing was filed for approval',
    );
    expect(await h.core.approvals.list(h.f.manager, { status: 'all' })).toEqual([]);
    expect((await h.core.contacts.get(h.f.manager, theirs)).status).toBe('LEAD');

    // the rep's own lead still waits for approval as before
    const filed = await assistant.chat(h.f.rep, { threadId: 'q1', message: 'mark the second one as qualified' });
    expect(filed.pendingApprovals).toEqual([expect.objectContaining({ tool: 'change_contact_status', args: expect.objectContaining({ id: mine, status: 'PROSPECT' }) })]);
    expect((await h.core.approvals.list(h.f.manager, {})).map((a) => a.id)).toEqual([filed.pendingApprovals![0].approvalId]);
  });
});

// QA round 3: the offline planner had no forecast intent, so "forecast …" fell to the knowledge
// base or "beyond what I can do"; it now plans the insights server's forecast tool
describe('assistant with the offline local model: forecasts', () => {
  let h: AgentHarness;
  let assistant: Assistant;
  beforeAll(async () => {
    h = await openAgentHarness('pglite');
    // 60 days of new leads, rising towards today (relative to the database clock, as the tool is)
    await plantRisingContacts(h.t.db, h.f.tenantId);
    assistant = createAssistant({ model: new LocalPlannerChatModel({ now: () => NOW }), mcpClientFactory: h.mcpClientFactory, checkpointer: new MemorySaver(), now: () => NOW });
  }, 120_000);
  afterAll(() => h.close());

  it('routes a forecast request to the forecast tool with the series and horizon it names, and answers from its result', async () => {
    const r = await assistant.chat(h.f.manager, { threadId: 'f1', message: 'Can you forecast how many new leads we will get over the next two weeks?' });
    expect(r.toolCalls.map((c) => c.tool)).toEqual(['forecast']);
    expect(r.toolCalls[0].args).toEqual({ metric: 'new_contacts', horizon_days: 14 });
    expect(r.answer.startsWith('[offline]')).toBe(true);
    expect(r.answer).toMatch(/Forecast of new contacts for the next 14 days \(from the forecast tool: .+ on the last \d+ days\): about \d+(\.\d)? in total, 80% interval \d+(\.\d)?–\d+(\.\d)?/);
  });

  it('still declines a revenue forecast (the CRM records no money) without calling the tool', async () => {
    const r = await assistant.chat(h.f.manager, { threadId: 'f2', message: "What's our revenue forecast for next quarter?" });
    expect(r.toolCalls).toEqual([]);
    expect(r.answer).toContain('no deal values or revenue');
  });
});
