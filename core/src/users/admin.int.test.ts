import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCrmCore, type CrmCore } from '../crm-core.ts';
import { silentLogger } from '../logger.ts';
import { createTenantFixture, openTestDatabase, testDbKinds, type TenantFixture, type TestDatabase } from '../testing/index.ts';

const codeOf = (p: Promise<unknown>) => p.then(() => 'ok', (e: { code?: string }) => e.code ?? String(e));
const errorOf = (p: Promise<unknown>) => p.then(() => undefined, (e: { code: string; message: string; details: unknown }) => e);

describe.each(testDbKinds())('tenants, users and API keys on %s', (kind) => {
  let t: TestDatabase;
  let core: CrmCore;
  let f: TenantFixture;
  let other: TenantFixture;

  beforeAll(async () => {
    t = await openTestDatabase(kind);
    core = createCrmCore({ db: t.db, logger: silentLogger() });
    f = await createTenantFixture(core);
    other = await createTenantFixture(core);
  });
  afterAll(() => t.drop());

  /** The owner connection, to move a key's expiry into the past as time would. */
  async function ownerQuery(sql: string, params: unknown[]): Promise<void> {
    const c = await t.db.connect();
    try {
      await c.query(sql, params);
    } finally {
      c.release();
    }
  }

  it('creates a tenant whose first admin can sign in with the key shown once, audited', async () => {
    const created = await core.tenants.create({ name: 'Acme', slug: `acme-${kind}`, admin: { email: 'Ada.Lovelace@Acme.io' } });
    expect(created.admin).toMatchObject({ email: 'ada.lovelace@acme.io', name: 'Ada Lovelace' });
    const who = await core.users.authenticate(created.apiKey);
    expect(who).toMatchObject({ tenantId: created.tenant.id, userId: created.admin.id, role: 'ADMIN' });
    const admin = { tenantId: created.tenant.id, userId: created.admin.id, role: 'ADMIN' as const };
    const audit = await core.audit.list(admin, { entityType: 'tenant' });
    expect(audit[0]).toMatchObject({ action: 'tenant.created', actorKind: 'system', via: 'operator:cli', actorRole: 'SYSTEM' });
    // the key itself is never stored: only its hash and a short prefix
    const [key] = await core.apiKeys.list(admin);
    expect(key.prefix).toBe(`${created.apiKey.slice(0, 12)}…`);
    expect(JSON.stringify(audit)).not.toContain(created.apiKey);
  });

  it('refuses bad and duplicate tenants with the field and reason', async () => {
    const bad = await errorOf(core.tenants.create({ name: 'X', slug: 'Bad Slug', admin: { email: 'not-an-email' } }));
    expect(bad?.code).toBe('VALIDATION_FAILED');
    expect((bad?.details as { path: string }[]).map((d) => d.path).sort()).toEqual(['admin.email', 'slug']);
    const dup = await errorOf(core.tenants.create({ name: 'Again', slug: `acme-${kind}`, admin: { email: 'x@y.io' } }));
    expect(dup).toMatchObject({ code: 'CONFLICT', details: [{ path: 'slug', reason: 'already exists' }] });
  });

  it('adds, lists, re-roles and deactivates users; duplicates conflict; the last admin stays', async () => {
    const { user, apiKey } = await core.users.createUser(f.admin, { email: 'new@x.io', name: 'New', role: 'SALES_REP' });
    expect(await codeOf(core.users.createUser(f.admin, { email: 'NEW@x.io', name: 'Dup', role: 'SALES_REP' }))).toBe('CONFLICT');
    expect(await codeOf(core.users.createUser(f.admin, { email: 'r@x.io', name: 'R', role: 'SYSTEM' }))).toBe('VALIDATION_FAILED');
    expect(await codeOf(core.users.createUser(f.manager, { email: 'm@x.io', name: 'M', role: 'SALES_REP' }))).toBe('PERMISSION_DENIED');

    expect((await core.users.setRole(f.admin, 'new@x.io', { role: 'SALES_MANAGER' })).role).toBe('SALES_MANAGER');
    expect(await codeOf(core.users.setRole(f.admin, user.id, { role: 'SALES_MANAGER' }))).toBe('CONFLICT');
    expect(await codeOf(core.users.setRole(f.admin, f.admin.userId, { role: 'SALES_REP' }))).toBe('CONFLICT');
    expect(await codeOf(core.users.deactivate(f.admin, f.admin.userId))).toBe('CONFLICT');

    expect(await core.users.authenticate(apiKey)).toMatchObject({ userId: user.id });
    expect((await core.users.deactivate(f.admin, user.id)).status).toBe('deactivated');
    expect(await codeOf(core.users.authenticate(apiKey))).toBe('UNAUTHENTICATED');
    expect(await codeOf(core.users.deactivate(f.admin, user.id))).toBe('CONFLICT');
    expect((await core.users.list(f.admin)).map((u) => u.email)).not.toContain('new@x.io');
    expect((await core.users.list(f.admin, { includeDeactivated: true })).find((u) => u.email === 'new@x.io')?.status).toBe('deactivated');

    const actions = (await core.audit.list(f.admin, { entityType: 'user', entityId: user.id })).map((a) => a.action);
    expect(actions).toEqual(['user.deactivated', 'user.role_changed', 'user.created']);
  });

  it('creates, lists, rotates and revokes keys; revoked and expired keys are UNAUTHENTICATED', async () => {
    const a = await core.apiKeys.create(f.admin, { userId: f.rep.userId, name: 'laptop' });
    expect(await codeOf(core.apiKeys.create(f.admin, { userId: f.rep.userId, name: 'laptop' }))).toBe('CONFLICT');
    expect(await codeOf(core.apiKeys.create(f.admin, { userId: f.rep.userId, expiresAt: '2001-01-01' }))).toBe('VALIDATION_FAILED');
    expect(await codeOf(core.apiKeys.create(f.rep, { userId: f.manager.userId }))).toBe('PERMISSION_DENIED');

    expect(a.key.lastUsedAt).toBeNull();
    await core.users.authenticate(a.apiKey);
    const [listed] = (await core.apiKeys.list(f.rep)).filter((k) => k.id === a.key.id);
    expect(listed.lastUsedAt).toBeInstanceOf(Date);

    const rotated = await core.apiKeys.rotate(f.rep, a.key.id);
    expect(rotated.key.name).toBe('laptop');
    expect(await codeOf(core.users.authenticate(a.apiKey))).toBe('UNAUTHENTICATED');
    expect(await core.users.authenticate(rotated.apiKey)).toMatchObject({ userId: f.rep.userId });

    await core.apiKeys.revoke(f.admin, rotated.key.id);
    expect(await core.users.authenticate(rotated.apiKey).catch((e: Error) => e.message)).toBe('This API key was revoked');
    expect(await codeOf(core.apiKeys.revoke(f.admin, rotated.key.id))).toBe('CONFLICT');

    const soon = await core.apiKeys.create(f.admin, { userId: f.rep.userId, name: 'ci', expiresAt: new Date(Date.now() + 3600_000) });
    expect(await core.users.authenticate(soon.apiKey)).toMatchObject({ userId: f.rep.userId });
    await ownerQuery("UPDATE api_keys SET expires_at = now() - interval '1 second' WHERE id = $1", [soon.key.id]);
    expect(await core.users.authenticate(soon.apiKey).catch((e: Error) => e.message)).toBe('This API key has expired');
    expect((await core.apiKeys.list(f.admin, { userId: f.rep.userId, includeInactive: true })).find((k) => k.id === soon.key.id)?.status).toBe('expired');

    const actions = (await core.audit.list(f.admin, { entityType: 'api_key' })).map((a) => a.action);
    expect(actions).toEqual(expect.arrayContaining(['api_key.created', 'api_key.rotated', 'api_key.revoked']));
    expect(await codeOf(core.apiKeys.revoke(f.admin, 'not-a-uuid'))).toBe('VALIDATION_FAILED');
  });

  it("keeps each tenant's keys to itself", async () => {
    const theirs = await core.apiKeys.list(other.admin, { includeInactive: true });
    const ours = await core.apiKeys.list(f.admin, { includeInactive: true });
    expect(theirs.length).toBeGreaterThan(0);
    expect(theirs.filter((k) => ours.some((o) => o.id === k.id))).toEqual([]);
    const foreign = ours[0];
    expect(await codeOf(core.apiKeys.revoke(other.admin, foreign.id))).toBe('NOT_FOUND');
  });

  it('the system actor writes with its own permissions, audited as "via X on behalf of Y"', async () => {
    const system = await core.users.systemActor(f.tenantId, { via: 'workflow:welcome-series', onBehalfOf: f.manager.userId });
    expect(system).toMatchObject({ kind: 'system', role: 'SYSTEM', via: 'workflow:welcome-series', onBehalfOf: f.manager.userId });
    const contact = await core.contacts.create(system, { firstName: 'Auto', lastName: 'Mated', email: `auto-${kind}@x.io` });
    await core.interactions.log(system, { contactId: contact.id, type: 'EMAIL', channel: 'EMAIL', direction: 'OUTBOUND', content: 'welcome' });
    const [row] = await core.audit.list(f.admin, { entityType: 'contact', entityId: contact.id });
    expect(row).toMatchObject({ action: 'contact.created', actorId: system.userId, actorRole: 'SYSTEM', actorKind: 'system', via: 'workflow:welcome-series', onBehalfOf: f.manager.userId });

    expect(await codeOf(core.users.createUser(system, { email: 's@x.io', name: 'S', role: 'ADMIN' }))).toBe('PERMISSION_DENIED');
    expect(await codeOf(core.audit.list(system))).toBe('PERMISSION_DENIED');
    expect(await codeOf(core.apiKeys.create(f.admin, { userId: system.userId }))).toBe('VALIDATION_FAILED');
    expect(await codeOf(core.users.systemActor(f.tenantId, { via: 'no spaces allowed' }))).toBe('VALIDATION_FAILED');
    expect(await codeOf(core.users.systemActor(f.tenantId, { via: 'agent:x', onBehalfOf: other.admin.userId }))).toBe('VALIDATION_FAILED');
    expect((await core.users.list(f.admin)).some((u) => (u.role as string) === 'SYSTEM')).toBe(false);
  });
});
