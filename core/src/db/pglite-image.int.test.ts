import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../logger.ts';
import { openDatabase } from './database.ts';
import { startEmbeddedPostgres } from './embedded-postgres.ts';
import { loadMigrations, migrate } from './migrator.ts';
import { findPgliteImage, pgliteImageKey, savePgliteImage } from './pglite-image.ts';

const BIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../gateway/bin/crm.js');

async function query<T extends pg.QueryResultRow>(url: string, sql: string): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(sql)).rows;
  } finally {
    await client.end();
  }
}

describe('embedded database images (CRM_PGLITE_IMAGE_CACHE)', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'crm-image-'));
  const cache = path.join(dir, 'images');
  const migrations = loadMigrations();
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('a new data folder starts from the image of a migrated database; an existing one is never overwritten', async () => {
    // make the image from a fresh in-memory database, as openDatabase does on the first new folder
    const first = await startEmbeddedPostgres({ dataDir: 'memory://' });
    expect(first).toMatchObject({ created: true, fromImage: false });
    const client = new pg.Client({ connectionString: first.url });
    await client.connect();
    await migrate(client, undefined, migrations);
    await client.end();
    const image = findPgliteImage(cache, migrations);
    expect(image.blob).toBeUndefined();
    await savePgliteImage(image.file, await first.dumpImage());
    await first.stop();
    expect(fs.statSync(image.file).mode & 0o777).toBe(0o600);

    const dataDir = path.join(dir, 'data');
    const loaded = findPgliteImage(cache, migrations);
    expect(loaded.blob?.size).toBeGreaterThan(0);
    const second = await startEmbeddedPostgres({ dataDir, image: loaded.blob });
    expect(second).toMatchObject({ created: true, fromImage: true });
    const applied = await query<{ n: number }>(second.url, 'SELECT count(*)::int AS n FROM schema_migrations');
    expect(applied[0]!.n).toBe(migrations.length);
    // the tables of the migrations are there, and the folder is the user's alone
    await query(second.url, "INSERT INTO tenants (id, name, slug) VALUES (gen_random_uuid(), 'Image Test', 'image-test')");
    expect(fs.statSync(dataDir).mode & 0o777).toBe(0o700);
    await second.stop();

    // reopening the folder keeps its data: the image is only for folders that hold no database
    const third = await startEmbeddedPostgres({ dataDir, image: loaded.blob });
    expect(third).toMatchObject({ created: false, fromImage: false });
    expect(await query<{ slug: string }>(third.url, "SELECT slug FROM tenants WHERE slug = 'image-test'")).toEqual([{ slug: 'image-test' }]);
    await third.stop();
  });

  it('an image that cannot be loaded is reported and the database is created the normal way', async () => {
    const bad: Error[] = [];
    const dataDir = path.join(dir, 'bad');
    const db = await startEmbeddedPostgres({ dataDir, image: new Blob([Buffer.from('not a tarball at all')]), onBadImage: (err) => bad.push(err) });
    expect(bad).toHaveLength(1);
    expect(db).toMatchObject({ created: true, fromImage: false });
    expect(await query<{ one: number }>(db.url, 'SELECT 1 AS one')).toEqual([{ one: 1 }]);
    await db.stop();
  });

  it('the key changes with any migration and with the PGlite version', () => {
    const key = pgliteImageKey(migrations, '0.5.14');
    expect(pgliteImageKey(migrations, '0.5.14')).toBe(key);
    expect(pgliteImageKey(migrations, '0.5.15')).not.toBe(key);
    const changed = migrations.map((m, i) => (i === migrations.length - 1 ? { ...m, sql: `${m.sql}\n-- edited` } : m));
    expect(pgliteImageKey(changed, '0.5.14')).not.toBe(key);
    expect(pgliteImageKey([...migrations, { name: '9999_extra.sql', sql: 'SELECT 1' }], '0.5.14')).not.toBe(key);
  });

  it('openDatabase saves the first image and starts the next new database from it', async () => {
    const own = path.join(dir, 'own-cache');
    const open = (dataDir: string) => openDatabase({ config: { dataDir, pglitePort: 0, poolMax: 2, imageCacheDir: own }, logger: silentLogger() });
    const a = await open('memory://');
    await a.close();
    const files = fs.readdirSync(own);
    expect(files).toEqual([path.basename(findPgliteImage(own, migrations).file)]);
    const saved = fs.statSync(path.join(own, files[0]!)).mtimeMs;
    const b = await open(path.join(dir, 'from-image'));
    await b.close();
    // loaded, not written again
    expect(fs.statSync(path.join(own, files[0]!)).mtimeMs).toBe(saved);
    expect(fs.existsSync(path.join(dir, 'from-image', 'PG_VERSION'))).toBe(true);
  });

  it('`crm migrate` with CRM_PGLITE_IMAGE_CACHE: the first new folder saves the image, the next starts from it', () => {
    const cliCache = path.join(dir, 'cli-cache');
    const run = (folder: string) =>
      spawnSync(process.execPath, [BIN, 'migrate'], {
        env: { ...process.env, CRM_DATA_DIR: path.join(dir, folder), CRM_PGLITE_IMAGE_CACHE: cliCache, DATABASE_URL: '', LOG_LEVEL: 'debug' },
        encoding: 'utf8',
        timeout: 180_000,
      });
    const first = run('cli-a');
    expect(first.status, first.stderr).toBe(0);
    expect(first.stderr).toContain('"fromImage":false');
    expect(fs.readdirSync(cliCache)).toHaveLength(1);
    const second = run('cli-b');
    expect(second.status, second.stderr).toBe(0);
    expect(second.stderr).toContain('"fromImage":true');
    expect(second.stdout).toContain('Database is up to date');
  });
});
