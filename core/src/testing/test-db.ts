import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { openDatabase, type Database } from '../db/database.ts';
import type { DbTimeouts } from '../db/db.config.ts';
import { silentLogger } from '../logger.ts';

export type TestDbKind = 'pglite' | 'postgres';

/** PGlite always; the PostgreSQL server too when TEST_DATABASE_URL is set. */
export function testDbKinds(): TestDbKind[] {
  return process.env.TEST_DATABASE_URL ? ['pglite', 'postgres'] : ['pglite'];
}

export interface TestDatabase {
  db: Database;
  drop(): Promise<void>;
}

export interface ScratchDatabase {
  /** Its name on the server. */
  name: string;
  /** `base` with the scratch database as its path. */
  url: string;
  /** Drops it (forcing out open connections); safe to call twice. */
  drop(): Promise<void>;
}

async function adminQuery(base: string, sql: string): Promise<void> {
  const admin = new pg.Client({ connectionString: base });
  await admin.connect();
  try {
    await admin.query(sql);
  } finally {
    await admin.end();
  }
}

/**
 * A new, empty database on the PostgreSQL server of `base` (tests and benchmarks that need their
 * own database, e.g. for real `crm` processes); `drop()` removes it again.
 */
export async function createScratchDatabase(base: string, prefix = 'crm_test'): Promise<ScratchDatabase> {
  const name = `${prefix}_${randomBytes(6).toString('hex')}`;
  await adminQuery(base, `CREATE DATABASE ${name}`);
  const url = new URL(base);
  url.pathname = `/${name}`;
  return { name, url: url.toString(), drop: () => adminQuery(base, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`) };
}

/**
 * A fresh, migrated database: in-memory PGlite, or a new database on the TEST_DATABASE_URL
 * server that `drop()` removes again.
 */
export async function openTestDatabase(
  kind: TestDbKind,
  extraMigrationDirs: string[] = [],
  /** `via` (server only) rewrites the URL (e.g. through a test's TCP proxy); `timeouts` as openDatabase takes them; `serverUrl` instead of TEST_DATABASE_URL. */
  options: { via?: (url: string) => string; timeouts?: Partial<DbTimeouts>; poolMax?: number; serverUrl?: string } = {},
): Promise<TestDatabase> {
  const logger = silentLogger();
  if (kind === 'pglite') {
    const imageCacheDir = process.env.CRM_PGLITE_IMAGE_CACHE || undefined;
    const db = await openDatabase({ config: { dataDir: 'memory://', pglitePort: 0, poolMax: options.poolMax ?? 10, imageCacheDir }, logger, extraMigrationDirs, timeouts: options.timeouts });
    return { db, drop: () => db.close() };
  }
  const base = options.serverUrl ?? process.env.TEST_DATABASE_URL;
  if (!base) throw new Error('TEST_DATABASE_URL is not set');
  const scratch = await createScratchDatabase(base);
  const target = options.via ? options.via(scratch.url) : scratch.url;
  const db = await openDatabase({ config: { url: target, dataDir: 'unused', pglitePort: 0, poolMax: options.poolMax ?? 10 }, logger, extraMigrationDirs, timeouts: options.timeouts });
  return {
    db,
    async drop() {
      await db.close();
      await scratch.drop();
    },
  };
}
