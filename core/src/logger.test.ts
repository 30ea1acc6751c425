import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { AppError } from './errors/app-error.ts';
import { createLogger, redactSecrets, safeErrorMessage, serializeError, statementName } from './logger.ts';

describe('log redaction', () => {
  it('censors keys, tokens and authorization at any depth, keeping everything else', () => {
    const lines: string[] = [];
    const sink = new Writable({ write: (chunk, _enc, done) => (lines.push(String(chunk)), done()) });
    const logger = createLogger({ level: 'info', destination: sink });
    logger.child({ component: 'http' }).info(
      {
        req: { headers: { authorization: 'Bearer crm_secret1', 'x-api-key': 'crm_secret2', host: 'localhost' } },
        provider: { config: { nested: { deeper: { apiKey: 'sk-secret3', accessToken: 'ya29.secret4', model: 'gemini' } } } },
        items: [{ password: 'secret5' }, { refresh_token: 'secret6' }],
        tokensUsed: 42,
      },
      'call',
    );
    const line = lines.join('');
    for (const s of ['crm_secret1', 'crm_secret2', 'sk-secret3', 'ya29.secret4', 'secret5', 'secret6']) expect(line).not.toContain(s);
    const parsed = JSON.parse(line);
    expect(parsed.req.headers).toEqual({ authorization: '[redacted]', 'x-api-key': '[redacted]', host: 'localhost' });
    expect(parsed.provider.config.nested.deeper.model).toBe('gemini');
    expect(parsed.tokensUsed).toBe(42);
  });

  it('survives cycles and leaves errors intact', () => {
    const a: Record<string, unknown> = { token: 't' };
    a.self = a;
    const err = new Error('boom');
    expect(redactSecrets({ a, err })).toEqual({ a: { token: '[redacted]', self: '[…]' }, err });
  });

  it('database errors: statement text, quoted input, bound parameters and row values are left out', () => {
    expect(safeErrorMessage(`insert into "contacts" ("email") values ('ann@x.io') - duplicate key value violates unique constraint "c_email_key"`)).toBe(
      '[SQL omitted] - duplicate key value violates unique constraint "c_email_key"',
    );
    expect(safeErrorMessage('invalid input syntax for type uuid: "ann@x.io"')).toBe('invalid input syntax for type uuid: [value omitted]');
    expect(safeErrorMessage('date/time field value out of range: "2025-02-30"')).toBe('date/time field value out of range: [value omitted]');
    expect(safeErrorMessage('connect ECONNREFUSED 127.0.0.1:5432')).toBe('connect ECONNREFUSED 127.0.0.1:5432');
    // a pg DatabaseError as the driver builds it: enumerable fields, some holding row data
    const pgErr = Object.assign(new Error('duplicate key value violates unique constraint "c_email_key"'), {
      code: '23505', severity: 'ERROR', constraint: 'c_email_key', table: 'contacts',
      detail: 'Key (tenant_id, email)=(t1, ann@x.io) already exists.', query: "insert into contacts values ('ann@x.io')", parameters: ['ann@x.io'], where: 'SQL statement "…ann@x.io…"',
    });
    const out = serializeError(Object.assign(new Error('wrapped'), { cause: pgErr })) as { cause: Record<string, unknown> };
    expect(JSON.stringify(out)).not.toContain('ann@x.io');
    expect(out.cause).toMatchObject({ code: '23505', constraint: 'c_email_key', table: 'contacts', severity: 'ERROR' });
    expect(out.cause.omitted).toEqual(['detail', 'query', 'parameters', 'where']);
  });

  it('names the failing statement by verb, first table and a hash of its shape, never its values', () => {
    const a = statementName(`insert into "contacts" ("email", "lead_score") values ('ann@x.io', 42)`);
    const b = statementName(`INSERT INTO "contacts" ("email", "lead_score")\n  VALUES ('bob@y.io', 7)`);
    expect(a).toMatch(/^insert contacts#[0-9a-f]{8}$/);
    expect(b).toBe(a); // same statement, other values, other spacing and case
    expect(statementName('update contacts set phone = $1 where id = $2')).toMatch(/^update contacts#/);
    expect(statementName('select * from interactions where contact_id = ?')).not.toBe(statementName('select * from follow_ups where contact_id = ?'));
    expect(statementName('WITH m AS (SELECT 1 FROM contacts) DELETE FROM follow_ups WHERE id IN (SELECT * FROM m)')).toMatch(/^delete contacts#/);
    expect(statementName(`select 'ann@x.io'::uuid`)).toMatch(/^select#[0-9a-f]{8}$/);
    // the serializer adds it from the statement the driver error carries, and lifts it out of a cause
    const pgErr = Object.assign(new Error('boom'), { code: '23505', query: "insert into contacts values ('ann@x.io')" });
    const out = serializeError(Object.assign(new Error('wrapped'), { cause: pgErr })) as Record<string, unknown>;
    expect(out.statement).toMatch(/^insert contacts#/);
    expect(JSON.stringify(out)).not.toContain('ann@x.io');
    expect(serializeError(new Error('no statement here'))).not.toHaveProperty('statement');
  });

  it('the database refusing work because the process is stopping is logged without a stack; other errors keep theirs', () => {
    const stopping = serializeError(new AppError('DATABASE_UNAVAILABLE', 'The database is closing: this process is stopping', { details: { reason: 'stopping' } })) as Record<string, unknown>;
    expect(stopping).toMatchObject({ message: 'The database is closing: this process is stopping', code: 'DATABASE_UNAVAILABLE', details: { reason: 'stopping' } });
    expect(stopping.stack).toBeUndefined();
    const outage = serializeError(new AppError('DATABASE_UNAVAILABLE', 'The database is unreachable', { details: { reason: 'unreachable' } })) as Record<string, unknown>;
    expect(outage.stack).toEqual(expect.stringContaining('The database is unreachable'));
  });
});
