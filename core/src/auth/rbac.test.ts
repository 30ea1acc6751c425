import { describe, expect, it } from 'vitest';
import { AppError } from '../errors/app-error.ts';
import { authorize } from './rbac.ts';

const rep = { tenantId: 't', userId: 'u1', role: 'SALES_REP' } as const;
const denied = (fn: () => unknown): AppError => {
  try {
    fn();
  } catch (err) {
    return err as AppError;
  }
  throw new Error('expected PERMISSION_DENIED');
};

describe('authorize messages', () => {
  it("names the other owner's record on a one-record write", () => {
    expect(denied(() => authorize(rep, 'contacts:write', { ownerId: 'u2' })).message).toBe('SALES_REP may only write contacts assigned to themselves');
    // a follow-up on another rep's contact: the message says whose records those are
    expect(denied(() => authorize(rep, 'interactions:write', { ownerId: 'u2' })).message).toBe(
      'SALES_REP may only write interactions and follow-ups of contacts assigned to themselves',
    );
  });

  // retrain_model or a bulk import as a sales rep said only "may only write contacts assigned to
  // themselves", as if a contact id were wrong
  it('says a tenant-wide action needs more than the own-records grant', () => {
    const err = denied(() => authorize(rep, 'contacts:write'));
    expect(err.code).toBe('PERMISSION_DENIED');
    expect(err.message).toBe("SALES_REP may only write contacts assigned to themselves; this action covers all of the tenant's contacts");
  });
});
