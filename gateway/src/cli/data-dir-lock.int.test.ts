import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const BIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../bin/crm.js');

// Two processes writing one embedded data folder corrupt it (seen: two `crm chat` started together
// left a folder PGlite could not open again). One process owns a folder at a time; others wait for
// it, or — when it is a `crm start` or a stdio `crm mcp` — connect through its socket.
describe('several crm processes on one embedded data folder', { timeout: 400_000 }, () => {
  let dir: string;
  const env = () => ({ ...process.env, CRM_DATA_DIR: path.join(dir, 'data'), DATABASE_URL: '', LOG_LEVEL: 'warn' });
  const run = (args: string[]) =>
    new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
      const child = spawn(process.execPath, [BIN, ...args], { env: env() });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d) => (stdout += d));
      child.stderr.on('data', (d) => (stderr += d));
      child.on('exit', (code) => resolve({ code, stdout, stderr }));
    });

  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'crm-lock-'));
    expect(spawnSync(process.execPath, [BIN, 'migrate'], { env: env(), encoding: 'utf8' }).status).toBe(0);
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('commands started together take turns: every write lands and the folder opens afterwards', async () => {
    const slugs = ['north', 'south', 'east'];
    const runs = await Promise.all(slugs.map((s) => run(['tenant', 'create', '--name', `Team ${s}`, '--slug', s, '--admin-email', `admin@${s}.test`])));
    for (const r of runs) expect(r.code, r.stderr).toBe(0);
    // at least one of them found the folder in use and said whom it waited for
    expect(runs.some((r) => /^Waiting for crm tenant create \(pid \d+\) to finish with the embedded database in /m.test(r.stderr))).toBe(true);
    const list = await run(['tenant', 'list']);
    expect(list.code, list.stderr).toBe(0);
    for (const s of slugs) expect(list.stdout).toContain(s);
    expect(fs.existsSync(path.join(dir, '.data.lock'))).toBe(false);
  });

  it('beside a stdio `crm mcp` (which an MCP client keeps running), a command and a second MCP server connect through it', async () => {
    const connect = async () => {
      const client = new Client({ name: 'lock-test', version: '1.0.0' });
      await client.connect(new StdioClientTransport({ command: process.execPath, args: [BIN, 'mcp', 'crm', '--user', 'admin@north.test'], env: env() as Record<string, string>, stderr: 'pipe' }));
      return client;
    };
    const first = await connect();
    try {
      const listed = await first.callTool({ name: 'search_contacts', arguments: { limit: 5 } });
      expect(listed.isError ?? false).toBe(false);
      const second = await connect();
      try {
        const created = await second.callTool({ name: 'create_contact', arguments: { firstName: 'Lock', lastName: 'Step', email: 'lock@north.test' } });
        expect(created.isError ?? false, JSON.stringify(created.content)).toBe(false);
        // a command does not wait for the MCP server to end: it uses the server's socket
        const exported = await run(['export', 'contacts', '-', '--user', 'admin@north.test']);
        expect(exported.code, exported.stderr).toBe(0);
        expect(exported.stderr).not.toMatch(/Waiting for/);
        expect(exported.stdout).toContain('lock@north.test');
      } finally {
        await second.close();
      }
    } finally {
      await first.close();
    }
    // both gone: the folder is free and intact
    const list = await run(['tenant', 'list']);
    expect(list.code, list.stderr).toBe(0);
    expect(list.stdout).toContain('north');
  });
});
