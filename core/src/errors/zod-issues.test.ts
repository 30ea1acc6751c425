import { z } from 'zod';
import { describe, expect, it } from 'vitest';
import { AppError } from './app-error.ts';
import { parseOrThrow, zodIssues } from './zod-issues.ts';

describe('zod issues as field reasons', () => {
  it('a number field given text says so (it was "Invalid input: expected number, received NaN")', () => {
    const schema = z.object({ page: z.coerce.number().int().min(1), days: z.number().optional() }).strict();
    const result = schema.safeParse({ page: 'abc' });
    expect(result.success).toBe(false);
    expect(zodIssues(result.error!, 'query')).toEqual([{ path: 'query.page', reason: 'must be a number' }]);
    // a schema's own message still wins, and other type errors keep zod's wording
    expect(zodIssues(z.object({ n: z.coerce.number('n must be a count') }).safeParse({ n: 'x' }).error!)).toEqual([{ path: 'n', reason: 'n must be a count' }]);
    expect(zodIssues(schema.safeParse({ page: 1, days: 'x' }).error!)).toEqual([{ path: 'days', reason: 'Invalid input: expected number, received string' }]);
    expect(() => parseOrThrow(schema, { page: 'two' })).toThrow(AppError);
  });

  it('a required field left out says "is required" (it was "Invalid input: expected string, received undefined")', () => {
    const schema = z.object({ query: z.string().min(1), k: z.number().optional() }).strict();
    expect(zodIssues(schema.safeParse({}).error!, 'query')).toEqual([{ path: 'query.query', reason: 'is required' }]);
    // null is a value of the wrong type, not a missing field
    expect(zodIssues(schema.safeParse({ query: null }).error!)).toEqual([{ path: 'query', reason: 'Invalid input: expected string, received null' }]);
  });
});
