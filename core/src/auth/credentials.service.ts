import { generateKeyPairSync, randomBytes, randomUUID, scrypt, timingSafeEqual, type JsonWebKey } from 'node:crypto';
import { promisify } from 'node:util';
import { z } from 'zod';
import { writeAudit } from '../audit/audit.service.ts';
import type { Database } from '../db/database.ts';
import { inTenantTx } from '../db/tenant-tx.ts';
import { DEFAULT_LOGIN_LOCKOUT, LoginThrottle, type LoginThrottleOptions } from './login-throttle.ts';
import { AppError } from '../errors/app-error.ts';
import { isUuid } from '../errors/uuid.ts';
import { parseOrThrow } from '../errors/zod-issues.ts';
import { authCacheOf } from '../users/auth-cache.ts';
import type { Actor } from '../users/user.schema.ts';
import { authorize } from './rbac.ts';

const scryptAsync = promisify(scrypt) as (password: string, salt: Buffer, keylen: number, options: { N: number; r: number; p: number; maxmem: number }) => Promise<Buffer>;
const SCRYPT = { N: 16_384, r: 8, p: 1, keylen: 32 };

export const Password = z
  .string({ error: 'must be a string' })
  .min(12, 'must be at least 12 characters')
  .max(200, 'must be at most 200 characters')
  .refine((s) => s.trim().length === s.length, 'must not start or end with spaces');

/** "scrypt$N$r$p$salt$hash", all parameters kept so they can be raised later without breaking old hashes. */
export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const hash = await scryptAsync(password, salt, SCRYPT.keylen, { N: SCRYPT.N, r: SCRYPT.r, p: SCRYPT.p, maxmem: 64 * 1024 * 1024 });
  return ['scrypt', SCRYPT.N, SCRYPT.r, SCRYPT.p, salt.toString('base64url'), hash.toString('base64url')].join('$');
}

export async function verifyPasswordHash(password: string, stored: string): Promise<boolean> {
  const [kind, n, r, p, salt, hash] = stored.split('$');
  if (kind !== 'scrypt' || !salt || !hash) return false;
  const expected = Buffer.from(hash, 'base64url');
  const actual = await scryptAsync(password, Buffer.from(salt, 'base64url'), expected.length, { N: Number(n), r: Number(r), p: Number(p), maxmem: 64 * 1024 * 1024 });
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

export interface SigningKey {
  kid: string;
  alg: 'RS256' | 'ES256';
  publicJwk: JsonWebKey;
  privateJwk: JsonWebKey;
}

export type ResolvedUser = Actor & { email: string; name: string };

interface UserAuthRow {
  id: string;
  tenant_id: string;
  role: Actor['role'];
  email: string;
  name: string;
  deactivated_at: Date | string | null;
  password_hash?: string | null;
}

function toResolved(u: UserAuthRow): ResolvedUser {
  return { userId: u.id, tenantId: u.tenant_id, role: u.role, kind: 'user', email: u.email, name: u.name };
}

/** A hash to compare against when the user does not exist, so timing does not tell who has an account. */
let dummyHash: Promise<string> | undefined;

/**
 * Credentials other than API keys: passwords (console login), the local JWT issuer's signing keys
 * and refresh tokens. Token signing itself (jose) lives in the gateway; this is the persistence.
 */
export function createCredentialsService(db: Database, options: { login?: LoginThrottleOptions } = {}) {
  const throttle = new LoginThrottle(options.login ?? DEFAULT_LOGIN_LOCKOUT);
  async function readUsers(where: string, params: (string | null)[]): Promise<UserAuthRow[]> {
    const [rows] = (await db.readAsWorker([
      {
        sql: `SELECT u.id, u.tenant_id, u.role, u.email, u.name, u.deactivated_at, u.password_hash FROM users u JOIN tenants t ON t.id = u.tenant_id
              WHERE u.role <> 'SYSTEM' AND ${where}`,
        params,
      },
    ])) as unknown as UserAuthRow[][];
    return rows;
  }

  return {
    /** Set (or replace) a user's password: your own, or anyone's as ADMIN. */
    async setPassword(actor: Actor, userRef: string, password: unknown): Promise<void> {
      const plain = parseOrThrow(Password, password, 'password');
      const hash = await hashPassword(plain);
      await inTenantTx(db, actor, async (em) => {
        const byId = isUuid(userRef);
        const [user] = await em.execute<{ id: string; deactivated_at: Date | null }[]>(
          `SELECT id, deactivated_at FROM users WHERE role <> 'SYSTEM' AND ${byId ? 'id = ?' : 'email = lower(?)'}`,
          [userRef.trim()],
        );
        if (!user) throw AppError.notFound('User', userRef);
        if (user.id !== actor.userId || actor.kind === 'system') authorize(actor, 'users:write');
        if (user.deactivated_at) throw new AppError('CONFLICT', `User ${userRef} is deactivated`, { details: [{ path: 'user', reason: 'user is deactivated' }] });
        await em.execute('UPDATE users SET password_hash = ? WHERE id = ?', [hash, user.id]);
        // no hash in the audit row: only that it changed
        await writeAudit(em, actor, 'user.password_set', 'user', user.id, { after: { password: '(set)' } });
      });
    },

    /** Email + password → the active user; one message for every failure, so it does not reveal who exists. */
    async login(email: string, password: string, tenantSlug?: string): Promise<ResolvedUser> {
      const refused = new AppError('UNAUTHENTICATED', 'Wrong email or password');
      if (typeof email !== 'string' || typeof password !== 'string' || !email || !password || password.length > 200) throw refused;
      const key = LoginThrottle.key(email);
      throttle.check(key);
      const rows = await readUsers('u.email = lower($1) AND ($2::text IS NULL OR t.slug = $2::text)', [email.trim(), tenantSlug ?? null]);
      if (rows.length > 1) {
        throw new AppError('VALIDATION_FAILED', `${email} exists in several tenants; name one with "tenant"`, { details: [{ path: 'tenant', reason: 'required for this email' }] });
      }
      const [u] = rows;
      if (!u?.password_hash) {
        await verifyPasswordHash(password, await (dummyHash ??= hashPassword(randomUUID())));
        throttle.failed(key);
        throw refused;
      }
      if (!(await verifyPasswordHash(password, u.password_hash))) {
        throttle.failed(key);
        throw refused;
      }
      throttle.succeeded(key);
      if (u.deactivated_at) throw new AppError('UNAUTHENTICATED', 'This user is deactivated');
      return toResolved(u);
    },

    /** The user a verified token names, if they still exist and are active in that tenant. */
    async activeUser(tenantId: string, userId: string): Promise<ResolvedUser> {
      if (!isUuid(tenantId) || !isUuid(userId)) throw new AppError('UNAUTHENTICATED', 'The token names no valid tenant or user');
      // on every request with a token: kept in memory by a server process while it hears of user changes
      const cache = authCacheOf(db);
      const cached = cache?.get<ResolvedUser>(`user:${tenantId}:${userId}`);
      if (cached) return { ...cached };
      const gen = cache?.gen ?? 0;
      const [u] = await readUsers('u.tenant_id = $1 AND u.id = $2', [tenantId, userId]);
      if (!u) throw new AppError('UNAUTHENTICATED', 'The user of this token does not exist in its tenant');
      if (u.deactivated_at) throw new AppError('UNAUTHENTICATED', 'The user of this token is deactivated');
      const resolved = toResolved(u);
      cache?.set(`user:${tenantId}:${userId}`, resolved, gen);
      return { ...resolved };
    },

    /** An external identity (OIDC): tenant by id or slug, user by email; must exist and be active. */
    async activeUserByEmail(tenantRef: string, email: string): Promise<ResolvedUser> {
      const [u] = await readUsers(`(t.id::text = $1 OR t.slug = $1) AND u.email = lower($2)`, [tenantRef, email.trim()]);
      if (!u) throw new AppError('UNAUTHENTICATED', 'No user with this token\'s email in its tenant');
      if (u.deactivated_at) throw new AppError('UNAUTHENTICATED', 'The user of this token is deactivated');
      return toResolved(u);
    },

    /** The current signing key of the local issuer; generated (RSA 2048) and stored on first use, shared by all replicas. */
    async signingKey(): Promise<SigningKey> {
      const current = await db.asWorker(async (c) => {
        const { rows } = await c.query<{ kid: string; alg: SigningKey['alg']; public_jwk: JsonWebKey; private_jwk: JsonWebKey }>(
          'SELECT kid, alg, public_jwk, private_jwk FROM auth_signing_keys WHERE retired_at IS NULL ORDER BY created_at DESC, kid LIMIT 1',
        );
        if (rows[0]) return rows[0];
        const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
        const kid = randomUUID();
        // two processes starting at once: both insert, the oldest (then lowest kid) wins for everyone
        await c.query('INSERT INTO auth_signing_keys (kid, alg, public_jwk, private_jwk) VALUES ($1, $2, $3, $4)', [
          kid,
          'RS256',
          JSON.stringify(publicKey.export({ format: 'jwk' })),
          JSON.stringify(privateKey.export({ format: 'jwk' })),
        ]);
        return (await c.query('SELECT kid, alg, public_jwk, private_jwk FROM auth_signing_keys WHERE retired_at IS NULL ORDER BY created_at DESC, kid LIMIT 1')).rows[0];
      });
      return { kid: current.kid, alg: current.alg, publicJwk: current.public_jwk, privateJwk: current.private_jwk };
    },

    /** Public keys that verify local tokens (retired keys stay until their tokens can no longer be valid). */
    async publicKeys(): Promise<{ kid: string; alg: string; publicJwk: JsonWebKey }[]> {
      const [rows] = (await db.readAsWorker([
        { sql: "SELECT kid, alg, public_jwk FROM auth_signing_keys WHERE retired_at IS NULL OR retired_at > now() - interval '8 days' ORDER BY created_at DESC", params: [] },
      ])) as { kid: string; alg: string; public_jwk: JsonWebKey }[][];
      return rows.map((r) => ({ kid: r.kid, alg: r.alg, publicJwk: r.public_jwk }));
    },

    /** Record a refresh token's id when it is issued. */
    async recordRefresh(actor: Pick<Actor, 'tenantId' | 'userId'>, jti: string, expiresAt: Date): Promise<void> {
      await db.asWorker((c) =>
        c.query('INSERT INTO refresh_tokens (jti, tenant_id, user_id, expires_at) VALUES ($1, $2, $3, $4)', [jti, actor.tenantId, actor.userId, expiresAt]),
      );
    },

    /**
     * Use a refresh token once. A second use means it leaked (or a client raced itself): every
     * refresh token of that user is then spent, so whoever holds one must log in again.
     */
    async consumeRefresh(jti: string, actor: Pick<Actor, 'tenantId' | 'userId'>): Promise<void> {
      if (!isUuid(jti)) throw new AppError('UNAUTHENTICATED', 'Malformed refresh token');
      await db.asWorker(async (c) => {
        const { rows } = await c.query<{ used_at: Date | null; expires_at: Date }>(
          'SELECT used_at, expires_at FROM refresh_tokens WHERE jti = $1 AND tenant_id = $2 AND user_id = $3 FOR UPDATE',
          [jti, actor.tenantId, actor.userId],
        );
        const row = rows[0];
        if (!row) throw new AppError('UNAUTHENTICATED', 'Unknown refresh token');
        if (row.used_at) {
          await c.query('UPDATE refresh_tokens SET used_at = now() WHERE tenant_id = $1 AND user_id = $2 AND used_at IS NULL', [actor.tenantId, actor.userId]);
          return 'reused' as const;
        }
        if (new Date(row.expires_at).getTime() <= Date.now()) throw new AppError('UNAUTHENTICATED', 'This refresh token has expired; log in again');
        await c.query('UPDATE refresh_tokens SET used_at = now() WHERE jti = $1', [jti]);
        return 'ok' as const;
      }).then((r) => {
        if (r === 'reused') throw new AppError('UNAUTHENTICATED', 'This refresh token was already used; every session of this user must log in again');
      });
    },
  };
}

export type CredentialsService = ReturnType<typeof createCredentialsService>;
