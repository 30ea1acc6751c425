import { AppError } from '@crm/core';
import type { FastifyRequest } from 'fastify';
import { describe, expect, it } from 'vitest';
import { errorEnvelope } from './error-envelope.ts';

const req = (body: unknown, query: unknown = {}) => ({ id: 'r1', url: '/api/v1/contacts', body, query, log: { error() {} } }) as unknown as FastifyRequest;

describe('errorEnvelope', () => {
  // the route schema names `body.assignedTo`; the same field refused by the service came back as
  // plain `assignedTo`, so a client mapping errors to form fields by path missed it
  it("prefixes a service's field issue with where the field came from", () => {
    const err = AppError.validation([{ path: 'assignedTo', reason: 'no user 0000 in this tenant' }]);
    const { status, body } = errorEnvelope(err, req({ firstName: 'A', assignedTo: '0000' }));
    expect(status).toBe(400);
    expect(body.error.details).toEqual([{ path: 'body.assignedTo', reason: 'no user 0000 in this tenant' }]);
    expect(body.error.message).toBe('Invalid input — body.assignedTo: no user 0000 in this tenant');
  });

  it('uses query. for a query parameter and leaves prefixed or unknown paths alone', () => {
    const err = AppError.validation([
      { path: 'ownerId', reason: 'no such user' },
      { path: 'body.email', reason: 'taken' },
      { path: 'dateRange.start', reason: 'start must be before end' },
    ]);
    const { body } = errorEnvelope(err, req(undefined, { ownerId: 'x' }));
    expect(body.error.details).toEqual([
      { path: 'query.ownerId', reason: 'no such user' },
      { path: 'body.email', reason: 'taken' },
      { path: 'dateRange.start', reason: 'start must be before end' },
    ]);
  });

  it('tells a busy server (every pooled connection in use) from an unavailable database, without internals', () => {
    const busy = new AppError('DATABASE_UNAVAILABLE', 'The server is busy: all 10 of its database connections are in use', {
      retryAfter: 5,
      details: { reason: 'pool_busy', poolMax: 10 },
    });
    const a = errorEnvelope(busy, req(undefined));
    expect(a.status).toBe(503);
    expect(a.body.error.message).toBe('The server is busy: all its database connections are in use. Please retry shortly.');
    expect(a.body.error.details).toEqual({ reason: 'pool_busy', poolMax: 10 });
    expect(a.body.meta).toEqual({ retryAfter: 5 });
    const down = errorEnvelope(new AppError('DATABASE_UNAVAILABLE', 'Cannot connect to postgres://secret@db', { retryAfter: 5, details: { reason: 'unreachable' } }), req(undefined));
    expect(down.body.error.message).toBe('The database is unavailable. Please retry shortly.');
  });
});
