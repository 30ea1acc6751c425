import { AppError } from '@crm/core';
import { describe, expect, it } from 'vitest';
import { matchIdPrefix } from './approvals.command.ts';

const a = (id: string, status = 'pending') => ({ id, status }) as { id: string; status: 'pending' | 'approved' };
const queue = [a('2f0c1a00-0000-4000-8000-000000000001'), a('2f0c9b00-0000-4000-8000-000000000002', 'approved'), a('7d11aa00-0000-4000-8000-000000000003')];

describe('approval id prefixes (crm approvals show|approve|reject)', () => {
  it('finds the one request an id starts with, in any letter case', () => {
    expect(matchIdPrefix('7d11', queue, false)).toBe(queue[2]!.id);
    expect(matchIdPrefix('2F0C9', queue, false)).toBe(queue[1]!.id);
  });

  it('prefers the pending request when deciding, and names every match when it stays ambiguous', () => {
    expect(matchIdPrefix('2f0c', queue, true)).toBe(queue[0]!.id);
    let error: unknown;
    try {
      matchIdPrefix('2f0c', queue, false);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(AppError);
    expect(error).toMatchObject({ code: 'VALIDATION_FAILED', message: expect.stringContaining(queue[1]!.id) });
  });

  it('says when nothing matches', () => {
    expect(() => matchIdPrefix('abcd', queue, true)).toThrow(/No approval request whose id starts with "abcd"/);
  });
});
