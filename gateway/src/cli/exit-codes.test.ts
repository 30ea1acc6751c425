import { describe, expect, it } from 'vitest';
import { AppError } from '@crm/core/contracts';
import { exitCodeFor } from './exit-codes.ts';

describe('exitCodeFor', () => {
  it('gives 64 (bad usage) for a missing or unknown action or server, 65 for invalid input', () => {
    expect(exitCodeFor(AppError.validation([{ path: 'action', reason: 'must be "run"' }]))).toBe(64);
    expect(exitCodeFor(AppError.validation([{ path: 'subcommand', reason: 'must be add or search, got nothing' }]))).toBe(64);
    expect(exitCodeFor(AppError.validation([{ path: 'server', reason: 'must be one of crm' }]))).toBe(64);
    expect(exitCodeFor(AppError.validation([{ path: 'email', reason: 'must be an email address' }]))).toBe(65);
    expect(exitCodeFor(AppError.validation([{ path: 'action', reason: 'x' }, { path: 'email', reason: 'y' }]))).toBe(65);
    expect(exitCodeFor(new AppError('VALIDATION_FAILED', 'no details'))).toBe(65);
    expect(exitCodeFor(Object.assign(new Error('Unknown option'), { code: 'ERR_PARSE_ARGS_UNKNOWN_OPTION' }))).toBe(64);
    expect(exitCodeFor(new AppError('NOT_FOUND', 'Contact x not found'))).toBe(66);
  });
});
