import { createHash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import type pg from 'pg';
import type { Database } from '../db/database.ts';
import { AppError } from '../errors/app-error.ts';
import { isUuid } from '../errors/uuid.ts';
import { authCacheOf } from '../users/auth-cache.ts';
import type { Actor } from '../users/user.schema.ts';
import { OAuthClientMetadata, OAuthError, redirectUriProblem, type OAuthClient, type OAuthGrant } from './oauth-client.schema.ts';

/** SHA-256 (base64url) of a 256-bit random secret: what the database keeps instead of the secret. */
export const sha256 = (s: string) => createHash('sha256').update(s).digest('base64url');
const random = (prefix: string, bytes = 32) => `${prefix}${randomBytes(bytes).toString('base64url')}`;

/** RFC 7636 §4.1: 43–128 characters of [A-Z a-z 0-9 - . _ ~]. */
const VERIFIER = /^[A-Za-z0-9._~-]{43,128}$/;
/** S256 challenge: base64url of a SHA-256 digest, 43 characters. */
export const CHALLENGE = /^[A-Za-z0-9_-]{43}$/;

interface ClientRow {
  id: string;
  name: string;
  redirect_uris: string[];
  grant_types: string[];
  token_endpoint_auth_method: OAuthClient['tokenEndpointAuthMethod'];
  secret_hash: string | null;
  scope: string;
  client_uri: string | null;
  software_id: string | null;
  software_version: string | null;
  created_at: Date;
  last_used_at: Date | null;
  revoked_at: Date | null;
}

interface GrantRow {
  id: string;
  client_id: string;
  tenant_id: string;
  user_id: string;
  role: string;
  resource: string;
  scope: string;
}

const toClient = (r: ClientRow): OAuthClient => ({
  id: r.id,
  name: r.name,
  redirectUris: r.redirect_uris,
  grantTypes: r.grant_types,
  tokenEndpointAuthMethod: r.token_endpoint_auth_method,
  scope: r.scope,
  clientUri: r.client_uri,
  softwareId: r.software_id,
  softwareVersion: r.software_version,
  createdAt: new Date(r.created_at),
  lastUsedAt: r.last_used_at ? new Date(r.last_used_at) : null,
  revokedAt: r.revoked_at ? new Date(r.revoked_at) : null,
});

const toGrant = (r: GrantRow): OAuthGrant => ({ id: r.id, clientId: r.client_id, tenantId: r.tenant_id, userId: r.user_id, role: r.role, resource: r.resource, scope: r.scope });

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** RFC 7636 S256: BASE64URL(SHA256(verifier)) must equal the challenge. */
export function pkceMatches(verifier: string, challenge: string): boolean {
  return VERIFIER.test(verifier) && safeEqual(sha256(verifier), challenge);
}

async function revokeGrantIn(c: pg.PoolClient, grantId: string, reason: string): Promise<void> {
  await c.query('UPDATE oauth_grants SET revoked_at = now(), revoked_reason = $2 WHERE id = $1 AND revoked_at IS NULL', [grantId, reason]);
}

/**
 * Persistence and rules of the OAuth 2.1 authorization server (clients, authorization codes,
 * rotated refresh tokens, revocation). Protocol parsing and token signing live in the gateway.
 * Clients are not tenant data: they register before anyone signs in, so the worker role owns them.
 */
export function createOAuthService(db: Database) {
  async function clientRow(c: pg.PoolClient, id: string): Promise<ClientRow | undefined> {
    return (await c.query<ClientRow>('SELECT * FROM oauth_clients WHERE id = $1', [id])).rows[0];
  }

  const service = {
    /** RFC 7591 registration: validated metadata → a client (and its secret, shown once, when confidential). */
    async registerClient(metadata: unknown): Promise<{ client: OAuthClient; secret?: string }> {
      const parsed = OAuthClientMetadata.safeParse(metadata ?? {});
      if (!parsed.success) {
        const issue = parsed.error.issues[0]!;
        const field = issue.path.map(String).join('.') || 'body';
        throw new OAuthError(field.startsWith('redirect_uris') ? 'invalid_redirect_uri' : 'invalid_client_metadata', `${field}: ${issue.message}`);
      }
      const m = parsed.data;
      m.redirect_uris.forEach((uri, i) => {
        const problem = redirectUriProblem(uri);
        if (problem) throw new OAuthError('invalid_redirect_uri', `redirect_uris.${i}: ${problem}`);
      });
      const id = random('mcp_', 16);
      const secret = m.token_endpoint_auth_method === 'none' ? undefined : random('crm_cs_');
      const row = await db.asWorker(async (c) =>
        (
          await c.query<ClientRow>(
            `INSERT INTO oauth_clients (id, name, redirect_uris, grant_types, token_endpoint_auth_method, secret_hash, scope, client_uri, software_id, software_version)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING *`,
            [id, m.client_name ?? id, [...new Set(m.redirect_uris)], m.grant_types, m.token_endpoint_auth_method, secret ? sha256(secret) : null, m.scope ?? 'crm:read crm:write', m.client_uri ?? null, m.software_id ?? null, m.software_version ?? null],
          )
        ).rows[0]!,
      );
      return { client: toClient(row), ...(secret ? { secret } : {}) };
    },

    /** An active (not revoked) client, or undefined. */
    async client(id: string): Promise<OAuthClient | undefined> {
      if (typeof id !== 'string' || id.length < 8 || id.length > 100) return undefined;
      const row = await db.asWorker((c) => clientRow(c, id));
      return row && !row.revoked_at ? toClient(row) : undefined;
    },

    /**
     * Client authentication at the token and revocation endpoints: a public client names itself,
     * a confidential one must present its secret (the method it registered with).
     */
    async authenticateClient(id: string | undefined, secret: string | undefined, method: 'none' | 'client_secret_post' | 'client_secret_basic'): Promise<OAuthClient> {
      if (!id) throw new OAuthError('invalid_client', 'client_id is required (in the body, or as the user of HTTP Basic authentication)');
      const row = await db.asWorker((c) => clientRow(c, id));
      if (!row || row.revoked_at) throw new OAuthError('invalid_client', 'Unknown or revoked client');
      if (row.token_endpoint_auth_method === 'none') {
        if (secret) throw new OAuthError('invalid_client', 'This client was registered as public (token_endpoint_auth_method none): send no secret');
        return toClient(row);
      }
      if (method === 'none' || !secret) throw new OAuthError('invalid_client', `This client must authenticate with ${row.token_endpoint_auth_method}`);
      if (!row.secret_hash || !safeEqual(sha256(secret), row.secret_hash)) throw new OAuthError('invalid_client', 'Wrong client secret');
      return toClient(row);
    },

    /** Every registered client, newest first (operators: `crm oauth clients list`). */
    async listClients(): Promise<(OAuthClient & { activeGrants: number })[]> {
      const [rows] = (await db.readAsWorker([
        {
          sql: `SELECT c.*, (SELECT count(*)::int FROM oauth_grants g WHERE g.client_id = c.id AND g.revoked_at IS NULL AND g.code_used_at IS NOT NULL) AS active_grants
                FROM oauth_clients c ORDER BY c.created_at DESC, c.id`,
          params: [],
        },
      ])) as unknown as (ClientRow & { active_grants: number })[][];
      return rows.map((r) => ({ ...toClient(r), activeGrants: r.active_grants }));
    },

    /** Revoke a client and every grant it holds: its refresh tokens and access tokens stop working. */
    async revokeClient(id: string): Promise<OAuthClient> {
      const row = await db.asWorker(async (c) => {
        const r = (await c.query<ClientRow>('UPDATE oauth_clients SET revoked_at = coalesce(revoked_at, now()) WHERE id = $1 RETURNING *', [id])).rows[0];
        if (!r) return undefined;
        await c.query("UPDATE oauth_grants SET revoked_at = now(), revoked_reason = 'client revoked' WHERE client_id = $1 AND revoked_at IS NULL", [id]);
        return r;
      });
      if (!row) throw AppError.notFound('OAuth client', id);
      return toClient(row);
    },

    /** A user's consent: a new grant and its one-time authorization code (returned once, stored hashed). */
    async createCode(input: { client: OAuthClient; user: Actor; redirectUri: string; codeChallenge: string; resource: string; scope: string; ttlSeconds: number }): Promise<string> {
      const code = random('crm_ac_');
      const grantId = randomUUID();
      await db.asWorker((c) =>
        c.query(
          `INSERT INTO oauth_grants (id, client_id, tenant_id, user_id, role, resource, scope, redirect_uri, code_hash, code_challenge, code_expires_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, now() + make_interval(secs => $11))`,
          [grantId, input.client.id, input.user.tenantId, input.user.userId, input.user.role, input.resource, input.scope, input.redirectUri, sha256(code), input.codeChallenge, input.ttlSeconds],
        ),
      );
      return code;
    },

    /**
     * RFC 6749 §4.1.3 + RFC 7636: the code must be unused, unexpired, issued to this client for
     * this redirect_uri, and the verifier must match its challenge. A second use of a code revokes
     * the grant (and so every token it produced), RFC 6749 §4.1.2.
     */
    async redeemCode(input: { code: string; client: OAuthClient; redirectUri: string | undefined; codeVerifier: string | undefined; resource?: string }): Promise<OAuthGrant> {
      if (!input.codeVerifier) throw new OAuthError('invalid_request', 'code_verifier is required (PKCE)');
      if (!VERIFIER.test(input.codeVerifier)) throw new OAuthError('invalid_request', 'code_verifier must be 43-128 characters of A-Z a-z 0-9 - . _ ~');
      const outcome = await db.asWorker(async (c) => {
        const { rows } = await c.query<GrantRow & { redirect_uri: string; code_challenge: string; code_expires_at: Date; code_used_at: Date | null; revoked_at: Date | null }>(
          'SELECT * FROM oauth_grants WHERE code_hash = $1 FOR UPDATE',
          [sha256(input.code)],
        );
        const g = rows[0];
        if (!g || g.client_id !== input.client.id) return { error: 'Unknown authorization code, or issued to another client' };
        if (g.code_used_at) {
          await revokeGrantIn(c, g.id, 'authorization code reused');
          return { error: 'This authorization code was already used; every token issued from it is revoked' };
        }
        if (g.revoked_at) return { error: 'This authorization was revoked' };
        if (new Date(g.code_expires_at).getTime() <= Date.now()) return { error: 'This authorization code has expired; authorize again' };
        // spent whatever else is wrong: a code is good for one attempt
        await c.query('UPDATE oauth_grants SET code_used_at = now() WHERE id = $1', [g.id]);
        if (input.redirectUri !== g.redirect_uri) return { spent: g.id, error: 'redirect_uri does not match the one of the authorization request' };
        if (!pkceMatches(input.codeVerifier!, g.code_challenge)) return { spent: g.id, error: 'code_verifier does not match the code_challenge (PKCE)' };
        if (input.resource !== undefined && input.resource !== g.resource) return { spent: g.id, error: `resource does not match the authorized resource ${g.resource}` };
        await c.query('UPDATE oauth_clients SET last_used_at = now() WHERE id = $1', [g.client_id]);
        return { grant: toGrant(g) };
      });
      if (outcome.spent) await db.asWorker((c) => revokeGrantIn(c, outcome.spent!, 'failed code exchange'));
      if (!outcome.grant) throw new OAuthError('invalid_grant', outcome.error!);
      return outcome.grant;
    },

    /** A new refresh token of a grant (returned once, stored hashed). */
    async issueRefresh(grant: OAuthGrant, ttlSeconds: number): Promise<string> {
      const token = random('crm_rt_');
      await db.asWorker((c) =>
        c.query('INSERT INTO oauth_refresh_tokens (token_hash, grant_id, tenant_id, expires_at) VALUES ($1, $2, $3, now() + make_interval(secs => $4))', [sha256(token), grant.id, grant.tenantId, ttlSeconds]),
      );
      return token;
    },

    /**
     * Spend a refresh token (rotation): it must belong to this client, be unused, unexpired, of a
     * live grant. Reuse of a spent one revokes the grant (the whole family). The user's current
     * role is returned; the caller refuses (and this revokes) when it changed since consent.
     */
    async spendRefresh(token: string, client: OAuthClient): Promise<OAuthGrant> {
      const outcome = await db.asWorker(async (c) => {
        const { rows } = await c.query<GrantRow & { used_at: Date | null; expires_at: Date; revoked_at: Date | null }>(
          `SELECT g.id, g.client_id, g.tenant_id, g.user_id, g.role, g.resource, g.scope, g.revoked_at, t.used_at, t.expires_at
           FROM oauth_refresh_tokens t JOIN oauth_grants g ON g.id = t.grant_id WHERE t.token_hash = $1 FOR UPDATE OF t`,
          [sha256(token)],
        );
        const r = rows[0];
        if (!r || r.client_id !== client.id) return { error: 'Unknown refresh token, or issued to another client' };
        if (r.revoked_at) return { error: 'This authorization was revoked; authorize again' };
        if (r.used_at) {
          await revokeGrantIn(c, r.id, 'refresh token reused');
          return { error: 'This refresh token was already used; the authorization is revoked, authorize again' };
        }
        if (new Date(r.expires_at).getTime() <= Date.now()) return { error: 'This refresh token has expired; authorize again' };
        await c.query('UPDATE oauth_refresh_tokens SET used_at = now() WHERE token_hash = $1', [sha256(token)]);
        await c.query('UPDATE oauth_clients SET last_used_at = now() WHERE id = $1', [client.id]);
        return { grant: toGrant(r) };
      });
      if (!outcome.grant) throw new OAuthError('invalid_grant', outcome.error!);
      return outcome.grant;
    },

    /** End a grant (user gone, role changed, token revoked by its client). */
    async revokeGrant(grantId: string, reason: string): Promise<void> {
      if (!isUuid(grantId)) return;
      await db.asWorker((c) => revokeGrantIn(c, grantId, reason));
    },

    /** RFC 7009: revoking a refresh token ends its grant; an unknown token is not an error (§2.2). */
    async revokeRefresh(token: string, client: OAuthClient): Promise<boolean> {
      return db.asWorker(async (c) => {
        const { rows } = await c.query<{ grant_id: string; client_id: string }>(
          'SELECT t.grant_id, g.client_id FROM oauth_refresh_tokens t JOIN oauth_grants g ON g.id = t.grant_id WHERE t.token_hash = $1',
          [sha256(token)],
        );
        const r = rows[0];
        if (!r || r.client_id !== client.id) return false;
        await revokeGrantIn(c, r.grant_id, 'revoked by the client');
        return true;
      });
    },

    /**
     * Whether the grant an access token names is still live (checked on every request with such a
     * token; kept in the auth cache while this process hears of revocations).
     */
    async grantActive(grantId: string): Promise<boolean> {
      if (!isUuid(grantId)) return false;
      const cache = authCacheOf(db);
      const cached = cache?.get<boolean>(`grant:${grantId}`);
      if (cached !== undefined) return cached;
      const gen = cache?.gen ?? 0;
      const [rows] = (await db.readAsWorker([
        {
          sql: 'SELECT g.revoked_at IS NULL AND c.revoked_at IS NULL AS active FROM oauth_grants g JOIN oauth_clients c ON c.id = g.client_id WHERE g.id = $1',
          params: [grantId],
        },
      ])) as unknown as { active: boolean }[][];
      const active = rows[0]?.active === true;
      cache?.set(`grant:${grantId}`, active, gen);
      return active;
    },

    /**
     * Frees what can never be used again (the scheduled `oauth.purge` job): refresh tokens a day
     * past their expiry; grants with no refresh token left whose code was spent (or expired unused)
     * two days ago — an access token lives at most a day, and one issued at the last refresh
     * expires before that refresh token's row goes; revoked clients after 30 days and clients never
     * used 7 days after they registered (abandoned dynamic registrations), once they hold no grant.
     */
    async purgeExpired(): Promise<{ refreshTokens: number; grants: number; clients: number }> {
      return db.asWorker(async (c) => {
        const tokens = await c.query("DELETE FROM oauth_refresh_tokens WHERE expires_at < now() - interval '1 day'");
        const grants = await c.query(
          `DELETE FROM oauth_grants g
            WHERE coalesce(g.code_used_at, g.code_expires_at) < now() - interval '2 days'
              AND NOT EXISTS (SELECT 1 FROM oauth_refresh_tokens t WHERE t.grant_id = g.id)`,
        );
        const clients = await c.query(
          `DELETE FROM oauth_clients c
            WHERE NOT EXISTS (SELECT 1 FROM oauth_grants g WHERE g.client_id = c.id)
              AND ((c.revoked_at IS NOT NULL AND c.revoked_at < now() - interval '30 days')
                OR (c.revoked_at IS NULL AND c.last_used_at IS NULL AND c.created_at < now() - interval '7 days'))`,
        );
        return { refreshTokens: tokens.rowCount ?? 0, grants: grants.rowCount ?? 0, clients: clients.rowCount ?? 0 };
      });
    },
  };
  return service;
}

export type OAuthService = ReturnType<typeof createOAuthService>;
