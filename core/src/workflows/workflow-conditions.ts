import type { Condition } from './workflow.schema.ts';

/**
 * What conditions and templates read: the contact as it is now, the triggering event's payload,
 * the workflow's variables, the manual/webhook input and earlier steps' outputs. `before` holds the
 * values the triggering change replaced (e.g. `contact.status` of a status change), for `changed_to`.
 */
export interface ConditionContext {
  contact?: Record<string, unknown> | null;
  event?: Record<string, unknown> | null;
  variables?: Record<string, unknown>;
  input?: Record<string, unknown>;
  steps?: Record<string, unknown>;
  before?: Record<string, unknown>;
}

export function readPath(root: unknown, path: string): unknown {
  let cur: unknown = root;
  for (const key of path.split('.')) {
    if (cur === null || cur === undefined || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[key];
  }
  return cur instanceof Date ? cur.toISOString() : cur;
}

function comparable(v: unknown): number | string | undefined {
  if (typeof v === 'number') return v;
  if (typeof v === 'string') {
    if (v.trim() !== '' && Number.isFinite(Number(v))) return Number(v);
    const t = Date.parse(v);
    return /^\d{4}-\d{2}-\d{2}/.test(v) && Number.isFinite(t) ? t : v;
  }
  return undefined;
}

function equal(a: unknown, b: unknown): boolean {
  if (typeof a === 'string' && typeof b === 'string') return a.toLowerCase() === b.toLowerCase();
  if (typeof a === 'number' || typeof b === 'number') return comparable(a) === comparable(b);
  return JSON.stringify(a) === JSON.stringify(b);
}

function order(a: unknown, b: unknown): number | null {
  const x = comparable(a);
  const y = comparable(b);
  if (x === undefined || y === undefined || typeof x !== typeof y) return null;
  return x < y ? -1 : x > y ? 1 : 0;
}

/** One condition; a missing field fails every operator except `exists: false` and `neq`. */
export function evaluateCondition(c: Condition, ctx: ConditionContext): boolean {
  const actual = readPath(ctx, c.field);
  switch (c.operator) {
    case 'exists':
      return (actual !== undefined && actual !== null) === (c.value === undefined ? true : Boolean(c.value));
    case 'eq':
      return actual !== undefined && equal(actual, c.value);
    case 'neq':
      return !equal(actual, c.value);
    case 'gt':
    case 'gte':
    case 'lt':
    case 'lte': {
      const o = order(actual, c.value);
      if (o === null) return false;
      return c.operator === 'gt' ? o > 0 : c.operator === 'gte' ? o >= 0 : c.operator === 'lt' ? o < 0 : o <= 0;
    }
    case 'in':
      return Array.isArray(c.value) && actual !== undefined && c.value.some((v) => equal(actual, v));
    case 'contains':
      if (Array.isArray(actual)) return actual.some((v) => equal(v, c.value));
      return typeof actual === 'string' && typeof c.value === 'string' && actual.toLowerCase().includes(c.value.toLowerCase());
    case 'changed_to': {
      if (actual === undefined || !equal(actual, c.value)) return false;
      const previous = readPath(ctx.before ?? {}, c.field);
      // unknown previous value (e.g. a created contact): it became this value now
      return previous === undefined || !equal(previous, c.value);
    }
  }
}

export function evaluateConditions(conditions: readonly Condition[] | undefined, ctx: ConditionContext): boolean {
  return (conditions ?? []).every((c) => evaluateCondition(c, ctx));
}
