import type { ToolCall } from '@langchain/core/messages/tool';
import { describe, expect, it } from 'vitest';
import type { ToolResult } from '../../tools/toolset.ts';
import { STEP_HANDLERS, type StepContext } from './steps.ts';

const result = (name: string, data: Record<string, unknown>): ToolResult => ({ callId: name, name, ok: true, summary: '', data, sources: [] });

function context(clause: string, results: Record<string, ToolResult[]>): StepContext {
  return {
    step: { intent: 'hot_leads', clause },
    now: new Date('2026-11-30T10:00:00Z'),
    timeZone: 'UTC',
    call: (tool, args, n = 0) => ({ name: tool, args, id: `${tool}-${n}` }) as ToolCall,
    result: (tool, n = 0) => results[tool]?.[n],
  };
}

const lead = (id: string, firstName: string, leadScore: number, status = 'LEAD') => ({ id, firstName, lastName: 'Lead', status, leadScore });
const explained = (label: string, value: string) => result('explain_score', { factors: [{ name: 'meeting_7d', label, value, weight: 1.2, impact: 'HIGH' }] });

describe('local planner answers', () => {
  it('hot leads: factors as explain_score labels them, with the lead\'s value (not the feature name)', () => {
    const answer = STEP_HANDLERS.hot_leads.answer(
      context('who are my hottest leads and why?', {
        search_contacts: [result('search_contacts', { contacts: [lead('c1', 'Mo', 98), lead('c2', 'Gab', 91)] })],
        explain_score: [explained('Meetings, last 7 days', '2'), explained('Inbound interactions, last 90 days', '5')],
      }),
    );
    expect(answer).toContain('1. Mo Lead — score 98; because Meetings, last 7 days: 2 [crm://contacts/c1]');
    expect(answer).toContain('2. Gab Lead — score 91; because Inbound interactions, last 90 days: 5 [crm://contacts/c2]');
    expect(answer).not.toContain('meeting_7d');
  });

  it('hot leads: asks for open leads and prospects by status (customers score high too), and ranks both together', () => {
    const asked = STEP_HANDLERS.hot_leads.calls(context('who are my hottest leads?', {}));
    expect(asked.map((c) => c.args)).toEqual([
      { status: 'LEAD', sort: 'leadScore', order: 'desc', limit: 5 },
      { status: 'PROSPECT', sort: 'leadScore', order: 'desc', limit: 5 },
    ]);
    const answer = STEP_HANDLERS.hot_leads.answer(
      context('who are my hottest leads?', {
        search_contacts: [
          result('search_contacts', { contacts: [lead('c1', 'Ann', 80), lead('c2', 'Bo', 60)] }),
          result('search_contacts', { contacts: [lead('c3', 'Cy', 90, 'PROSPECT'), lead('c4', 'Di', 70, 'PROSPECT')] }),
        ],
      }),
    );
    expect(answer.split('\n').slice(1).map((l) => l.split(' — ')[0])).toEqual(['1. Cy Lead', '2. Ann Lead', '3. Di Lead', '4. Bo Lead']);
  });

  it('hot leads: a tenant nobody has scored yet gets told so, not five "score 0" leads ranked by chance', () => {
    const answer = STEP_HANDLERS.hot_leads.answer(context('who are my hottest leads?', { search_contacts: [result('search_contacts', { contacts: [lead('c1', 'A', 0), lead('c2', 'B', 0)] })] }));
    expect(answer).toBe('None of your open leads has a lead score yet (all are 0), so I cannot rank them: scoring runs while `crm start` runs, or now with `crm scoring rescore`.');
  });

  it('log interaction: quotes what was stored, with both citations', () => {
    const ctx = {
      ...context('log a call with Isaac: he wants a proposal by Friday', {
        log_interaction: [result('log_interaction', { id: 'i1', type: 'PHONE_CALL', content: 'log a call with Isaac: he wants a proposal by Friday' })],
      }),
      contact: { id: 'c1', firstName: 'Isaac', lastName: 'Gupta', email: 'isaac@x.test' },
    } as StepContext;
    expect(STEP_HANDLERS.log_interaction.answer(ctx)).toBe(
      'Logged the phone call with Isaac Gupta [crm://contacts/c1]: "log a call with Isaac: he wants a proposal by Friday" [crm://interactions/i1].',
    );
  });
});
