import { AppError, silentLogger } from '@crm/core';
import { describe, expect, it } from 'vitest';
import { toJsonValue } from './json.ts';
import { errorResult, parseToolError, successResult, toToolError } from './tool-result.ts';

describe('tool results', () => {
  it('carries structuredContent and a summary line followed by the JSON', () => {
    const r = successResult({ a: 1 }, 'One thing.');
    expect(r.structuredContent).toEqual({ a: 1 });
    expect(r.content).toEqual([{ type: 'text', text: 'One thing.\n{"a":1}' }]);
  });

  it('turns an AppError into an isError result a program can read back', () => {
    const err = AppError.validation([{ path: 'email', reason: 'must be a valid email address' }]);
    const result = errorResult(toToolError(err, silentLogger(), 'create_contact'));
    expect(result.isError).toBe(true);
    expect(result).not.toHaveProperty('structuredContent');
    expect((result.content[0] as { text: string }).text).toMatch(/^VALIDATION_FAILED: Invalid input — email: must be a valid email address\n/);
    expect(parseToolError(result)).toEqual({ code: 'VALIDATION_FAILED', message: err.message, details: [{ path: 'email', reason: 'must be a valid email address' }] });
  });

  it('never leaks the message of an unexpected or internal error', () => {
    const unexpected = toToolError(new Error('connection to 10.0.0.5 refused: password for crm_app'), silentLogger(), 'get_contact');
    expect(unexpected.code).toBe('INTERNAL');
    expect(unexpected.message).not.toMatch(/10\.0\.0\.5|password/);
    const db = toToolError(new AppError('DATABASE_UNAVAILABLE', 'Cannot connect to postgres://secret@db'), silentLogger(), 'get_contact');
    expect(db).toEqual({ code: 'DATABASE_UNAVAILABLE', message: 'The database is unavailable; try again later' });
    const busy = toToolError(new AppError('DATABASE_UNAVAILABLE', 'all 10 of its database connections are in use', { retryAfter: 5, details: { reason: 'pool_busy', poolMax: 10 } }), silentLogger(), 'log_interaction');
    expect(busy).toEqual({ code: 'DATABASE_UNAVAILABLE', message: 'The server is busy: all its database connections are in use; try again shortly', retryAfter: 5 });
    const ai = toToolError(new AppError('AI_SERVICE_UNAVAILABLE', 'Pinecone: 401 Unauthorized for api key pcsk_abc123', { retryAfter: 5 }), silentLogger(), 'search_knowledge');
    expect(ai).toEqual({ code: 'AI_SERVICE_UNAVAILABLE', message: 'The AI service is temporarily unavailable; try again later', retryAfter: 5 });
  });

  it('carries the request id so a report can be matched with the server log', () => {
    expect(toToolError(AppError.notFound('Contact', 'x'), silentLogger(), 'get_contact', 'req-42').traceId).toBe('req-42');
    expect(toToolError(new Error('secret detail'), silentLogger(), 'get_contact', 'req-43')).toEqual({
      code: 'INTERNAL',
      message: 'Internal error (reference req-43); the server log has the details',
      traceId: 'req-43',
    });
  });

  it('converts dates to ISO strings and drops undefined fields', () => {
    expect(toJsonValue({ at: new Date('2025-01-02T03:04:05Z'), gone: undefined, list: [{ d: new Date(0) }], n: null })).toEqual({
      at: '2025-01-02T03:04:05.000Z',
      list: [{ d: '1970-01-01T00:00:00.000Z' }],
      n: null,
    });
  });
});
