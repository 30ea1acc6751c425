import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCrmCore, type CrmCore } from '../crm-core.ts';
import { silentLogger } from '../logger.ts';
import { createTenantFixture, openTestDatabase, testDbKinds, type TenantFixture, type TestDatabase } from '../testing/index.ts';
import type { OAuthClient } from './oauth-client.schema.ts';

const CHALLENGE = 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM';
const VERIFIER = 'dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk';

describe.each(testDbKinds())('OAuth purge of rows that can never be used again, on %s', (kind) => {
  let t: TestDatabase;
  let core: CrmCore;
  let f: TenantFixture;

  beforeAll(async () => {
    t = await openTestDatabase(kind);
    core = createCrmCore({ db: t.db, logger: silentLogger() });
    f = await createTenantFixture(core);
  });
  afterAll(() => t.drop());

  /** The owner connection: to move timestamps into the past as time would, and to look at the rows. */
  async function owner<R extends object = Record<string, unknown>>(sql: string, params: unknown[] = []): Promise<R[]> {
    const c = await t.db.connect();
    try {
      return (await c.query<R>(sql, params)).rows;
    } finally {
      c.release();
    }
  }
  const count = async (sql: string, params: unknown[]) => Number((await owner<{ n: string }>(sql, params))[0]!.n);
  const exists = async (table: 'oauth_clients' | 'oauth_grants', id: string) => (await count(`SELECT count(*) AS n FROM ${table} WHERE id = $1`, [id])) === 1;

  const register = async (name: string) => (await core.oauth.registerClient({ client_name: name, redirect_uris: ['http://127.0.0.1:33418/callback'] })).client;
  /** A consented, redeemed grant with one refresh token, as a client that signed in has. */
  async function signedIn(client: OAuthClient) {
    const code = await core.oauth.createCode({ client, user: f.rep, redirectUri: client.redirectUris[0]!, codeChallenge: CHALLENGE, resource: 'http://127.0.0.1:3000/mcp/crm', scope: 'crm:read', ttlSeconds: 60 });
    const grant = await core.oauth.redeemCode({ code, client, redirectUri: client.redirectUris[0], codeVerifier: VERIFIER });
    const refresh = await core.oauth.issueRefresh(grant, 7 * 86_400);
    return { grant, refresh };
  }

  it('keeps everything still usable and deletes only what can never be used again', async () => {
    // in use: a live refresh token (its grant is three days old)
    const live = await register('live');
    const liveSession = await signedIn(live);
    await owner("UPDATE oauth_grants SET code_used_at = now() - interval '3 days' WHERE id = $1", [liveSession.grant.id]);
    // its refresh token expired two days ago, code spent three days ago: token and grant go, the client stays
    const lapsed = await register('lapsed');
    const lapsedSession = await signedIn(lapsed);
    await owner("UPDATE oauth_refresh_tokens SET expires_at = now() - interval '2 days' WHERE grant_id = $1", [lapsedSession.grant.id]);
    await owner("UPDATE oauth_grants SET code_used_at = now() - interval '3 days' WHERE id = $1", [lapsedSession.grant.id]);
    // expired a few hours ago: a day's grace, kept
    const recent = await register('recent');
    const recentSession = await signedIn(recent);
    await owner("UPDATE oauth_refresh_tokens SET expires_at = now() - interval '3 hours' WHERE grant_id = $1", [recentSession.grant.id]);
    // a code never redeemed, expired three days ago
    const abandonedCode = await register('abandoned code');
    await core.oauth.createCode({ client: abandonedCode, user: f.rep, redirectUri: abandonedCode.redirectUris[0]!, codeChallenge: CHALLENGE, resource: 'r', scope: 'crm:read', ttlSeconds: 60 });
    await owner("UPDATE oauth_grants SET code_expires_at = now() - interval '3 days' WHERE client_id = $1", [abandonedCode.id]);
    // clients: revoked 31 and 5 days ago; registered and never used 8 days and 1 day ago
    const [revokedLong, revokedRecently, unusedOld, unusedNew] = await Promise.all(['revoked long ago', 'revoked recently', 'unused old', 'unused new'].map(register));
    await core.oauth.revokeClient(revokedLong.id);
    await core.oauth.revokeClient(revokedRecently.id);
    await owner("UPDATE oauth_clients SET revoked_at = now() - interval '31 days' WHERE id = $1", [revokedLong.id]);
    await owner("UPDATE oauth_clients SET revoked_at = now() - interval '5 days' WHERE id = $1", [revokedRecently.id]);
    await owner("UPDATE oauth_clients SET created_at = now() - interval '8 days' WHERE id = ANY($1)", [[unusedOld.id, abandonedCode.id]]);
    await owner("UPDATE oauth_clients SET created_at = now() - interval '1 day' WHERE id = $1", [unusedNew.id]);

    const first = await core.oauth.purgeExpired();
    // clients: revoked long ago, unused old, and the one whose only grant (an abandoned code) went just before
    expect(first).toEqual({ refreshTokens: 1, grants: 2, clients: 3 });

    expect(await exists('oauth_grants', liveSession.grant.id)).toBe(true);
    expect(await core.oauth.grantActive(liveSession.grant.id)).toBe(true);
    await expect(core.oauth.spendRefresh(liveSession.refresh, live)).resolves.toMatchObject({ id: liveSession.grant.id });
    expect(await exists('oauth_grants', lapsedSession.grant.id)).toBe(false);
    expect(await exists('oauth_clients', lapsed.id)).toBe(true); // it was used: it may sign in again
    expect(await exists('oauth_grants', recentSession.grant.id)).toBe(true);
    expect(await count('SELECT count(*) AS n FROM oauth_grants WHERE client_id = $1', [abandonedCode.id])).toBe(0);
    expect(await exists('oauth_clients', abandonedCode.id)).toBe(false);
    expect(await exists('oauth_clients', revokedLong.id)).toBe(false);
    expect(await exists('oauth_clients', revokedRecently.id)).toBe(true);
    expect(await exists('oauth_clients', unusedOld.id)).toBe(false);
    expect(await exists('oauth_clients', unusedNew.id)).toBe(true);
    expect(await core.oauth.purgeExpired()).toEqual({ refreshTokens: 0, grants: 0, clients: 0 });
  });
});
