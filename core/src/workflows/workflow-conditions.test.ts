import { describe, expect, it } from 'vitest';
import { evaluateCondition, evaluateConditions, type ConditionContext } from './workflow-conditions.ts';
import type { Condition } from './workflow.schema.ts';

const ctx: ConditionContext = {
  contact: { status: 'CUSTOMER', leadScore: 82, company: 'Acme Corp', tags: ['vip', 'webinar'], phone: null, createdAt: '2026-01-10T00:00:00.000Z' },
  event: { from: 'PROSPECT', to: 'CUSTOMER', interaction: { type: 'MEETING' } },
  variables: { tier: 'gold' },
  before: { contact: { status: 'PROSPECT' } },
};

const cases: [string, Condition, boolean][] = [
  ['eq string (case-insensitive)', { field: 'contact.status', operator: 'eq', value: 'customer' }, true],
  ['eq mismatch', { field: 'contact.status', operator: 'eq', value: 'LEAD' }, false],
  ['eq number vs numeric string', { field: 'contact.leadScore', operator: 'eq', value: '82' }, true],
  ['eq on a missing field', { field: 'contact.nope', operator: 'eq', value: 'x' }, false],
  ['neq', { field: 'contact.status', operator: 'neq', value: 'LEAD' }, true],
  ['neq equal', { field: 'event.to', operator: 'neq', value: 'CUSTOMER' }, false],
  ['gt', { field: 'contact.leadScore', operator: 'gt', value: 80 }, true],
  ['gt boundary', { field: 'contact.leadScore', operator: 'gt', value: 82 }, false],
  ['gte boundary', { field: 'contact.leadScore', operator: 'gte', value: 82 }, true],
  ['lt', { field: 'contact.leadScore', operator: 'lt', value: 90 }, true],
  ['lte boundary', { field: 'contact.leadScore', operator: 'lte', value: 81.9 }, false],
  ['gt on text is false, not a string comparison surprise', { field: 'contact.status', operator: 'gt', value: 5 }, false],
  ['lt on ISO dates', { field: 'contact.createdAt', operator: 'lt', value: '2026-02-01' }, true],
  ['in', { field: 'contact.status', operator: 'in', value: ['PROSPECT', 'CUSTOMER'] }, true],
  ['in miss', { field: 'contact.status', operator: 'in', value: ['LEAD'] }, false],
  ['in needs a list', { field: 'contact.status', operator: 'in', value: 'CUSTOMER' }, false],
  ['contains substring', { field: 'contact.company', operator: 'contains', value: 'acme' }, true],
  ['contains array element', { field: 'contact.tags', operator: 'contains', value: 'webinar' }, true],
  ['contains miss', { field: 'contact.tags', operator: 'contains', value: 'cold' }, false],
  ['changed_to from another value', { field: 'contact.status', operator: 'changed_to', value: 'CUSTOMER' }, true],
  ['changed_to a value it does not have', { field: 'contact.status', operator: 'changed_to', value: 'LEAD' }, false],
  ['changed_to with no previous value', { field: 'variables.tier', operator: 'changed_to', value: 'gold' }, true],
  ['exists', { field: 'event.interaction.type', operator: 'exists' }, true],
  ['exists on null', { field: 'contact.phone', operator: 'exists', value: true }, false],
  ['exists false on missing', { field: 'contact.missing', operator: 'exists', value: false }, true],
];

describe('workflow conditions', () => {
  it.each(cases)('%s', (_, condition, expected) => {
    expect(evaluateCondition(condition, ctx)).toBe(expected);
  });

  it('changed_to is false when the value did not change', () => {
    const same: ConditionContext = { ...ctx, before: { contact: { status: 'CUSTOMER' } } };
    expect(evaluateCondition({ field: 'contact.status', operator: 'changed_to', value: 'CUSTOMER' }, same)).toBe(false);
  });

  it('all conditions must hold; none means always', () => {
    expect(evaluateConditions([], ctx)).toBe(true);
    expect(
      evaluateConditions(
        [
          { field: 'contact.leadScore', operator: 'gte', value: 80 },
          { field: 'contact.status', operator: 'eq', value: 'LEAD' },
        ],
        ctx,
      ),
    ).toBe(false);
  });
});
