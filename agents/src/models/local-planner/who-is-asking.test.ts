import { AIMessage, HumanMessage, ToolMessage, type BaseMessage } from '@langchain/core/messages';
import { describe, expect, it } from 'vitest';
import type { ToolResult } from '../../tools/toolset.ts';
import { nextMove } from './planner.ts';

const NOW = new Date('2026-11-30T10:00:00Z');
const TOOLS = ['get_current_user', 'search_contacts', 'explain_score', 'list_follow_ups', 'get_metrics'];
const ME = { id: '11111111-1111-4111-8111-111111111111', name: 'Morgan Manager', role: 'SALES_MANAGER' };

/** Plays the planner's tool calls against canned results until it answers; returns every call and the answer. */
function run(message: string, results: (name: string, args: Record<string, unknown>) => Record<string, unknown> | { error: string }, tools = TOOLS) {
  const messages: BaseMessage[] = [new HumanMessage(message)];
  const calls: { name: string; args: Record<string, unknown> }[] = [];
  for (let i = 0; i < 6; i++) {
    const move = nextMove(messages, { now: NOW, timeZone: 'UTC', tools });
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

  it('"my hottest leads" from someone with none assigned: the team\'s, said so (an owner asking "my" meant the business)', () => {
    const { calls, answer } = run('Who are my hottest leads and why?', (name, args) => {
      if (name === 'get_current_user') return ME;
      if (name === 'explain_score') return { score: 91, factors: [] };
      return args.assignedTo || args.status !== 'LEAD' ? { contacts: [], totalCount: 0 } : { contacts: [contact('Theirs', 91, 'someone')], totalCount: 1 };
    });
    const searches = calls.filter((c) => c.name === 'search_contacts');
    expect(searches.map((c) => c.args.assignedTo)).toEqual([ME.id, ME.id, undefined, undefined]);
    expect(calls.filter((c) => c.name === 'explain_score').map((c) => c.args.contact_id)).toEqual(['c-Theirs']);
    expect(answer).toContain("No open leads are assigned to you (Morgan Manager), so here are the team's hottest open leads you can see");
    expect(answer).toContain('1. Theirs X (Acme) — score 91');
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
    expect(answer).toMatch(/Morgan Manager this month \(from get_metrics\): 7 interactions logged \(team average 5\)/);
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
    expect(answer).toContain('13 new contact(s) were created last week (search_contacts), newest first; by source: web 13:');
    expect(answer).toContain('- N1 X (Acme), score 51, owner Riley Rep [crm://contacts/c-N1]');
    expect(answer).toContain('- N0 X (Acme), score 50, owner unassigned');
    expect(answer).toContain('…and 3 more.');
  });

  it('deals and targets: says what the CRM does not track, then what it does (customers won — a manager\'s own with "my", through get_metrics\' owner_id — and prospects)', () => {
    const { calls, answer } = run('am I on target this month?', (name, args) => {
      if (name === 'get_current_user') return ME;
      if (name === 'search_contacts') return { contacts: [contact('Pat', 77, ME.id, 'PROSPECT')], totalCount: 1 };
      return { scope: args.owner_id === ME.id ? 'own' : 'all', metrics: [{ key: 'lead_velocity', value: 12, sampleSize: 3 }] };
    });
    expect(calls.map((c) => c.name)).not.toContain('search_knowledge');
    expect(calls.find((c) => c.name === 'get_metrics')!.args).toMatchObject({ groups: ['velocity'], owner_id: ME.id });
    expect(answer).toMatch(/does not track deals, deal values, expected close dates, quotas or targets/);
    expect(answer).toContain('3 contact(s) of yours became customers this month (from get_metrics); a median of 12.0 days');
    expect(answer).toContain('1. Pat X (Acme) — score 77 [crm://contacts/c-Pat]');
    // the team's: no owner filter, no "of yours"
    const team = run('are we on track for this month?', (name) => (name === 'get_current_user' ? ME : name === 'search_contacts' ? { contacts: [], totalCount: 0 } : { scope: 'all', metrics: [{ key: 'lead_velocity', value: 5, sampleSize: 7 }] }));
    expect(team.calls.find((c) => c.name === 'get_metrics')!.args).not.toHaveProperty('owner_id');
    expect(team.answer).toContain('7 contact(s) became customers this month');
  });

  it('"what did I log this week" lists the asker\'s interactions (date, type, contact, subject; ten, then "…and N more")', () => {
    const rows = Array.from({ length: 10 }, (_, n) => ({ id: `i-${n}`, contactId: n % 2 ? 'c-odd' : 'c-even', type: n % 3 ? 'PHONE_CALL' : 'EMAIL', subject: n === 4 ? null : `Subject ${n}`, content: n === 4 ? 'Left a voicemail about   the renewal' : '', createdAt: new Date(NOW.getTime() - n * 3_600_000).toISOString() }));
    const { calls, answer } = run(
      'what did I log this week',
      (name, args) => {
        if (name === 'get_current_user') return ME;
        if (name === 'list_interactions') return { interactions: rows, totalCount: 13, totalCountExact: true };
        if (name === 'get_contact') return args.id === 'c-odd' ? { id: 'c-odd', firstName: 'Odd', lastName: 'One' } : { error: 'NOT_FOUND: contact' };
        return { metrics: [{ key: `activity:user=${ME.id}`, name: 'Interactions logged — Morgan Manager', value: 13, benchmark: 6 }, { key: 'activity:user=other', name: 'Interactions logged — Other Rep', value: 2, benchmark: 6 }] };
      },
      [...TOOLS, 'list_interactions', 'get_contact'],
    );
    // this week runs from Monday 30 November (UTC here) to now
    expect(calls.find((c) => c.name === 'list_interactions')!.args).toEqual({ userId: ME.id, from: '2026-11-30T00:00:00.000Z', to: NOW.toISOString(), limit: 10 });
    expect(calls.filter((c) => c.name === 'get_contact').map((c) => c.args.id)).toEqual(['c-even', 'c-odd']);
    expect(answer).toContain('You (Morgan Manager) logged 13 interaction(s) this week (list_interactions), newest first; the average per person was 6 (get_metrics):');
    expect(answer).toContain('- 2026-11-30 email with contact c-even [crm://contacts/c-even]: Subject 0');
    expect(answer).toContain('- 2026-11-30 phone call with Odd One [crm://contacts/c-odd]: Subject 1');
    expect(answer).toContain('phone call with contact c-even [crm://contacts/c-even]: Left a voicemail about the renewal');
    expect(answer.split('\n').filter((l) => l.startsWith('- '))).toHaveLength(10);
    expect(answer).toContain('…and 3 more.');
    // without list_interactions (an older server) it stays the count
    const counted = run('what did I log this week', (name) => (name === 'get_current_user' ? ME : { metrics: [{ key: `activity:user=${ME.id}`, name: 'x', value: 13 }] }));
    expect(counted.calls.map((c) => c.name)).not.toContain('list_interactions');
    expect(counted.answer).toContain('You (Morgan Manager) logged 13 interactions this week (from get_metrics)');
  });

  it('owners are named from list_users when it is bound (one who never logged anything too); without it the activity metric, else "user 1a2b3c4d"', () => {
    const contacts = { contacts: [contact('Quiet', 60, 'u-quiet'), contact('Busy', 55, 'u-busy')], totalCount: 2 };
    const withDirectory = run(
      'new leads last week',
      (name) => {
        if (name === 'search_contacts') return contacts;
        if (name === 'list_users') return { users: [{ id: 'u-quiet', name: 'Quinn Quiet', email: 'q@x.test', role: 'SALES_REP', active: true }, { id: 'u-busy', name: 'Bea Busy', email: 'b@x.test', role: 'SALES_REP', active: true }] };
        return { metrics: [] };
      },
      [...TOOLS, 'list_users'],
    );
    expect(withDirectory.calls.filter((c) => c.name === 'get_metrics').map((c) => c.args.groups)).toEqual([['conversion']]);
    expect(withDirectory.answer).toContain('owner Quinn Quiet');
    expect(withDirectory.answer).toContain('owner Bea Busy');
    const fallback = run('new leads last week', (name, args) => {
      if (name === 'search_contacts') return contacts;
      return JSON.stringify(args.groups) === '["activity"]' ? { metrics: [{ key: 'activity:user=u-busy', name: 'Interactions logged — Bea Busy', value: 4 }] } : { metrics: [] };
    });
    expect(fallback.answer).toContain('owner Bea Busy');
    expect(fallback.answer).toContain('owner user u-quiet');
  });
});
