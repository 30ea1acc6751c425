import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { createLogger } from '../logger.ts';
import { isDataDirBusy, lockDataDir, lockFileOf } from './data-dir-lock.ts';
import { openDatabase } from './database.ts';
import { startEmbeddedPostgres } from './embedded-postgres.ts';
import { fixedEmbeddedUrl, fixedSocketDir } from './embedded-socket-dir.ts';
import { watchEmbeddedOwner } from './embedded-takeover.ts';

async function until<T>(what: string, fn: () => T | undefined | false, ms = 60_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`gave up waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

// The owner of an embedded data folder serves it at the folder's fixed socket, so when it stops,
// the process that takes the folder over serves it at the URL every client already uses.
describe('embedded database: the next owner serves at the same URL', { timeout: 120_000 }, () => {
  const root = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'crm-takeover-')));
  afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

  it('owners one after another use the fixed socket; a socket a killed owner left is replaced', async () => {
    const dataDir = path.join(root, 'seq');
    const first = await startEmbeddedPostgres({ dataDir });
    expect(first.url).toBe(fixedEmbeddedUrl(dataDir));
    expect(first.socketDir).toBe(fixedSocketDir(dataDir));
    await first.stop();
    expect(fs.existsSync(fixedSocketDir(dataDir))).toBe(false);
    // what SIGKILL leaves: the directory and a socket file nobody listens on
    fs.mkdirSync(fixedSocketDir(dataDir), { mode: 0o700 });
    fs.writeFileSync(path.join(fixedSocketDir(dataDir), '.s.PGSQL.5432'), '');
    const second = await startEmbeddedPostgres({ dataDir });
    try {
      expect(second.url).toBe(first.url);
      const client = new pg.Client({ connectionString: second.url });
      await client.connect();
      expect((await client.query<{ one: number }>('SELECT 1 AS one')).rows[0]!.one).toBe(1);
      await client.end();
    } finally {
      await second.stop();
    }
  });

  it('a refused socket directory: a private one (no takeover possible), or for a takeover a clear error and the lock released', async () => {
    const dataDir = path.join(root, 'refused');
    fs.mkdirSync(fixedSocketDir(dataDir), { mode: 0o755 });
    fs.chmodSync(fixedSocketDir(dataDir), 0o755);
    try {
      const refused: Error[] = [];
      const e = await startEmbeddedPostgres({ dataDir, onSocketDirRefused: (err) => refused.push(err) });
      try {
        expect(refused.map((r) => r.message)).toEqual([expect.stringMatching(/has mode 0755, not 0700/)]);
        expect(e.socketDir).toBeDefined();
        expect(e.socketDir).not.toBe(fixedSocketDir(dataDir));
        expect(fs.statSync(e.socketDir!).mode & 0o777).toBe(0o700);
      } finally {
        await e.stop();
      }
      await expect(startEmbeddedPostgres({ dataDir, requireFixedSocket: true })).rejects.toThrow(/socket directory .* has mode 0755, not 0700/);
      expect(fs.existsSync(lockFileOf(dataDir))).toBe(false);
    } finally {
      fs.rmSync(fixedSocketDir(dataDir), { recursive: true, force: true });
    }
  });

  it('a watcher takes the folder over when the owner stops; its pool reconnects at the same URL and sees the data', async () => {
    const dataDir = path.join(root, 'watch');
    const owner = await startEmbeddedPostgres({ dataDir });
    const pool = new pg.Pool({ connectionString: owner.url, max: 2 });
    pool.on('error', () => {});
    await pool.query('CREATE TABLE kept (v text)');
    await pool.query("INSERT INTO kept VALUES ('before the takeover')");
    const took: (number | undefined)[] = [];
    const lines: string[] = [];
    const logger = createLogger({ level: 'warn', destination: { write: (line: string) => void lines.push(line) } });
    const watch = watchEmbeddedOwner({ dataDir, port: 0, url: owner.url, ownerPid: 4242, logger, intervalMs: 50, onTakeOver: (i) => took.push(i.fromPid) });
    try {
      // the owner holds the lock: nothing happens
      await new Promise((r) => setTimeout(r, 300));
      expect(watch.owning).toBe(false);
      await owner.stop();
      await until('the takeover', () => watch.owning);
      // the owner's pid as this process last saw it hold the lock
      expect(took).toEqual([process.pid]);
      expect(lines.map((l) => JSON.parse(l).msg)).toEqual([`took over the embedded database from pid ${process.pid}`]);
      expect((await pool.query<{ v: string }>('SELECT v FROM kept')).rows).toEqual([{ v: 'before the takeover' }]);
      // and the lock is the new owner's: nobody else opens the folder now
      expect(() => lockDataDir(dataDir)).toThrow(expect.objectContaining({ code: 'DATABASE_UNAVAILABLE' }));
      let busy: unknown;
      try {
        lockDataDir(dataDir);
      } catch (err) {
        busy = err;
      }
      expect(isDataDirBusy(busy)).toBe(true);
    } finally {
      await pool.end();
      await watch.close();
    }
    expect(fs.existsSync(lockFileOf(dataDir))).toBe(false);
    expect(fs.existsSync(fixedSocketDir(dataDir))).toBe(false);
  });

  it("a database opened through the owner: the first call after the owner stops waits for the new owner instead of failing", async () => {
    const dataDir = path.join(root, 'calls');
    // the owner: a database that opened the folder itself (and migrated it)
    const owner = await openDatabase({ config: { dataDir, pglitePort: 0, poolMax: 2 }, logger: createLogger({ level: 'silent' }) });
    const took: (number | undefined)[] = [];
    const through = await openDatabase({
      config: { url: owner.url, dataDir, pglitePort: 0, poolMax: 2 },
      logger: createLogger({ level: 'silent' }),
      migrate: false,
      timeouts: { connectTimeoutMs: 60_000 },
      // (the owner here is this very process)
      takeOver: { ownerPid: process.pid, onTakeOver: (i) => took.push(i.fromPid) },
    });
    try {
      expect(through.kind).toBe('pglite');
      await owner.close();
      // no DATABASE_UNAVAILABLE: the call could not connect, so it waited for the takeover and ran
      expect(await through.ping()).toEqual({ latencyMs: expect.any(Number) });
      expect(took).toEqual([process.pid]);
      // the same (migrated) folder
      const [rows] = await through.readAsWorker([{ sql: "SELECT count(*)::int AS n FROM pg_tables WHERE tablename = 'contacts'" }]);
      expect(rows).toEqual([{ n: 1 }]);
    } finally {
      await through.close();
    }
    expect(fs.existsSync(lockFileOf(dataDir))).toBe(false);
  });
});
