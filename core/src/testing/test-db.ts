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

/**
 * A fresh, migrated database: in-memory PGlite, or a new database on the TEST_DATABASE_URL
 * server that `drop()` removes again.
 */
export async function openTestDatabase(
  kind: TestDbKind,
  extraMigrationDirs: string[] = [],
  /** Server only: `via` rewrites the URL (e.g. through a test's TCP proxy); `timeouts` as openDatabase takes them. */
  options: { via?: (url: string) => string; timeouts?: Partial<DbTimeouts> } = {},
): Promise<TestDatabase> {
  const logger = silentLogger();
  if (kind === 'pglite') {
    const db = await openDatabase({ config: { dataDir: 'memory://', pglitePort: 0, poolMax: 10 }, logger, extraMigrationDirs });
    return { db, drop: () => db.close() };
  }
  const base = process.env.TEST_DATABASE_URL;
  if (!base) throw new Error('TEST_DATABASE_URL is not set');
  const name = `crm_test_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: base });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(base);
  url.pathname = `/${name}`;
  const target = options.via ? options.via(url.toString()) : url.toString();
  const db = await openDatabase({ config: { url: target, dataDir: 'unused', pglitePort: 0, poolMax: 10 }, logger, extraMigrationDirs, timeouts: options.timeouts });
  return {
    db,
    async drop() {
      await db.close();
      const c = new pg.Client({ connectionString: base });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}
