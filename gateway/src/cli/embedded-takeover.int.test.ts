import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCrm, stopCrm } from '../testing/crm-process.ts';

const BIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../bin/crm.js');

async function until<T>(what: string, fn: () => T | undefined | false, ms = 120_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`gave up waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

interface McpProcess {
  client: Client;
  pid: number;
  stderr: () => string;
}

type ToolResult = Awaited<ReturnType<Client['callTool']>>;
const text = (r: ToolResult) => (r.content as { type: string; text?: string }[]).map((c) => c.text ?? '').join('\n');

// When the process that owns an embedded data folder (here a stdio `crm mcp` an MCP client
// started) stops, one of the processes connected through it takes the folder over and serves it at
// the same socket: their next calls work without restarting anything.
describe('the embedded database is taken over when its owner stops', { timeout: 600_000 }, () => {
  let dir: string;
  const dataDir = () => path.join(dir, 'data');
  const env = () => ({ ...process.env, CRM_DATA_DIR: dataDir(), DATABASE_URL: '', LOG_LEVEL: 'warn' }) as Record<string, string>;
  const run = (args: string[]) =>
    new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
      const child = spawn(process.execPath, [BIN, ...args], { env: env() });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d) => (stdout += d));
      child.stderr.on('data', (d) => (stderr += d));
      child.on('exit', (code) => resolve({ code, stdout, stderr }));
    });
  const serverJson = () => {
    try {
      return JSON.parse(fs.readFileSync(path.join(dataDir(), 'server.json'), 'utf8')) as { pid: number; databaseUrl: string; command?: string };
    } catch {
      return undefined;
    }
  };
  const connect = async (): Promise<McpProcess> => {
    const client = new Client({ name: 'takeover-test', version: '1.0.0' });
    const transport = new StdioClientTransport({ command: process.execPath, args: [BIN, 'mcp', 'crm', '--user', 'admin@north.test'], env: env(), stderr: 'pipe' });
    let stderr = '';
    transport.stderr?.on('data', (d) => (stderr += d));
    await client.connect(transport);
    // the database opens after the handshake: one call makes sure this process has it (or its owner's socket)
    const listed = await client.callTool({ name: 'search_contacts', arguments: { limit: 1 } });
    expect(listed.isError ?? false, text(listed)).toBe(false);
    return { client, pid: transport.pid!, stderr: () => stderr };
  };
  /** The call; when it fails as the owner goes (DATABASE_UNAVAILABLE), once more after the takeover. */
  const callAcrossTakeover = async (p: McpProcess, name: string, args: Record<string, unknown>) => {
    const first = await p.client.callTool({ name, arguments: args });
    if (!first.isError) return { result: first, retried: false };
    expect(text(first)).toMatch(/^DATABASE_UNAVAILABLE/);
    await until('the takeover', () => /took over the embedded database/.test(p.stderr()));
    return { result: await p.client.callTool({ name, arguments: args }), retried: true };
  };

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'crm-takeover-'));
    expect(spawnSync(process.execPath, [BIN, 'migrate'], { env: env(), encoding: 'utf8' }).status).toBe(0);
    const tenant = await run(['tenant', 'create', '--name', 'North', '--slug', 'north', '--admin-email', 'admin@north.test']);
    expect(tenant.code, tenant.stderr).toBe(0);
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('SIGTERM: the other stdio server takes the folder over, keeps the data, and a later command connects through it', async () => {
    const first = await connect();
    const second = await connect();
    try {
      expect(serverJson()).toMatchObject({ pid: first.pid, command: 'crm mcp crm' });
      const created = await second.client.callTool({ name: 'create_contact', arguments: { firstName: 'Take', lastName: 'Over', email: 'take.over@north.test' } });
      expect(created.isError ?? false, text(created)).toBe(false);

      process.kill(first.pid, 'SIGTERM');
      await until('the first server to exit', () => !alive(first.pid));
      const { result } = await callAcrossTakeover(second, 'search_contacts', { search: 'take.over@north.test', limit: 5 });
      expect(result.isError ?? false, text(result)).toBe(false);
      expect(text(result)).toContain('take.over@north.test');
      // exactly one line, naming the owner that stopped
      expect(second.stderr().match(/took over the embedded database from pid (\d+)/g)).toEqual([`took over the embedded database from pid ${first.pid}`]);
      // the new owner says where it is, like one that opened the folder itself, at the same socket
      const advertised = serverJson();
      expect(advertised).toMatchObject({ pid: second.pid, command: 'crm mcp crm' });

      // writes go on
      const again = await second.client.callTool({ name: 'create_contact', arguments: { firstName: 'After', lastName: 'Takeover', email: 'after@north.test' } });
      expect(again.isError ?? false, text(again)).toBe(false);
      // a one-shot command connects through the new owner (it does not wait for it to end)
      const exported = await run(['export', 'contacts', '-', '--user', 'admin@north.test']);
      expect(exported.code, exported.stderr).toBe(0);
      expect(exported.stderr).not.toMatch(/Waiting for/);
      expect(exported.stdout).toContain('take.over@north.test');
      expect(exported.stdout).toContain('after@north.test');
    } finally {
      await first.client.close().catch(() => {});
      await second.client.close();
    }
    // the new owner stopped like a normal owner: lock and server file gone, the folder opens
    await until('the second server to exit', () => !alive(second.pid));
    expect(fs.existsSync(path.join(dir, '.data.lock'))).toBe(false);
    expect(serverJson()).toBeUndefined();
    const list = await run(['export', 'contacts', '-', '--user', 'admin@north.test']);
    expect(list.code, list.stderr).toBe(0);
    expect(list.stdout).toContain('after@north.test');
  });

  it('SIGKILL (a stale lock and socket left behind): the other server takes the folder over', async () => {
    const first = await connect();
    const second = await connect();
    try {
      expect(serverJson()).toMatchObject({ pid: first.pid });
      process.kill(first.pid, 'SIGKILL');
      await until('the first server to die', () => !alive(first.pid));
      // what it left: its lock file naming it
      expect(JSON.parse(fs.readFileSync(path.join(dir, '.data.lock'), 'utf8')).pid).toBe(first.pid);
      const { result } = await callAcrossTakeover(second, 'search_contacts', { search: 'after@north.test', limit: 5 });
      expect(result.isError ?? false, text(result)).toBe(false);
      expect(text(result)).toContain('after@north.test');
      expect(second.stderr()).toContain(`took over the embedded database from pid ${first.pid}`);
      expect(JSON.parse(fs.readFileSync(path.join(dir, '.data.lock'), 'utf8')).pid).toBe(second.pid);
      expect(serverJson()).toMatchObject({ pid: second.pid, command: 'crm mcp crm' });
    } finally {
      await first.client.close().catch(() => {});
      await second.client.close();
    }
    await until('the second server to exit', () => !alive(second.pid));
    expect(fs.existsSync(path.join(dir, '.data.lock'))).toBe(false);
  });

  it('a `crm start` running through a stdio server takes the folder over, advertises itself and starts maintaining it', async () => {
    const owner = await connect();
    // a maintenance pass 3 s after it begins (PGLITE_MAINTENANCE_MINUTES is only the owner's duty)
    const { proc, url, out } = await startCrm({ ...env(), PGLITE_MAINTENANCE_MINUTES: '0.05' });
    let stderr = '';
    proc.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    const maintenance = async () => {
      const health = (await (await fetch(`${url}/health`)).json()) as { checks: { database: { status: string }; services: { name: string; detail?: string }[] } };
      return { database: health.checks.database.status, detail: health.checks.services.find((s) => s.name === 'embedded-maintenance')?.detail };
    };
    try {
      expect(out).toMatch(/the embedded database is open in "crm mcp crm" \(pid \d+, started by an MCP client\); this server uses it through that process/);
      expect(await maintenance()).toEqual({ database: 'ok', detail: 'waiting: the process this one connects through maintains the database' });

      process.kill(owner.pid, 'SIGTERM');
      await until('the takeover', () => stderr.includes(`took over the embedded database from pid ${owner.pid}`));
      expect(serverJson()).toMatchObject({ pid: proc.pid, httpUrl: url });
      expect(serverJson()?.command).toBeUndefined();
      const deadline = Date.now() + 120_000;
      for (let m = await maintenance(); !/^last pass /.test(m.detail ?? ''); m = await maintenance()) {
        if (Date.now() > deadline) throw new Error(`no maintenance pass after the takeover: ${JSON.stringify(m)}`);
        await new Promise((r) => setTimeout(r, 500));
      }
      expect((await maintenance()).database).toBe('ok');
      // a one-shot command reaches it through its socket
      const exported = await run(['export', 'contacts', '-', '--user', 'admin@north.test']);
      expect(exported.code, exported.stderr).toBe(0);
      expect(exported.stdout).toContain('after@north.test');
    } finally {
      await owner.client.close().catch(() => {});
      await stopCrm(proc);
    }
    expect(fs.existsSync(path.join(dir, '.data.lock'))).toBe(false);
    expect(serverJson()).toBeUndefined();
  });
});
