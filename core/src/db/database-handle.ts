import type { EventEmitter } from 'node:events';
import type { Database } from './database.ts';
import type { DbTimeouts } from './db.config.ts';

/**
 * What of a database crosses @crm/core's boundary (exported as `Database`): which one and where (for
 * start-up lines and the LangGraph checkpointers' own pools), its health, the in-process signals,
 * migrating and closing it. Core's factories take it back (`listMailbox(core.db, …)`); statements
 * run only inside core — no ORM, entity manager, transaction or connection crosses. Loads nothing
 * (the ORM-free contracts entry uses it).
 */
export interface DatabaseHandle {
  readonly kind: 'pglite' | 'postgres';
  /** Owner URL (migrations, tooling). */
  readonly url: string;
  /** Fired after a transaction that wrote outbox events commits (in-process wake-up). */
  readonly events: EventEmitter;
  /** The timeouts in effect (LISTEN reconnect backoff, Retry-After). */
  readonly timeouts: DbTimeouts;
  /** Round trip to the database (for /health); throws DATABASE_UNAVAILABLE when it fails. */
  ping(): Promise<{ latencyMs: number }>;
  migrate(extraDirs?: string[]): Promise<string[]>;
  /** Shutdown has begun: calls waiting for a connection, and later ones, fail at once (DATABASE_UNAVAILABLE, reason "stopping"). */
  stopping(): void;
  /** `stopping()`, then close once the statements running end, or after `graceMs` (default 1 s) without them. */
  close(options?: { graceMs?: number }): Promise<void>;
}

/** Inside core: a handle is always the Database that `openDatabase` made. */
export function databaseOf(handle: DatabaseHandle): Database {
  return handle as Database;
}
