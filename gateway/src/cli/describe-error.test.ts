import { AppError } from '@crm/core/contracts';
import { describe, expect, it } from 'vitest';
import { describeError } from './describe-error.ts';
import { exitCodeFor } from './exit-codes.ts';

describe('describeError', () => {
  it('does not repeat a file-level CSV reason that the message already says', () => {
    const reason = 'the file is empty — expected a header row followed by data rows';
    const err = AppError.validation([{ path: 'file', reason, row: 1 }], `CSV file rejected — ${reason}`);
    const line = describeError(err);
    expect(line).toBe(`VALIDATION_FAILED: CSV file rejected — ${reason}`);
  });

  it('still lists the field issues the message does not name', () => {
    const err = AppError.validation([{ path: 'email', reason: 'must be a valid email address' }, { path: 'name', reason: 'required' }], 'Invalid input — email: must be a valid email address');
    expect(describeError(err)).toBe('VALIDATION_FAILED: Invalid input — email: must be a valid email address (name: required)');
  });

  it('says a directory is not a file, as bad input rather than an internal error', () => {
    const err = Object.assign(new Error('EISDIR: illegal operation on a directory, read'), { code: 'EISDIR', path: '/tmp/leads' });
    expect(describeError(err)).toBe('/tmp/leads is a directory, not a file');
    expect(exitCodeFor(err)).toBe(66);
  });
});
