import { describe, expect, it } from 'vitest';
import { AppError } from '../errors/app-error.ts';
import { definitionIssues, validateDefinition } from './workflow-validation.ts';
import { WORKFLOW_TEMPLATES } from './workflow-templates.ts';

const base = () => ({
  name: 'T',
  trigger: { type: 'CONTACT_CREATED', conditions: [] },
  steps: [
    { id: 'a', name: 'A', type: 'SEND_EMAIL', config: { subject: 'Hi {{contact.firstName}}', body: 'x' }, nextSteps: ['b'] },
    { id: 'b', name: 'B', type: 'CREATE_TASK', config: { title: 'Call' }, nextSteps: [] as string[] },
  ] as Record<string, unknown>[],
  variables: {} as Record<string, unknown>,
});

function issuesOf(def: unknown) {
  return definitionIssues(def).issues;
}

describe('workflow definition validation', () => {
  it('accepts every shipped template', () => {
    for (const t of WORKFLOW_TEMPLATES) expect(issuesOf(t.definition), t.key).toEqual([]);
  });

  it('refuses a condition value its operator can never match (it would save a workflow that never runs)', () => {
    const d = base();
    d.trigger.conditions = [
      { field: 'contact.status', operator: 'in', value: 'LEAD' },
      { field: 'contact.leadScore', operator: 'gt' },
      { field: 'contact.email', operator: 'exists', value: 'no' },
      { field: 'contact.status', operator: 'eq' },
      { field: 'contact.leadScore', operator: 'gte', value: { min: 3 } },
      { field: 'contact.company', operator: 'contains', value: ['a'] },
    ] as never;
    d.steps[1].conditions = [{ field: 'contact.status', operator: 'in', value: [] }];
    expect(issuesOf(d)).toEqual([
      { path: 'steps.1.conditions.0.value', reason: 'step "b": operator "in" needs a non-empty list of values, e.g. ["LEAD", "PROSPECT"]' },
      { path: 'trigger.conditions.0.value', reason: 'trigger condition: operator "in" needs a non-empty list of values, e.g. ["LEAD", "PROSPECT"]' },
      { path: 'trigger.conditions.1.value', reason: 'trigger condition: operator "gt" needs a number or a date to compare with' },
      { path: 'trigger.conditions.2.value', reason: 'trigger condition: operator "exists" takes true, false or no value' },
      { path: 'trigger.conditions.3.value', reason: 'trigger condition: operator "eq" needs a value to compare with' },
      { path: 'trigger.conditions.4.value', reason: 'trigger condition: operator "gte" needs a number or a date to compare with' },
      { path: 'trigger.conditions.5.value', reason: 'trigger condition: operator "contains" needs a text, number or true/false to look for' },
    ]);
    d.trigger.conditions = [
      { field: 'contact.status', operator: 'in', value: ['LEAD'] },
      { field: 'contact.leadScore', operator: 'gt', value: 50 },
      { field: 'contact.createdAt', operator: 'lt', value: '2026-01-01' },
      { field: 'contact.email', operator: 'exists' },
      { field: 'contact.phone', operator: 'eq', value: null },
    ] as never;
    d.steps[1].conditions = [];
    expect(issuesOf(d)).toEqual([]);
  });

  it('checks the conditions of an AI decision\'s fallback rules too', () => {
    const d = base();
    d.steps = [
      {
        id: 'd',
        name: 'D',
        type: 'AI_DECISION',
        config: { question: 'Hot?', branches: [{ stepId: 'a', description: 'yes' }, { stepId: 'b', description: 'no' }], fallback: { rules: [{ when: [{ field: 'contact.leadScore', operator: 'in', value: 60 }], goTo: 'a' }], default: 'b' } },
        nextSteps: ['a', 'b'],
      },
      { id: 'a', name: 'A', type: 'CREATE_TASK', config: { title: 'Call' }, nextSteps: [] },
      { id: 'b', name: 'B', type: 'CREATE_TASK', config: { title: 'Nurture' }, nextSteps: [] },
    ];
    expect(issuesOf(d)).toEqual([
      { path: 'steps.0.config.fallback.rules.0.when.0.value', reason: 'step "d": operator "in" needs a non-empty list of values, e.g. ["LEAD", "PROSPECT"]' },
    ]);
  });

  it('names an unknown next step by step and field', () => {
    const d = base();
    d.steps[1].nextSteps = ['ghost'];
    expect(issuesOf(d)).toEqual([{ path: 'steps.1.nextSteps.0', reason: 'step "b": next step "ghost" does not exist' }]);
  });

  it('finds unreachable steps', () => {
    const d = base();
    d.steps[0].nextSteps = [];
    expect(issuesOf(d)).toEqual([{ path: 'steps.1', reason: 'step "b" is unreachable from the first step "a"' }]);
  });

  it('rejects a cycle without WAIT and accepts one through a WAIT', () => {
    const d = base();
    d.steps[1].nextSteps = ['a'];
    expect(issuesOf(d)).toEqual([{ path: 'steps.0.nextSteps', reason: 'steps a → b → a form a cycle with no WAIT step' }]);
    d.steps[1].nextSteps = ['w'];
    d.steps.push({ id: 'w', name: 'W', type: 'WAIT', config: { days: 1 }, nextSteps: ['a'] });
    expect(issuesOf(d)).toEqual([]);
  });

  it('checks each step config against its type', () => {
    const d = base();
    d.steps[1].config = {};
    d.steps.push({ id: 'w', name: 'W', type: 'WAIT', config: {}, nextSteps: [] });
    d.steps[1].nextSteps = ['w'];
    const issues = issuesOf(d);
    expect(issues.map((i) => i.path)).toEqual(['steps.1.config.title', 'steps.2.config']);
    expect(issues[0].reason).toMatch(/^step "b": CREATE_TASK /);
    expect(issues[1].reason).toBe('step "w": WAIT needs one of seconds, minutes, hours, days');
  });

  it('a missing or bad config field is named in the reason (it said `SEND_EMAIL is required`)', () => {
    const d = base();
    d.steps[0].config = { subject: 'Hi' };
    d.steps[1].config = { title: 'Call', dueInHours: 'soon' };
    expect(issuesOf(d)).toEqual([
      { path: 'steps.0.config.body', reason: 'step "a": SEND_EMAIL body is required' },
      { path: 'steps.1.config.dueInHours', reason: 'step "b": CREATE_TASK dueInHours: Invalid input: expected number, received string' },
    ]);
  });

  it('an unknown schedule time zone is named as the timezone (cron-parser blamed the cron)', () => {
    const d = base();
    d.trigger = { type: 'TIME_BASED', conditions: [], schedule: { cron: '0 9 * * 1', timezone: 'Mars/Olympus' } } as never;
    expect(issuesOf(d)).toEqual([{ path: 'trigger.schedule.timezone', reason: '"Mars/Olympus" is not an IANA time zone, e.g. "Europe/Berlin" or "UTC"' }]);
    d.trigger = { type: 'TIME_BASED', conditions: [], schedule: { cron: '0 9 * * 1', timezone: 'Europe/Berlin' } } as never;
    expect(issuesOf(d)).toEqual([]);
  });

  it('names template variables that do not exist', () => {
    const d = base();
    d.steps[0].config = { subject: 'Hi {{contact.nickname}}', body: '{{variables.promo}} {{steps.zzz.id}} {{event.anything}}' };
    expect(issuesOf(d).map((i) => [i.path, i.reason.split(' is ')[0].split(' refers')[0]])).toEqual([
      ['steps.0.config.subject', 'step "a": template variable "{{contact.nickname}}"'],
      ['steps.0.config.body', 'step "a": template variable "{{variables.promo}}"'],
      ['steps.0.config.body', 'step "a": template variable "{{steps.zzz.id}}"'],
    ]);
    d.variables = { promo: 'SPRING' };
    d.steps[0].config = { subject: 'x', body: '{{variables.promo}}' };
    expect(issuesOf(d)).toEqual([]);
  });

  it('requires AI decision branches to be next steps and goto targets to exist', () => {
    const d = base();
    d.steps[0] = {
      id: 'a',
      name: 'Decide',
      type: 'AI_DECISION',
      config: { question: 'q', branches: [{ stepId: 'b', description: 'b' }, { stepId: 'c', description: 'c' }], fallback: { default: 'b' } },
      nextSteps: ['b'],
      onError: { strategy: 'goto', gotoStep: 'nowhere' },
    };
    expect(issuesOf(d)).toEqual([
      { path: 'steps.0.onError.gotoStep', reason: 'step "a": goto step "nowhere" does not exist' },
      { path: 'steps.0.config.branches.1.stepId', reason: 'step "a": branch "c" must be one of its nextSteps' },
    ]);
  });

  it('validates schedules only for TIME_BASED triggers', () => {
    const d = base();
    d.trigger = { type: 'TIME_BASED', conditions: [] };
    expect(issuesOf(d)).toEqual([{ path: 'trigger.schedule', reason: 'TIME_BASED triggers need a schedule (cron)' }]);
    (d.trigger as Record<string, unknown>).schedule = { cron: '99 * * * *' };
    expect(issuesOf(d)[0].path).toBe('trigger.schedule.cron');
  });

  it('throws VALIDATION_FAILED with every issue as details', () => {
    const d = base();
    d.steps[1].nextSteps = ['ghost'];
    try {
      validateDefinition(d);
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(AppError);
      expect((err as AppError).code).toBe('VALIDATION_FAILED');
      expect((err as AppError).message).toContain('steps.1.nextSteps.0: step "b": next step "ghost" does not exist');
    }
  });

  it('reports schema errors with paths', () => {
    expect(issuesOf({ name: '', trigger: { type: 'NOPE' }, steps: [] }).map((i) => i.path).sort()).toEqual(['name', 'steps', 'trigger.type']);
  });
});
