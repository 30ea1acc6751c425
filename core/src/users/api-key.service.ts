import { hash, randomBytes, randomUUID } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import { authorize } from '../auth/rbac.ts';
import { writeAudit } from '../audit/audit.service.ts';
import { authCacheOf } from './auth-cache.ts';
import type { Database } from '../db/database.ts';
import { inTenantTx, isUniqueViolation } from '../db/tenant-tx.ts';
import { AppError } from '../errors/app-error.ts';
import { assertUuid } from '../errors/uuid.ts';
import { parseOrThrow } from '../errors/zod-issues.ts';
import { CreateApiKeyInput, ListApiKeysQuery, RotateApiKeyInput, type ApiKeyInfo } from './api-key.schema.ts';
import type { Actor } from './user.schema.ts';

/** Keys are stored as SHA-256 digests: they are 192-bit random, so a slow hash would add nothing. */
export function hashApiKey(key: string): string {
  return hash('sha256', key, 'hex'); // one-shot: no Hash object per request
}

export function newApiKey(): string {
  return `crm_${randomBytes(24).toString('base64url')}`;
}

/** Stamping last use on every request would turn each read into a write: once a minute is enough. */
const TOUCH_AFTER_MS = 60_000;

interface KeyRow {
  id: string;
  user_id: string;
  email: string;
  name: string;
  prefix: string;
  created_at: Date | string;
  expires_at: Date | string | null;
  last_used_at: Date | string | null;
  revoked_at: Date | string | null;
}

const date = (v: Date | string | null): Date | null => (v === null ? null : new Date(v));

function toInfo(r: KeyRow, now = Date.now()): ApiKeyInfo {
  const expiresAt = date(r.expires_at);
  const revokedAt = date(r.revoked_at);
  return {
    id: r.id,
    userId: r.user_id,
    email: r.email,
    name: r.name,
    prefix: r.prefix,
    status: revokedAt ? 'revoked' : expiresAt && expiresAt.getTime() <= now ? 'expired' : 'active',
    createdAt: new Date(r.created_at),
    expiresAt,
    lastUsedAt: date(r.last_used_at),
    revokedAt,
  };
}

const KEY_COLUMNS = 'k.id, k.user_id, u.email, k.name, k.prefix, k.created_at, k.expires_at, k.last_used_at, k.revoked_at';

/** Insert a key row in the caller's tenant transaction; the plain key is returned, never stored. */
export async function insertApiKey(
  em: EntityManager,
  key: { tenantId: string; userId: string; name: string; expiresAt?: Date | null; createdBy: string | null; apiKey?: string },
): Promise<{ id: string; apiKey: string }> {
  const apiKey = key.apiKey ?? newApiKey();
  const id = randomUUID();
  try {
    await em.execute(
      'INSERT INTO api_keys (id, tenant_id, user_id, name, prefix, key_hash, created_by, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
      [id, key.tenantId, key.userId, key.name, `${apiKey.slice(0, 12)}…`, hashApiKey(apiKey), key.createdBy, key.expiresAt ?? null],
    );
  } catch (err) {
    if (isUniqueViolation(err, 'api_keys_live_name_idx')) {
      throw new AppError('CONFLICT', `This user already has a live key named "${key.name}": revoke or rotate it, or choose another name`, {
        details: [{ path: 'name', reason: 'already exists' }],
      });
    }
    throw err;
  }
  return { id, apiKey };
}

async function loadKey(em: EntityManager, keyId: string): Promise<KeyRow> {
  assertUuid(keyId, 'keyId');
  const [row] = await em.execute<KeyRow[]>(`SELECT ${KEY_COLUMNS} FROM api_keys k JOIN users u ON u.id = k.user_id WHERE k.id = ?`, [keyId]);
  if (!row) throw AppError.notFound('API key', keyId);
  return row;
}

/** Everyone manages their own keys; other people's need users:write (ADMIN). */
async function authorizeFor(em: EntityManager, actor: Actor, userId: string): Promise<void> {
  if (userId !== actor.userId || actor.kind === 'system') authorize(actor, 'users:write');
  const [user] = await em.execute<{ role: string; deactivated_at: Date | null }[]>('SELECT role, deactivated_at FROM users WHERE id = ?', [userId]);
  if (!user) throw AppError.notFound('User', userId);
  if (user.role === 'SYSTEM') throw AppError.validation([{ path: 'userId', reason: 'the system actor cannot hold API keys' }]);
  if (user.deactivated_at) throw new AppError('CONFLICT', `User ${userId} is deactivated`, { details: [{ path: 'userId', reason: 'user is deactivated' }] });
}

export function createApiKeyService(db: Database) {
  return {
    /** A new key for a user (yourself, or anyone as ADMIN); the plain key is in the result only. */
    async create(actor: Actor, raw: unknown): Promise<{ key: ApiKeyInfo; apiKey: string }> {
      const input = parseOrThrow(CreateApiKeyInput, raw);
      return inTenantTx(db, actor, async (em) => {
        await authorizeFor(em, actor, input.userId);
        const { id, apiKey } = await insertApiKey(em, { tenantId: actor.tenantId, userId: input.userId, name: input.name, expiresAt: input.expiresAt, createdBy: actor.userId });
        const key = toInfo(await loadKey(em, id));
        await writeAudit(em, actor, 'api_key.created', 'api_key', id, { after: { userId: key.userId, name: key.name, prefix: key.prefix, expiresAt: key.expiresAt?.toISOString() ?? null } });
        return { key, apiKey };
      });
    },

    /** Keys of one user (default: yourself) or, for an ADMIN without a user, of the whole tenant. */
    async list(actor: Actor, raw: unknown = {}): Promise<ApiKeyInfo[]> {
      const q = parseOrThrow(ListApiKeysQuery, raw);
      const userId = q.userId ?? (actor.role === 'ADMIN' ? undefined : actor.userId);
      if (userId !== actor.userId) authorize(actor, 'users:write');
      return inTenantTx(db, actor, async (em) => {
        const rows = await em.execute<KeyRow[]>(
          `SELECT ${KEY_COLUMNS} FROM api_keys k JOIN users u ON u.id = k.user_id
           WHERE (?::uuid IS NULL OR k.user_id = ?::uuid) ORDER BY u.email, k.created_at DESC`,
          [userId ?? null, userId ?? null],
        );
        const keys = rows.map((r) => toInfo(r));
        return q.includeInactive ? keys : keys.filter((k) => k.status === 'active');
      });
    },

    async revoke(actor: Actor, keyId: string): Promise<ApiKeyInfo> {
      return inTenantTx(db, actor, async (em) => {
        const before = await loadKey(em, keyId);
        if (before.user_id !== actor.userId || actor.kind === 'system') authorize(actor, 'users:write');
        if (before.revoked_at) throw new AppError('CONFLICT', `API key ${keyId} is already revoked`, { details: [{ path: 'keyId', reason: 'already revoked' }] });
        await em.execute('UPDATE api_keys SET revoked_at = now() WHERE id = ?', [keyId]);
        const key = toInfo(await loadKey(em, keyId));
        await writeAudit(em, actor, 'api_key.revoked', 'api_key', keyId, { before: { revokedAt: null }, after: { revokedAt: key.revokedAt!.toISOString() } });
        return key;
      });
    },

    /**
     * Replace a key: the old one is revoked in the same transaction and the new one keeps its name
     * and user; it keeps the old validity period unless a new expiry is given.
     */
    async rotate(actor: Actor, keyId: string, raw: unknown = {}): Promise<{ key: ApiKeyInfo; apiKey: string; revokedKeyId: string }> {
      const input = parseOrThrow(RotateApiKeyInput, raw);
      return inTenantTx(db, actor, async (em) => {
        const old = await loadKey(em, keyId);
        await authorizeFor(em, actor, old.user_id);
        if (old.revoked_at) throw new AppError('CONFLICT', `API key ${keyId} is revoked; create a new one instead`, { details: [{ path: 'keyId', reason: 'already revoked' }] });
        await em.execute('UPDATE api_keys SET revoked_at = now() WHERE id = ?', [keyId]);
        const lifetime = old.expires_at ? new Date(old.expires_at).getTime() - new Date(old.created_at).getTime() : null;
        const expiresAt = input.expiresAt ?? (lifetime ? new Date(Date.now() + lifetime) : null);
        const { id, apiKey } = await insertApiKey(em, { tenantId: actor.tenantId, userId: old.user_id, name: old.name, expiresAt, createdBy: actor.userId });
        const key = toInfo(await loadKey(em, id));
        await writeAudit(em, actor, 'api_key.rotated', 'api_key', id, { before: { keyId, prefix: old.prefix }, after: { keyId: id, prefix: key.prefix, expiresAt: key.expiresAt?.toISOString() ?? null } });
        return { key, apiKey, revokedKeyId: keyId };
      });
    },

    /**
     * Resolve an API key to its user, across tenants (runs as crm_worker): one read on every
     * request (none while the gateway's key cache holds it, see auth-cache.ts), plus a last-used
     * stamp at most once a minute. Unknown, revoked and expired keys and
     * deactivated users are all UNAUTHENTICATED.
     */
    async authenticate(apiKey: string): Promise<Actor & { email: string; name: string; keyId: string }> {
      if (!apiKey || apiKey.length > 200) throw new AppError('UNAUTHENTICATED', 'Missing or malformed API key');
      const keyHash = hashApiKey(apiKey);
      const cache = authCacheOf(db);
      let key = cache?.get(`key:${keyHash}`);
      if (!key) {
        const gen = cache?.gen ?? 0;
        const [[k]] = (await db.readAsWorker([
          {
            sql: `SELECT k.id, k.expires_at, k.revoked_at, k.last_used_at, u.id AS user_id, u.tenant_id, u.role, u.email, u.name, u.deactivated_at
                  FROM api_keys k JOIN users u ON u.tenant_id = k.tenant_id AND u.id = k.user_id WHERE k.key_hash = $1`,
            params: [keyHash],
          },
        ])) as {
          id: string;
          expires_at: string | Date | null;
          revoked_at: string | Date | null;
          last_used_at: string | Date | null;
          user_id: string;
          tenant_id: string;
          role: Actor['role'];
          email: string;
          name: string;
          deactivated_at: string | Date | null;
        }[][];
        if (!k || k.role === 'SYSTEM') throw new AppError('UNAUTHENTICATED', 'Unknown API key');
        if (k.revoked_at) throw new AppError('UNAUTHENTICATED', 'This API key was revoked');
        if (k.expires_at && new Date(k.expires_at).getTime() <= Date.now()) throw new AppError('UNAUTHENTICATED', 'This API key has expired');
        if (k.deactivated_at) throw new AppError('UNAUTHENTICATED', 'The user of this API key is deactivated');
        key = {
          keyId: k.id,
          userId: k.user_id,
          tenantId: k.tenant_id,
          role: k.role,
          email: k.email,
          name: k.name,
          expiresAt: k.expires_at ? new Date(k.expires_at).getTime() : null,
          lastUsedAt: k.last_used_at ? new Date(k.last_used_at).getTime() : null,
        };
        // only good keys are kept (a refused one is looked up again, so its error stays specific)
        cache?.set(`key:${keyHash}`, key, gen);
      }
      if (key.expiresAt !== null && key.expiresAt <= Date.now()) throw new AppError('UNAUTHENTICATED', 'This API key has expired');
      if (key.lastUsedAt === null || Date.now() - key.lastUsedAt > TOUCH_AFTER_MS) {
        key.lastUsedAt = Date.now();
        await db.asWorker((c) => c.query('UPDATE api_keys SET last_used_at = now() WHERE id = $1', [key.keyId]));
      }
      return { userId: key.userId, tenantId: key.tenantId, role: key.role as Actor['role'], kind: 'user', email: key.email, name: key.name, keyId: key.keyId };
    },
  };
}

export type ApiKeyService = ReturnType<typeof createApiKeyService>;
