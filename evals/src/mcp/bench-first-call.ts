/**
 * How long a client waits on `crm mcp crm` over stdio, from spawning the process: the `initialize`
 * answer, the `tools/list` answer and the first `tools/call` answer (search_contacts, which needs
 * the database). The client behaves like an automated one: it sends `initialize` at once, and on
 * its answer `notifications/initialized`, `tools/list` and `tools/call` together. Median and max of
 * N fresh processes, after one warm-up (the file cache).
 *
 *   npx tsx evals/src/mcp/bench-first-call.ts [--runs 7] [--server postgresql://postgres@127.0.0.1:5432/test]
 *
 * Without --server the database is an embedded PGlite data folder (a temporary one, migrated and
 * given one tenant by `crm tenant create` first); with it, that PostgreSQL database.
 */
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '7' }, server: { type: 'string' } } });
const RUNS = Number(values.runs);
const BIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../gateway/bin/crm.js');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'crm-first-call-'));
const env = { ...process.env, CRM_DATA_DIR: path.join(dir, 'data'), DATABASE_URL: values.server ?? '', LOG_LEVEL: 'warn' };
const log = (msg: string) => process.stderr.write(`[bench-first-call] ${msg}\n`);

const slug = `first-call-${process.pid}`;
const created = spawnSync(process.execPath, [BIN, 'tenant', 'create', '--name', 'First call', '--slug', slug, '--admin-email', `admin@${slug}.test`], { env, encoding: 'utf8' });
if (created.status !== 0) throw new Error(`crm tenant create failed: ${created.stderr}`);

interface Run {
  initializeMs: number;
  toolsListMs: number;
  firstCallMs: number;
}

const rpc = (id: number | undefined, method: string, params: unknown = {}) => `${JSON.stringify({ jsonrpc: '2.0', ...(id === undefined ? {} : { id }), method, params })}\n`;

function once(): Promise<Run> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const proc = spawn(process.execPath, [BIN, 'mcp', 'crm', '--user', `admin@${slug}.test`, '--tenant', slug], { env, stdio: ['pipe', 'pipe', 'inherit'] });
    const at: Partial<Record<number, number>> = {};
    let result: Run | undefined;
    let buffered = '';
    proc.stdout.on('data', (d: Buffer) => {
      buffered += d.toString();
      let nl: number;
      while ((nl = buffered.indexOf('\n')) >= 0) {
        const msg = JSON.parse(buffered.slice(0, nl)) as { id?: number; error?: unknown; result?: { isError?: boolean } };
        buffered = buffered.slice(nl + 1);
        if (msg.id === undefined) continue;
        at[msg.id] = performance.now() - t0;
        if (msg.error || msg.result?.isError) reject(new Error(`request ${msg.id} failed: ${JSON.stringify(msg)}`));
        if (msg.id === 1) proc.stdin.write(rpc(undefined, 'notifications/initialized') + rpc(2, 'tools/list') + rpc(3, 'tools/call', { name: 'search_contacts', arguments: { limit: 1 } }));
        if (msg.id === 3) {
          result = { initializeMs: Math.round(at[1]!), toolsListMs: Math.round(at[2]!), firstCallMs: Math.round(at[3]!) };
          proc.stdin.end(); // the server closes itself and lets go of the data folder
        }
      }
    });
    proc.on('error', reject);
    proc.on('exit', () => (result ? resolve(result) : reject(new Error('crm mcp exited before answering'))));
    proc.stdin.write(rpc(1, 'initialize', { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'bench-first-call', version: '1' } }));
  });
}

await once(); // warm the file cache
const runs: Run[] = [];
for (let i = 0; i < RUNS; i++) {
  runs.push(await once());
  log(`run ${i + 1}: ${JSON.stringify(runs.at(-1))}`);
}
const stat = (k: keyof Run) => {
  const xs = runs.map((r) => r[k]).sort((a, b) => a - b);
  return { median: xs[Math.floor(xs.length / 2)], max: xs.at(-1) };
};
console.log(
  JSON.stringify(
    { database: values.server ? 'postgresql' : 'pglite', runs: RUNS, loadavg: os.loadavg().map((l) => Math.round(l * 10) / 10), initialize: stat('initializeMs'), toolsList: stat('toolsListMs'), firstCall: stat('firstCallMs') },
    null,
    2,
  ),
);
fs.rmSync(dir, { recursive: true, force: true });
