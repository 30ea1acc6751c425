import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net, { type AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmbeddedPostgres, type EmbeddedPostgres } from './embedded-postgres.ts';

/** Connects to a Unix socket as another user (uid/gid 65534, "nobody"); prints the outcome. */
function connectAsNobody(socket: string): string {
  const script = `require('net').connect(${JSON.stringify(socket)}).on('connect', () => { console.log('connected'); process.exit(0); }).on('error', (e) => { console.log(e.code); process.exit(0); })`;
  const r = spawnSync(process.execPath, ['-e', script], { uid: 65534, gid: 65534, encoding: 'utf8', timeout: 60_000, cwd: '/' });
  return r.stdout.trim() || r.stderr.trim();
}

describe('embedded database: private by default', () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'crm-embedded-test-'));
  const dataDir = path.join(root, 'data');
  let e: EmbeddedPostgres;
  beforeAll(async () => {
    e = await startEmbeddedPostgres({ dataDir });
  });
  afterAll(async () => {
    await e?.stop().catch(() => {});
    fs.rmSync(root, { recursive: true, force: true });
  });

  it('listens on a Unix socket in a directory only this user can enter, not on TCP', async () => {
    expect(e.socketDir).toBeDefined();
    const socket = path.join(e.socketDir!, '.s.PGSQL.5432');
    expect(fs.statSync(e.socketDir!).mode & 0o777).toBe(0o700);
    expect(fs.statSync(socket).isSocket()).toBe(true);
    expect(fs.statSync(socket).mode & 0o777).toBe(0o600);
    expect(fs.statSync(dataDir).mode & 0o777).toBe(0o700);
    expect(e.url).not.toMatch(/127\.0\.0\.1|localhost/);
    // pg (and so MikroORM and the checkpointer) read the percent-encoded socket directory as the host
    const client = new pg.Client({ connectionString: e.url });
    await client.connect();
    expect((await client.query<{ v: string }>('SELECT version() AS v')).rows[0]!.v).toMatch(/PGlite/i);
    await client.end();
  });

  it.skipIf(process.getuid?.() !== 0)('another local user cannot connect (EACCES), this user can', () => {
    const socket = path.join(e.socketDir!, '.s.PGSQL.5432');
    expect(connectAsNobody(socket)).toBe('EACCES');
  });

  it('removes the socket directory when it stops', async () => {
    const dir = e.socketDir!;
    await e.stop();
    expect(fs.existsSync(dir)).toBe(false);
  });

  it('with a TCP port (CRM_PGLITE_PORT) it listens on loopback instead', async () => {
    const tcp = await startEmbeddedPostgres({ dataDir: 'memory://', port: 0 });
    try {
      expect(tcp.socketDir).toBeDefined(); // port 0 means "default": still the socket
    } finally {
      await tcp.stop();
    }
    const probe = await new Promise<number>((resolve) => {
      const srv = net.createServer().listen(0, '127.0.0.1', () => {
        const { port } = srv.address() as AddressInfo;
        srv.close(() => resolve(port));
      });
    });
    const onPort = await startEmbeddedPostgres({ dataDir: 'memory://', port: probe });
    try {
      expect(onPort.socketDir).toBeUndefined();
      expect(onPort.url).toBe(`postgresql://postgres@127.0.0.1:${probe}/postgres`);
      const client = new pg.Client({ connectionString: onPort.url });
      await client.connect();
      await client.end();
    } finally {
      await onPort.stop();
    }
  });
});
