import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCrmCore, type CrmCore } from './crm-core.ts';
import { AppError } from './errors/app-error.ts';
import { createLogger, silentLogger } from './logger.ts';
import { createTenantFixture, openTestDatabase, testDbKinds, type TenantFixture, type TestDatabase } from './testing/index.ts';

const PII = 'dana.whitfield@pii.example';

describe.each(testDbKinds())('database errors in the logs carry no SQL text or row values (%s)', (kind) => {
  let t: TestDatabase;
  let core: CrmCore;
  let f: TenantFixture;
  const lines: string[] = [];
  const logger = createLogger({ level: 'info', destination: new Writable({ write: (chunk, _enc, done) => (lines.push(String(chunk)), done()) }) });
  beforeAll(async () => {
    t = await openTestDatabase(kind);
    core = createCrmCore({ db: t.db, logger: silentLogger() });
    f = await createTenantFixture(core);
  });
  afterAll(() => t.drop());

  const logged = (err: unknown) => {
    lines.length = 0;
    logger.child({ reqId: 'req-42' }).error({ err }, 'request failed');
    expect(lines).toHaveLength(1);
    return { text: lines[0]!, json: JSON.parse(lines[0]!) as { reqId: string; err: Record<string, unknown> } };
  };

  it('a statement error through the ORM: the server message and code stay, the statement and its literal go', async () => {
    const err = await t.db.withTenant(f.tenantId, (em) => em.execute(`SELECT '${PII}'::uuid AS id`)).catch((e: unknown) => e);
    expect(String((err as Error).message)).toContain(PII); // the driver's own message has it…
    const { text, json } = logged(err);
    expect(text).not.toContain(PII); // …the log line does not
    expect(text).not.toMatch(/select '/i);
    expect(json.reqId).toBe('req-42');
    expect(json.err.message).toMatch(/invalid input syntax for type uuid: \[value omitted\]/);
    expect(json.err.code).toBe('22P02');
    expect(json.err.statement).toMatch(/^select#[0-9a-f]{8}$/); // which statement failed, without its values
    const other = logged(await t.db.withTenant(f.tenantId, (em) => em.execute(`SELECT 'someone.else@pii.example'::uuid AS id`)).catch((e: unknown) => e));
    expect(other.json.err.statement).toBe(json.err.statement);
  });

  it('a unique violation: the constraint stays, the statement and key values go', async () => {
    const insert = (em: { execute: (sql: string, params: unknown[]) => Promise<unknown> }) =>
      em.execute(`INSERT INTO contacts (id, tenant_id, first_name, last_name, email, status, source) VALUES (gen_random_uuid(), ?, 'Dana', 'Whitfield', ?, 'LEAD', 'test')`, [f.tenantId, PII]);
    await t.db.withTenant(f.tenantId, insert);
    const err = await t.db.withTenant(f.tenantId, insert).catch((e: unknown) => e);
    expect(JSON.stringify({ ...(err as object), message: (err as Error).message })).toContain(PII);
    const { text, json } = logged(err);
    expect(text).not.toContain(PII);
    expect(json.err.code).toBe('23505');
    expect(String(json.err.message)).toContain('contacts_tenant_id_email_key');
    expect(String(json.err.message)).toMatch(/duplicate key value violates unique constraint/);
    expect(json.err.statement).toMatch(/^insert contacts#[0-9a-f]{8}$/);
  });

  it('wrapped as the cause of an INTERNAL AppError: the cause is cleaned too', async () => {
    const cause = await t.db.withTenant(f.tenantId, (em) => em.execute(`SELECT '${PII}'::uuid`)).catch((e: unknown) => e);
    const { text, json } = logged(new AppError('INTERNAL', 'Something went wrong', { cause }));
    expect(text).not.toContain(PII);
    expect((json.err.cause as { message: string }).message).toMatch(/\[value omitted\]/);
    expect(json.err.statement).toMatch(/^select#/); // lifted from the cause: request id, code and statement on one line
    expect(json.err.code).toBe('INTERNAL');
  });
});
