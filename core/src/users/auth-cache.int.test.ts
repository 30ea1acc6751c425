import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createCrmCore, type CrmCore } from '../crm-core.ts';
import { subscribeNotify } from '../db/notify-listener.ts';
import { silentLogger } from '../logger.ts';
import { openTestDatabase, testDbKinds, type TestDatabase } from '../testing/index.ts';
import { AuthCache, authCacheOf, startAuthCache } from './auth-cache.ts';

const errorOf = (p: Promise<unknown>) => p.then(() => undefined, (e: { code: string; message: string }) => e);

describe('AuthCache', () => {
  const key = { keyId: 'k', userId: 'u', tenantId: 't', role: 'ADMIN', email: 'a@b.c', name: 'A', expiresAt: null, lastUsedAt: null };

  it('holds nothing until it listens, and forgets everything when it stops listening', () => {
    const c = new AuthCache(60_000);
    c.set('h', key, c.gen, 0);
    expect(c.get('h', 0)).toBeUndefined();
    c.setListening(true);
    c.set('h', key, c.gen, 0);
    expect(c.get('h', 1)).toBe(key);
    c.setListening(false);
    expect(c.get('h', 1)).toBeUndefined();
    c.setListening(true);
    expect(c.get('h', 1)).toBeUndefined();
  });

  it('does not store a lookup that was in flight when a change was announced', () => {
    const c = new AuthCache(60_000);
    c.setListening(true);
    const gen = c.gen; // the lookup starts
    c.invalidate(); // a revocation commits meanwhile
    c.set('h', key, gen, 0);
    expect(c.get('h', 0)).toBeUndefined();
    expect(c.size).toBe(0);
  });

  it('expires entries after the TTL and keeps at most maxEntries', () => {
    const c = new AuthCache(1000, 2);
    c.setListening(true);
    c.set('a', key, c.gen, 0);
    c.set('b', key, c.gen, 10);
    c.set('c', key, c.gen, 20);
    expect(c.size).toBe(2);
    expect(c.get('a', 30)).toBeUndefined(); // the oldest made room
    expect(c.get('b', 999)).toBe(key);
    expect(c.get('b', 1010)).toBeUndefined();
  });
});

describe('API-key cache on the embedded database', () => {
  it('is not started: a NOTIFY from another connection never reaches the listener there', async () => {
    const t = await openTestDatabase('pglite');
    try {
      const core = createCrmCore({ db: t.db, logger: silentLogger() });
      const { cache, stop } = startAuthCache(t.db, silentLogger(), 3600);
      expect(cache).toBeUndefined();
      expect(authCacheOf(t.db)).toBeUndefined();
      const created = await core.tenants.create({ name: 'Embedded', slug: 'embedded', admin: { email: 'ed@embedded.io' } });
      await core.users.authenticate(created.apiKey);
      const other = new pg.Client({ connectionString: t.db.url });
      await other.connect();
      await other.query('UPDATE api_keys SET revoked_at = now()');
      await other.end();
      // read again at once: nothing was kept
      expect(await errorOf(core.users.authenticate(created.apiKey))).toMatchObject({ code: 'UNAUTHENTICATED', message: 'This API key was revoked' });
      await stop();
    } finally {
      await t.drop();
    }
  });
});

describe.each(testDbKinds().filter((k) => k === 'postgres'))('API-key cache invalidation on %s', (kind) => {
  let t: TestDatabase;
  let core: CrmCore;
  let stop: () => Promise<void>;
  let cache: AuthCache;
  /** Another process (a CLI command, another replica): its own connection, not this process's services. */
  let other: pg.Client;
  let probed = 0;
  let unprobe: () => Promise<void>;

  beforeAll(async () => {
    t = await openTestDatabase(kind);
    core = createCrmCore({ db: t.db, logger: silentLogger() });
    const started = startAuthCache(t.db, silentLogger(), 3600);
    cache = started.cache!;
    stop = started.stop;
    unprobe = subscribeNotify(t.db, silentLogger(), { channel: 'crm_test_probe', notify: () => probed++ });
    other = new pg.Client({ connectionString: t.db.url });
    await other.connect();
    await vi.waitFor(() => expect(cache.active).toBe(true), { timeout: 30_000, interval: 20 });
  });
  afterAll(async () => {
    await other.end();
    await unprobe();
    await stop();
    expect(authCacheOf(t.db)).toBeUndefined();
    await t.drop();
  });

  /** Wait until this process has heard of a change (its cache emptied), as the next request would. */
  const heard = () => vi.waitFor(() => expect(cache.size).toBe(0), { timeout: 30_000, interval: 20 });

  it('serves a known key from memory, and a revocation by another process refuses it', async () => {
    const created = await core.tenants.create({ name: 'Cache', slug: `cache-${kind}`, admin: { email: 'ada@cache.io' } });
    const first = await core.users.authenticate(created.apiKey);
    expect(first).toMatchObject({ tenantId: created.tenant.id, role: 'ADMIN' });
    expect(cache.size).toBe(1);
    // the stored key can change under the cache without a notification only for the last-used stamp
    await other.query("UPDATE api_keys SET last_used_at = now() - interval '1 day' WHERE tenant_id = $1", [created.tenant.id]);
    // notifications from one connection arrive in commit order: once the probe is here, a
    // notification of the stamp would have been handled
    const probes = probed;
    await other.query('NOTIFY crm_test_probe');
    await vi.waitFor(() => expect(probed).toBe(probes + 1), { timeout: 30_000, interval: 20 });
    expect(cache.size).toBe(1);

    await other.query('UPDATE api_keys SET revoked_at = now() WHERE tenant_id = $1', [created.tenant.id]);
    await heard();
    const denied = await errorOf(core.users.authenticate(created.apiKey));
    expect(denied).toMatchObject({ code: 'UNAUTHENTICATED', message: 'This API key was revoked' });
    expect(cache.size).toBe(0); // refused keys are not kept
  });

  it('a role change, a deactivation and an expiry set elsewhere apply to the next lookup', async () => {
    const created = await core.tenants.create({ name: 'Roles', slug: `roles-${kind}`, admin: { email: 'bo@roles.io' } });
    const admin = { tenantId: created.tenant.id, userId: created.admin.id, role: 'ADMIN' as const };
    const sam = await core.users.createUser(admin, { email: 'sam@roles.io', name: 'Sam', role: 'SALES_REP' });
    expect(await core.users.authenticate(sam.apiKey)).toMatchObject({ role: 'SALES_REP' });
    expect(cache.size).toBe(1);
    // the user a verified token names is kept beside the key
    expect(await core.credentials.activeUser(created.tenant.id, sam.user.id)).toMatchObject({ role: 'SALES_REP', email: 'sam@roles.io' });
    expect(cache.size).toBe(2);

    await other.query("UPDATE users SET role = 'SALES_MANAGER' WHERE id = $1", [sam.user.id]);
    await heard();
    expect(await core.users.authenticate(sam.apiKey)).toMatchObject({ role: 'SALES_MANAGER' });
    expect(await core.credentials.activeUser(created.tenant.id, sam.user.id)).toMatchObject({ role: 'SALES_MANAGER' });

    await other.query("UPDATE api_keys SET expires_at = now() - interval '1 second' WHERE user_id = $1", [sam.user.id]);
    await heard();
    expect(await errorOf(core.users.authenticate(sam.apiKey))).toMatchObject({ code: 'UNAUTHENTICATED', message: 'This API key has expired' });

    await other.query('UPDATE api_keys SET expires_at = NULL WHERE user_id = $1', [sam.user.id]);
    await core.users.deactivate(admin, sam.user.id);
    await heard();
    expect(await errorOf(core.users.authenticate(sam.apiKey))).toMatchObject({ code: 'UNAUTHENTICATED', message: 'The user of this API key is deactivated' });
    expect(await errorOf(core.credentials.activeUser(created.tenant.id, sam.user.id))).toMatchObject({ code: 'UNAUTHENTICATED', message: 'The user of this token is deactivated' });
  });

  it('a deleted tenant takes its cached keys with it', async () => {
    const created = await core.tenants.create({ name: 'Gone', slug: `gone-${kind}`, admin: { email: 'cy@gone.io' } });
    await core.users.authenticate(created.apiKey);
    expect(cache.size).toBe(1);
    await other.query('DELETE FROM tenants WHERE id = $1', [created.tenant.id]);
    await heard();
    expect(await errorOf(core.users.authenticate(created.apiKey))).toMatchObject({ code: 'UNAUTHENTICATED', message: 'Unknown API key' });
  });
});
