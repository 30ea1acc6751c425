import { execFile, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
export const CRM_BIN = path.join(REPO_ROOT, 'gateway/bin/crm.js');
const run = promisify(execFile);

/** A fresh embedded-database folder holding the demo tenant. */
export async function seededDataDir(contacts = 50): Promise<string> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'crm-mcp-'));
  await run(process.execPath, [CRM_BIN, 'seed', '--demo', '--contacts', String(contacts)], { cwd: REPO_ROOT, env: { ...process.env, CRM_DATA_DIR: dir, LOG_LEVEL: 'warn' }, timeout: 180_000 });
  return dir;
}

/** The real `crm mcp <server>` process, with the SDK client on the other end of its stdio. */
export async function connectStdio(dataDir: string, args: string[]) {
  const stderr: string[] = [];
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [CRM_BIN, 'mcp', ...args],
    cwd: REPO_ROOT,
    env: { ...(process.env as Record<string, string>), CRM_DATA_DIR: dataDir, LOG_LEVEL: 'info' },
    stderr: 'pipe',
  });
  transport.stderr?.on('data', (d: Buffer) => stderr.push(d.toString()));
  const errors: Error[] = [];
  const client = new Client({ name: 'stdio-test', version: '1.0.0' });
  client.onerror = (err) => void errors.push(err);
  await client.connect(transport);
  return { client, transport, stderr, errors };
}

/** A long-running `crm start`, resolved once it says it is running. */
export async function startCrm(dataDir: string): Promise<{ proc: ChildProcess; stop(): Promise<void> }> {
  const proc = spawn(process.execPath, [CRM_BIN, 'start', '--port', '0', '--no-seed'], { cwd: REPO_ROOT, env: { ...process.env, CRM_DATA_DIR: dataDir, LOG_LEVEL: 'warn' } });
  let out = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`crm start did not come up: ${out}`)), 120_000);
    proc.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('Press Ctrl+C to stop')) {
        clearTimeout(timer);
        resolve();
      }
    });
    proc.stderr!.on('data', (d: Buffer) => (out += d.toString()));
    proc.once('exit', (code) => reject(new Error(`crm start exited with ${code}: ${out}`)));
  });
  return {
    proc,
    stop: () =>
      new Promise<void>((resolve) => {
        proc.once('exit', () => resolve());
        proc.kill('SIGTERM');
      }),
  };
}

/**
 * Run the official MCP Inspector in CLI mode against `crm mcp ...`, returning its parsed JSON
 * output. It runs in its own process group so a hang cannot leave the inspector or the server behind.
 */
export async function inspectorCli(dataDir: string, serverArgs: string[], methodArgs: string[], timeoutMs = 180_000): Promise<unknown> {
  const args = ['--no', '--', '@modelcontextprotocol/inspector', '-e', `CRM_DATA_DIR=${dataDir}`, '--cli', process.execPath, CRM_BIN, 'mcp', ...serverArgs, ...methodArgs];
  const proc = spawn('npx', args, { cwd: REPO_ROOT, env: { ...process.env, CRM_DATA_DIR: dataDir, LOG_LEVEL: 'warn' }, detached: true });
  let stdout = '';
  let stderr = '';
  proc.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  proc.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const code = await new Promise<number | null>((resolve) => {
    const timer = setTimeout(() => {
      try {
        process.kill(-proc.pid!, 'SIGKILL');
      } catch {
        /* already gone */
      }
    }, timeoutMs);
    proc.once('exit', (c) => {
      clearTimeout(timer);
      resolve(c);
    });
  });
  if (code !== 0) throw new Error(`inspector exited with ${code}: ${stderr}${stdout}`);
  return JSON.parse(stdout);
}
