/**
 * Responsiveness during the very first `crm start` on the embedded database: the demo tenant is
 * seeded, its first lead-scoring model trained (the rescoring agent's missed slot) and the
 * knowledge base (~20k interaction chunks) indexed and embedded in the background, all in the
 * process that serves HTTP. A client asks for one contact page (`GET /api/v1/contacts?limit=1`,
 * a real database read) every 250 ms, one request at a time, from the moment the server listens
 * until the knowledge base is loaded; the script prints the latency distribution and the slowest
 * requests with what the server was doing then.
 * Usage: npx tsx evals/src/startup/bench-first-start.ts [--bin path/to/crm.js] [--limit-seconds 600]
 * Target (issue 14, item 4): no request waits on the background work for more than ~1 s.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { freePort } from '@crm/core/testing';

const { values } = parseArgs({ options: { bin: { type: 'string' }, 'limit-seconds': { type: 'string', default: '600' } } });
const BIN = values.bin ? path.resolve(values.bin) : path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../gateway/bin/crm.js');
const LIMIT_MS = Number(values['limit-seconds']) * 1000;

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'crm-first-start-'));
const port = await freePort();
const t0 = performance.now();
const proc = spawn(process.execPath, [BIN, 'start', '--port', String(port)], {
  env: { ...process.env, CRM_DATA_DIR: path.join(dir, 'data'), DATABASE_URL: '', LOG_LEVEL: 'info' },
  stdio: ['ignore', 'pipe', 'pipe'],
});
// what the server logged last (its phase), and when the knowledge base finished
let phase = 'starting';
let loadedAt: number | null = null;
// the logger writes JSON lines to stderr or stdout depending on the destination: read both
const follow = (stream: NodeJS.ReadableStream) => {
  let buffered = '';
  stream.on('data', (d: Buffer) => {
    buffered += d.toString();
    let nl: number;
    while ((nl = buffered.indexOf('\n')) >= 0) {
      const line = buffered.slice(0, nl);
      buffered = buffered.slice(nl + 1);
      let msg = line;
      try {
        const j = JSON.parse(line) as { msg: string; job?: string; phase?: string };
        msg = [j.msg, j.job, j.phase].filter(Boolean).join(' ');
      } catch {
        /* a plain line of the banner */
      }
      if (/demo knowledge base loaded/.test(msg)) loadedAt = performance.now();
      if (!/request|^\s*$/.test(msg)) phase = msg.trim().slice(0, 70);
    }
  });
};
follow(proc.stdout);
follow(proc.stderr);

const url = `http://127.0.0.1:${port}/api/v1/contacts?limit=1`;
const samples: { at: number; ms: number; phase: string; status: number }[] = [];
let listening = false;
try {
  while (performance.now() - t0 < LIMIT_MS && (loadedAt === null || performance.now() - loadedAt < 2000)) {
    const start = performance.now();
    const phaseBefore = phase;
    let status = 0;
    try {
      const res = await fetch(url, { headers: { authorization: 'Bearer crm_demo_admin' } });
      status = res.status;
      await res.arrayBuffer();
    } catch {
      status = -1; // not listening yet
    }
    const ms = performance.now() - start;
    if (status > 0) listening = true;
    if (listening && status > 0) samples.push({ at: (start - t0) / 1000, ms, phase: phaseBefore, status });
    await new Promise((r) => setTimeout(r, Math.max(0, 250 - ms)));
  }
} finally {
  proc.kill('SIGINT');
}
await new Promise((r) => proc.once('exit', r));
fs.rmSync(dir, { recursive: true, force: true });

if (!samples.length) throw new Error('the server never answered');
const sorted = samples.map((s) => s.ms).sort((a, b) => a - b);
const q = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
const bad = samples.filter((s) => s.status !== 200);
console.log(`first start, ${samples.length} requests from ${samples[0].at.toFixed(1)} s to ${samples.at(-1)!.at.toFixed(1)} s (knowledge base loaded at ${loadedAt === null ? 'never' : ((loadedAt - t0) / 1000).toFixed(1) + ' s'}; load ${os.loadavg()[0].toFixed(1)})`);
console.log(`latency ms: p50 ${q(0.5).toFixed(0)}  p95 ${q(0.95).toFixed(0)}  p99 ${q(0.99).toFixed(0)}  max ${sorted.at(-1)!.toFixed(0)}  over 1 s: ${samples.filter((s) => s.ms > 1000).length}  non-200: ${bad.length}${bad.length ? ` (${[...new Set(bad.map((b) => b.status))].join(', ')})` : ''}`);
console.log('slowest requests:');
for (const s of [...samples].sort((a, b) => b.ms - a.ms).slice(0, 6)) console.log(`  at ${s.at.toFixed(1)} s: ${s.ms.toFixed(0)} ms (${s.status}; server last logged: ${s.phase})`);
