import type { Database } from '../db/database.ts';
import { subscribeNotify } from '../db/notify-listener.ts';
import type { Logger } from '../logger.ts';
import { databaseOf, type DatabaseHandle } from '../db/database-handle.ts';

/** The channel migration 0240's triggers notify on any change that can alter a key's answer. */
export const AUTH_CHANNEL = 'crm_auth';

/** What an API-key lookup resolved to (the row columns `authenticate` needs). */
export interface CachedKey {
  keyId: string;
  userId: string;
  tenantId: string;
  role: string;
  email: string;
  name: string;
  /** ms since the epoch, or null: a cached key is still refused once it has expired. */
  expiresAt: number | null;
  /** ms since the epoch of the last-used stamp as stored (or as this process last wrote it). */
  lastUsedAt: number | null;
}

interface Entry {
  value: unknown;
  cachedAt: number;
}

/**
 * Resolved credentials kept in memory (API keys by hash, `key:…`; the users that verified tokens
 * name, `user:…`), trusted only while this process LISTENs on `crm_auth`: the
 * cache is off until the LISTEN is active, emptied on every notification and when the LISTEN
 * connection is lost. A lookup that was in flight when a notification arrived is not stored
 * (generation check), so a revocation committed while the key was being read cannot be missed.
 */
export class AuthCache {
  private readonly entries = new Map<string, Entry>();
  private listening = false;
  private generation = 0;

  constructor(
    private readonly ttlMs: number,
    private readonly maxEntries = 10_000,
  ) {}

  /** Current generation, taken before a database lookup and handed to `set`. */
  get gen(): number {
    return this.generation;
  }

  get size(): number {
    return this.entries.size;
  }

  get active(): boolean {
    return this.listening;
  }

  get<T = CachedKey>(key: string, now = Date.now()): T | undefined {
    if (!this.listening) return undefined;
    const e = this.entries.get(key);
    if (!e) return undefined;
    if (now - e.cachedAt >= this.ttlMs) {
      this.entries.delete(key);
      return undefined;
    }
    return e.value as T;
  }

  set<T = CachedKey>(key: string, value: T, gen: number, now = Date.now()): void {
    if (!this.listening || gen !== this.generation) return;
    if (this.entries.size >= this.maxEntries) {
      // drop the oldest insertion (Map keeps insertion order)
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
    this.entries.set(key, { value, cachedAt: now });
  }

  /** Something changed (or may have): forget everything, and refuse lookups already in flight. */
  invalidate(): void {
    this.generation++;
    this.entries.clear();
  }

  setListening(listening: boolean): void {
    this.invalidate();
    this.listening = listening;
  }
}

const caches = new WeakMap<Database, AuthCache>();

/** The cache API-key and token authentication consult for this database, if a server process started one. */
export function authCacheOf(db: Database): AuthCache | undefined {
  return caches.get(db);
}

/**
 * Start caching resolved API keys and token users for `ttlSeconds` in this process (the HTTP gateway; one-shot CLI
 * commands never do) on PostgreSQL; not on the embedded PGlite. Returns the function that stops it
 * (call before closing the database).
 */
export function startAuthCache(handle: DatabaseHandle, logger: Logger, ttlSeconds: number): { cache: AuthCache | undefined; stop: () => Promise<void> } {
  const db = databaseOf(handle);
  if (db.kind === 'pglite') {
    // PGlite serves every socket from one session and hands a NOTIFY back to the connection that
    // sent it, so another process's revocation (`crm apikey revoke` beside `crm start`) would never
    // reach us: keys are read on every request there
    logger.debug('API keys are not cached on the embedded database (no cross-connection NOTIFY)');
    return { cache: undefined, stop: async () => {} };
  }
  const cache = new AuthCache(ttlSeconds * 1000);
  caches.set(db, cache);
  const unsubscribe = subscribeNotify(db, logger, {
    channel: AUTH_CHANNEL,
    notify: () => cache.invalidate(),
    state: (listening) => cache.setListening(listening),
  });
  return {
    cache,
    async stop() {
      cache.setListening(false);
      if (caches.get(db) === cache) caches.delete(db);
      await unsubscribe();
    },
  };
}
