/**
 * Start-up time of the `crm` command as users and MCP clients see it (wall clock, fresh process
 * each run; median and max of N runs):
 *   crm --help · crm mcp crm answering `initialize` over stdio (alone, and beside a running
 *   crm start) · crm kb search against a running crm start.
 * Usage: npx tsx evals/src/startup/bench-startup.ts [--runs 7]
 * Targets (issue 8): --help ≤ 0.3 s; initialize ≤ 1 s; kb search ≤ 1 s.
 */
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '7' } } });
const RUNS = Number(values.runs);
const BIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../gateway/bin/crm.js');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'crm-startup-'));
const env = { ...process.env, CRM_DATA_DIR: path.join(dir, 'data'), DATABASE_URL: '', LOG_LEVEL: 'warn' };

const stats = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return { median: s[Math.floor(s.length / 2)], max: s[s.length - 1] };
};
const fmt = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

function timeCommand(args: string[]): number {
  const t = performance.now();
  const r = spawnSync(process.execPath, [BIN, ...args], { env, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`crm ${args.join(' ')} failed: ${r.stderr}`);
  return performance.now() - t;
}

/** Spawn `crm mcp crm`, send initialize, stop the clock at its response. */
function timeInitialize(): Promise<number> {
  return new Promise((resolve, reject) => {
    const t = performance.now();
    const proc = spawn(process.execPath, [BIN, 'mcp', 'crm'], { env });
    let out = '';
    proc.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('"id":1')) {
        const ms = performance.now() - t;
        proc.kill('SIGKILL');
        resolve(ms);
      }
    });
    proc.on('error', reject);
    proc.stdin.write(`${JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'bench', version: '1' } } })}\n`);
  });
}

async function series(label: string, fn: () => number | Promise<number>) {
  await fn(); // warm the file cache
  const xs: number[] = [];
  for (let i = 0; i < RUNS; i++) xs.push(await fn());
  const s = stats(xs);
  console.log(`${label.padEnd(52)} median ${fmt(s.median)}   max ${fmt(s.max)}`);
  return s;
}

timeCommand(['seed', '--demo', '--contacts', '200', '--no-knowledge']);
console.log(`crm start-up, ${RUNS} runs each (load average ${os.loadavg()[0].toFixed(1)})`);
await series('crm --help', () => timeCommand(['--help']));
await series('crm mcp crm → initialize (embedded db, alone)', timeInitialize);
const server = spawn(process.execPath, [BIN, 'start', '--port', '0', '--no-seed'], { env });
await new Promise<void>((resolve) => server.stdout.on('data', (d: Buffer) => d.toString().includes('Press Ctrl+C') && resolve()));
try {
  await series('crm mcp crm → initialize (beside crm start)', timeInitialize);
  await series('crm kb search (beside crm start)', () => timeCommand(['kb', 'search', 'payment terms', '--json']));
} finally {
  server.kill('SIGINT');
  await new Promise((r) => server.once('exit', r));
  fs.rmSync(dir, { recursive: true, force: true });
}
