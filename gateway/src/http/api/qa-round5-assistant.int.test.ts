/**
 * The offline assistant's leftovers of QA round 5, through POST /api/v1/chat (the assistant entry
 * `crm chat` and /ws use too): deciding approval requests from a chat message (role-checked by the
 * queue), a short approval list with id starts the CLI accepts, the pipeline by status, lead sources
 * ranked by conversion, and "how is Priya doing this month?". Each question is asked once as the
 * phrasing a rule was written from and once as a paraphrase it was not (marked "held out").
 */
import { silentLogger, type Actor } from '@crm/core';
import { toolCallExecutor } from '@crm/mcp-servers';
import { testDbKinds } from '@crm/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { matchIdPrefix } from '../../cli/approvals.command.ts';
import { openRestHarness, type RestHarness } from './rest-test.fixture.ts';

interface Turn {
  threadId: string;
  answer: string;
  toolCalls: { tool: string; ok: boolean; args: Record<string, unknown> }[];
}

describe.each(testDbKinds())('the offline assistant after QA round 5 on %s', { timeout: 300_000 }, (kind) => {
  let h: RestHarness;
  beforeAll(async () => {
    h = await openRestHarness(kind);
  }, 120_000);
  afterAll(() => h.close());

  const chat = async (key: string, message: string, threadId?: string): Promise<Turn> => {
    const res = await h.server.inject({ method: 'POST', url: '/api/v1/chat', headers: { authorization: `Bearer ${key}` }, payload: { message, ...(threadId ? { threadId } : {}) } });
    expect(res.statusCode, res.body.slice(0, 400)).toBe(200);
    return res.json() as Turn;
  };
  const as = (who: 'manager' | 'rep' | 'otherRep' | 'admin') => h.a.apiKeys[who];
  const tools = (t: Turn) => t.toolCalls.map((c) => c.tool);

  it('lists approvals one short line each with an id start, and decides "approve the first one" / "reject <id start>" as the queue allows', async () => {
    // a workflow activation waiting under the tenant's policy, and an assistant action filed for the rep
    expect((await h.call('admin', 'PATCH', '/api/v1/settings', { workflowActivationRequiresApproval: true })).statusCode).toBe(200);
    const wf = (await h.call('marketing', 'POST', '/api/v1/workflows', { name: 'Quarter drip', trigger: { type: 'MANUAL' }, steps: [{ id: 't', name: 'Call', type: 'CREATE_TASK', config: { title: 'Call' } }] })).json().id as string;
    const activation = (await h.call('marketing', 'POST', `/api/v1/workflows/${wf}/activate`)).json().activation.approvalId as string;
    const contact = (await h.core.contacts.create(h.a.rep, { firstName: 'Quinn', lastName: 'Approvable', email: 'quinn@approvable.test', assignedTo: h.a.rep.userId })).id;
    h.core.approvals.setAgentActionExecutor(toolCallExecutor(h.core, silentLogger()));
    const held = await chat(as('rep'), 'mark Quinn Approvable as customer');
    expect(held.answer).toMatch(/^Waiting for approval: change_contact_status/);
    const action = (await h.core.approvals.list(h.a.manager, { status: 'pending' })).find((a) => a.kind === 'agent_action')!.id;

    const listed = await chat(as('manager'), 'show me the pending approvals');
    expect(tools(listed)).toEqual(['list_approvals']);
    // one line per request, newest first; the agent action's JSON arguments were printed whole
    expect(listed.answer).not.toContain('{"');
    expect(listed.answer).toContain(`1. ${action.slice(0, 8)}  change_contact_status id=${contact.slice(0, 8)} `);
    expect(listed.answer).toContain(`2. ${activation.slice(0, 8)}  Activate workflow "Quarter drip" version 1`);
    // the id start the list prints is one `crm approvals approve <prefix>` accepts
    const all = await h.core.approvals.list(h.a.manager, { status: 'all', limit: 200 });
    expect(matchIdPrefix(activation.slice(0, 8), all, true)).toBe(activation);

    // a rep cannot decide a request filed for someone else: it is not among the ones they see
    const rep = await chat(as('otherRep'), `approve ${activation.slice(0, 8)}`);
    expect(rep.answer).toMatch(/No approval request you can see starts with/);
    expect(tools(rep)).not.toContain('decide_approval');
    expect((await h.core.approvals.get(h.a.manager, activation)).status).toBe('pending');

    // "the first one" is the first line of this conversation's list; deciding runs at once, without a second approval
    const first = await chat(as('manager'), 'approve the first one', listed.threadId);
    expect(tools(first)).toEqual(['list_approvals', 'decide_approval']);
    expect(first.answer).toMatch(new RegExp(`Approved ${action.slice(0, 8)} .*it is now approved; its action ran and succeeded`));
    expect((await h.core.approvals.get(h.a.manager, action)).executionStatus).toBe('succeeded');
    expect((await h.core.contacts.get(h.a.rep, contact)).status).toBe('CUSTOMER');

    // held out: another verb, politeness, the id start in the middle and a reason after it, on a new thread
    const rejected = await chat(as('manager'), `ok, please decline ${activation.slice(0, 6)} — not this quarter`);
    expect(rejected.answer).toMatch(new RegExp(`Rejected ${activation.slice(0, 8)} .*it is now rejected`));
    expect(await h.core.approvals.get(h.a.manager, activation)).toMatchObject({ status: 'rejected', reason: expect.stringContaining('not this quarter') });
    // decided already: the queue says so, nothing changes
    const again = await chat(as('manager'), `approve ${activation.slice(0, 8)}`);
    expect(again.answer).toMatch(/I could not approve .*CONFLICT/);
    h.core.approvals.setAgentActionExecutor(undefined);
    expect((await h.call('admin', 'PATCH', '/api/v1/settings', { workflowActivationRequiresApproval: false })).statusCode).toBe(200);
  });

  it('answers the pipeline by status and ranks lead sources by conversion', async () => {
    const make = async (source: string, n: number, converted: number) => {
      for (let i = 0; i < n; i++) {
        const c = await h.core.contacts.create(h.a.admin, { firstName: 'Src', lastName: `${source}${i}`, email: `${source}${i}@sources.test`, source });
        if (i < converted) await h.core.contacts.changeStatus(h.a.admin, c.id, { status: 'CUSTOMER' });
      }
    };
    await make('partner', 6, 4);
    await make('website', 6, 1);
    const expected = (await h.core.analytics.metrics(h.a.manager, { groups: ['pipeline'] })).metrics;
    for (const question of ['show me the pipeline by status', /* held out */ 'what does the funnel look like?']) {
      const t = await chat(as('manager'), question);
      expect(tools(t), question).toEqual(['get_metrics']);
      expect(t.toolCalls[0]!.args.groups).toEqual(['pipeline']);
      for (const m of expected) expect(t.answer).toContain(`- ${m.key.slice('pipeline:status='.length)}: ${m.value} (`);
    }
    for (const question of ['which sources bring the best leads?', /* held out */ 'which channel gives us the highest quality leads?']) {
      const t = await chat(as('manager'), question);
      expect(tools(t), question).toEqual(['get_metrics']);
      expect(t.answer).not.toMatch(/hottest/);
      expect(t.answer).toMatch(/1\. partner 66\.7% \(4 of 6\)\n2\. website 16\.7% \(1 of 6\)/);
    }
  });

  it('answers "how is Priya doing this month?" with her activity and pipeline; a rep may ask only about themself', async () => {
    const { user: priya, apiKey } = await h.core.users.createUser(h.a.admin, { email: 'priya@perf.test', name: 'Priya Shah', role: 'SALES_REP' });
    const actor: Actor = { tenantId: h.a.tenantId, userId: priya.id, role: 'SALES_REP' };
    const lead = (await h.core.contacts.create(actor, { firstName: 'Pat', lastName: 'Pipeline', email: 'pat@perf.test', assignedTo: priya.id })).id;
    for (let i = 0; i < 3; i++) await h.core.interactions.log(actor, { contactId: lead, type: 'PHONE_CALL', channel: 'PHONE', direction: 'OUTBOUND', content: `call ${i}` });

    for (const question of ['how is Priya doing this month?', /* held out */ "What are Priya's stats this week?"]) {
      const t = await chat(as('manager'), question);
      expect(tools(t), question).not.toContain('search_knowledge');
      expect(t.answer).toMatch(/Priya Shah this (month|week) \(from get_metrics\): 3 interactions logged/);
      expect(t.answer).toContain('Assigned to Priya Shah now (search_contacts): 1 lead, 0 prospects, 0 customers');
    }
    // another rep: refused, nothing of hers shown
    const other = await chat(as('rep'), 'how is Priya doing this month?');
    expect(other.answer).toMatch(/As a sales rep you can see only your own figures/);
    expect(other.answer).not.toMatch(/3 interactions/);
    // Priya herself, in her own words (held out: "how am I getting on")
    const self = await chat(apiKey, 'how am I getting on this week?');
    expect(self.answer).toMatch(/Priya Shah this week \(from get_metrics\): 3 interactions logged/);
    // a name that is no user is said to be none (a contact's name is not a rep)
    expect((await chat(as('manager'), 'how is Quentin Nobody doing?')).answer).toMatch(/I found no user named Quentin Nobody/);
  });
});
