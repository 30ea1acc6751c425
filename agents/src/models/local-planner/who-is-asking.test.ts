import { AIMessage, HumanMessage, ToolMessage, type BaseMessage } from '@langchain/core/messages';
import { describe, expect, it } from 'vitest';
import type { ToolResult } from '../../tools/toolset.ts';
import { nextMove } from './planner.ts';

const NOW = new Date('2026-11-30T10:00:00Z');
const TOOLS = ['get_current_user', 'search_contacts', 'explain_score', 'list_follow_ups', 'get_metrics'];
const ME = { id: '11111111-1111-4111-8111-111111111111', name: 'Morgan Manager', role: 'SALES_MANAGER' };

/** Plays the planner's tool calls against canned results until it answers; returns every call and the answer. */
function run(message: string, results: (name: string, args: Record<string, unknown>) => Record<string, unknown> | { error: string }) {
  const messages: BaseMessage[] = [new HumanMessage(message)];
  const calls: { name: string; args: Record<string, unknown> }[] = [];
  for (let i = 0; i < 6; i++) {
    const move = nextMove(messages, { now: NOW, timeZone: 'UTC', tools: TOOLS });
    if (!move.toolCalls.length) return { calls, answer: move.content };
    messages.push(new AIMessage({ content: '', tool_calls: move.toolCalls }));
    for (const c of move.toolCalls) {
      calls.push({ name: c.name, args: c.args });
      const out = results(c.name, c.args);
      const ok = !('error' in out);
      const artifact: ToolResult = { callId: c.id!, name: c.name, ok, summary: ok ? 'ok' : String(out.error), ...(ok ? { data: out } : {}), sources: [] };
      messages.push(new ToolMessage({ tool_call_id: c.id!, name: c.name, content: 'ok', status: ok ? 'success' : 'error', artifact }));
    }
  }
  throw new Error('the planner did not answer');
}

const contact = (firstName: string, leadScore: number, assignedTo: string, status = 'LEAD') => ({ id: `c-${firstName}`, firstName, lastName: 'X', status, leadScore, assignedTo, company: 'Acme' });

describe('the offline planner knows who is asking', () => {
  it('"my hottest leads": get_current_user first, then only contacts assigned to the asker', () => {
    const { calls, answer } = run('my hottest leads', (name) => (name === 'get_current_user' ? ME : { contacts: [contact('Mine', 80, ME.id)], totalCount: 1 }));
    expect(calls[0]).toEqual({ name: 'get_current_user', args: {} });
    const searches = calls.filter((c) => c.name === 'search_contacts');
    expect(searches).toHaveLength(2);
    for (const s of searches) expect(s.args.assignedTo).toBe(ME.id);
    expect(answer).toContain('Your hottest open leads (assigned to Morgan Manager)');
  });

  it('"the team\'s hottest leads": no identity needed, no owner filter', () => {
    const { calls, answer } = run("show me the team's hottest leads", () => ({ contacts: [contact('Theirs', 90, 'someone')], totalCount: 1 }));
    expect(calls.map((c) => c.name)).not.toContain('get_current_user');
    for (const c of calls) expect(c.args.assignedTo).toBeUndefined();
    expect(answer).toContain("The team's hottest open leads");
  });

  it('"my follow-ups today" filters by ownerId; a failed get_current_user says so and shows what the caller can see', () => {
    const mine = run('my follow-ups today', (name) => (name === 'get_current_user' ? ME : { followUps: [] }));
    expect(mine.calls.find((c) => c.name === 'list_follow_ups')!.args.ownerId).toBe(ME.id);
    expect(mine.answer).toContain('No due follow-ups of yours.');
    const failed = run('my follow-ups today', (name) => (name === 'get_current_user' ? { error: 'UNAUTHENTICATED: no user' } : { followUps: [] }));
    expect(failed.calls.find((c) => c.name === 'list_follow_ups')!.args.ownerId).toBeUndefined();
    expect(failed.answer).toMatch(/I could not tell who you are \(UNAUTHENTICATED: no user\)/);
  });

  it('"how am I doing" for a manager reports their own figures (it was "I cannot tell which user you are")', () => {
    const { calls, answer } = run('how am I doing this month', (name, args) => {
      if (name === 'get_current_user') return ME;
      if (name === 'search_contacts') return { contacts: [], totalCount: args.status === 'LEAD' ? 4 : 0 };
      return { scope: 'all', metrics: [{ key: `activity:user=${ME.id}`, name: 'Interactions logged — Morgan Manager', value: 7, benchmark: 5 }, { key: 'activity:user=other', name: 'Interactions logged — Other Rep', value: 3, benchmark: 5 }] };
    });
    expect(calls.filter((c) => c.name === 'search_contacts').every((c) => c.args.assignedTo === ME.id)).toBe(true);
    expect(answer).toMatch(/Morgan Manager in this month \(from get_metrics\): 7 interactions logged \(team average 5\)/);
    expect(answer).toContain('Assigned to Morgan Manager now (search_contacts): 4 leads, 0 prospects, 0 customers');
  });

  it('"new leads last week" lists them (name, company, score, owner), newest first, capped with "and N more"', () => {
    const { calls, answer } = run('new leads last week', (name, args) => {
      if (name === 'search_contacts') return { contacts: Array.from({ length: 10 }, (_, n) => contact(`N${n}`, 50 + n, n % 2 ? 'u-2' : '')), totalCount: 13 };
      if (JSON.stringify(args.groups) === '["activity"]') return { metrics: [{ key: 'activity:user=u-2', name: 'Interactions logged — Riley Rep', value: 1 }] };
      return { metrics: [{ key: 'conversion_rate', sampleSize: 13 }, { key: 'conversion_rate:source=web', sampleSize: 13 }] };
    });
    const search = calls.find((c) => c.name === 'search_contacts')!.args;
    // last week is Monday 23 to Monday 30 November (UTC here), half-open
    expect(search).toMatchObject({ createdAfter: '2026-11-23T00:00:00.000Z', createdBefore: '2026-11-30T00:00:00.000Z', sort: 'createdAt', order: 'desc' });
    expect(answer).toContain('13 new contact(s) were created in last week (search_contacts), newest first; by source: web 13:');
    expect(answer).toContain('- N1 X (Acme), score 51, owner Riley Rep [crm://contacts/c-N1]');
    expect(answer).toContain('- N0 X (Acme), score 50, owner unassigned');
    expect(answer).toContain('…and 3 more.');
  });

  it('deals and targets: says what the CRM does not track, then what it does (customers won, prospects)', () => {
    const { calls, answer } = run('am I on target this month?', (name, args) => {
      if (name === 'get_current_user') return ME;
      if (name === 'search_contacts') return args.status === 'CUSTOMER' ? { contacts: [], totalCount: 9 } : { contacts: [contact('Pat', 77, ME.id, 'PROSPECT')], totalCount: 1 };
      return { scope: 'all', metrics: [{ key: 'lead_velocity', value: 12, sampleSize: 3 }] };
    });
    expect(calls.map((c) => c.name)).not.toContain('search_knowledge');
    expect(answer).toMatch(/does not track deals, deal values, expected close dates, quotas or targets/);
    expect(answer).toContain("3 contact(s) of the whole team's (get_metrics cannot split them by owner) became customers in this month");
    expect(answer).toContain('9 customer(s) are assigned to you now (search_contacts)');
    expect(answer).toContain('1. Pat X (Acme) — score 77 [crm://contacts/c-Pat]');
  });
});
