import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type pg from 'pg';
import type { Logger } from '../logger.ts';

const MIGRATIONS_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../migrations');

export interface Migration {
  name: string;
  sql: string;
}

/** Committed SQL migrations, applied in file-name order. Extra dirs let later packages add theirs. */
export function loadMigrations(extraDirs: string[] = []): Migration[] {
  return [MIGRATIONS_DIR, ...extraDirs]
    .flatMap((dir) =>
      fs
        .readdirSync(dir)
        .filter((f) => f.endsWith('.sql'))
        .map((f) => ({ name: f, sql: fs.readFileSync(path.join(dir, f), 'utf8') })),
    )
    .sort((a, b) => a.name.localeCompare(b.name));
}

/**
 * Apply pending migrations as the owner, each in its own transaction, under an advisory lock so
 * two processes starting at once do not race.
 */
export async function migrate(client: pg.ClientBase, logger?: Logger, migrations = loadMigrations()): Promise<string[]> {
  await client.query('CREATE TABLE IF NOT EXISTS schema_migrations (name text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())');
  await client.query('SELECT pg_advisory_lock(724001)');
  const applied: string[] = [];
  try {
    const done = new Set((await client.query<{ name: string }>('SELECT name FROM schema_migrations')).rows.map((r) => r.name));
    for (const m of migrations) {
      if (done.has(m.name)) continue;
      await client.query('BEGIN');
      try {
        await client.query(m.sql);
        await client.query('INSERT INTO schema_migrations (name) VALUES ($1)', [m.name]);
        await client.query('COMMIT');
      } catch (err) {
        await client.query('ROLLBACK');
        throw new Error(`Migration ${m.name} failed: ${(err as Error).message}`, { cause: err });
      }
      applied.push(m.name);
      logger?.info({ migration: m.name }, 'migration applied');
    }
  } finally {
    await client.query('SELECT pg_advisory_unlock(724001)');
  }
  return applied;
}
