/**
 * SIGTERM → exit of `crm start` on the embedded database (issue 9: "SIGTERM stops within 5 s and
 * leaves unprocessed events for the next start"), in the moments where stopping used to take
 * minutes on a loaded machine:
 *   first-start  a fresh data folder, SIGTERM `--after` s after the banner (demo knowledge load running)
 *   loading      a folder stopped mid-load (copied per run): the resumed load, the rescoring agent's retrain
 *   retrain      as loading, with AGENT_RESCORING_HOURS=0.01 so the retrain runs at every start
 *   held         as loading, with a client holding a transaction open (PGlite answers nobody else)
 *   outbox       as loading, after `crm import contacts` of `--rows` rows: an outbox backlog; the
 *                pending events are counted before the stop and at the next start, which runs
 *                until they are all dispatched (its drain rate; at most 5 minutes)
 * `--throttle P` runs the server P % of the time (SIGSTOP/SIGCONT every 100 ms): a starved process,
 * reproducibly, without loading the shared machine; `--clients N` keeps N HTTP requests in flight.
 * Usage: npx tsx evals/src/startup/bench-stop.ts [--scenarios loading,held,...] [--runs 3]
 *        [--after 10] [--throttle 0] [--clients 0] [--rows 20000] [--bin path/to/crm.js]
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import pg from 'pg';

const { values } = parseArgs({
  options: {
    bin: { type: 'string' },
    scenarios: { type: 'string', default: 'first-start,loading,retrain,held,outbox' },
    runs: { type: 'string', default: '3' },
    after: { type: 'string', default: '10' },
    throttle: { type: 'string', default: '0' },
    clients: { type: 'string', default: '0' },
    rows: { type: 'string', default: '20000' },
  },
});
const BIN = values.bin ? path.resolve(values.bin) : path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../gateway/bin/crm.js');
const AFTER_MS = Number(values.after) * 1000;
const THROTTLE = Number(values.throttle);
const CLIENTS = Number(values.clients);
const RUNS = Number(values.runs);
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'crm-bench-stop-'));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Running {
  child: ChildProcess;
  out: string;
  log: string;
  exited: Promise<number | null>;
}

function start(dataDir: string, env: Record<string, string> = {}): Running {
  const child = spawn(process.execPath, [BIN, 'start', '--port', '0'], {
    env: { ...process.env, CRM_DATA_DIR: dataDir, DATABASE_URL: '', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const r: Running = { child, out: '', log: '', exited: new Promise((resolve) => child.on('exit', (code) => resolve(code))) };
  child.stdout!.on('data', (d) => (r.out += d));
  child.stderr!.on('data', (d) => (r.log += d));
  return r;
}

async function until(r: Running, what: () => string, re: RegExp, limitMs = 600_000): Promise<void> {
  const t0 = performance.now();
  while (!re.test(what())) {
    if (r.child.exitCode !== null) throw new Error(`crm start exited ${r.child.exitCode} before ${re}:\n${r.out}\n${r.log.slice(-3000)}`);
    if (performance.now() - t0 > limitMs) throw new Error(`no ${re} within ${limitMs} ms`);
    await sleep(100);
  }
}

/** Stop `pid` (100 - pct) % of every 100 ms until stopped; returns the function that ends it. */
function throttle(pid: number, pct: number): () => void {
  if (!(pct > 0 && pct < 100)) return () => {};
  let on = true;
  const signal = (s: NodeJS.Signals) => {
    try {
      process.kill(pid, s);
    } catch {
      on = false;
    }
  };
  void (async () => {
    while (on) {
      signal('SIGCONT');
      await sleep(pct);
      if (!on) break;
      signal('SIGSTOP');
      await sleep(100 - pct);
    }
    signal('SIGCONT');
  })();
  return () => {
    on = false;
    signal('SIGCONT');
  };
}

/** N requests in flight (contact pages as the demo admin) until stopped. */
function clients(url: string, n: number): () => void {
  let on = n > 0;
  for (let i = 0; i < n; i++) {
    void (async () => {
      while (on) {
        try {
          const res = await fetch(`${url}/api/v1/contacts?limit=5`, { headers: { authorization: 'Bearer crm_demo_admin' } });
          await res.arrayBuffer();
        } catch {
          await sleep(50);
        }
      }
    })();
  }
  return () => (on = false);
}

/** Undispatched `contact.created` events (the import's; the rescoring agent adds others meanwhile). */
const pendingEvents = async (psql: string) => {
  const c = new pg.Client({ connectionString: psql });
  await c.connect();
  try {
    return Number((await c.query("SELECT count(*)::int AS n FROM outbox_events WHERE dispatched_at IS NULL AND type = 'contact.created'")).rows[0].n);
  } finally {
    await c.end();
  }
};

interface Result {
  scenario: string;
  run: number;
  exitMs: number;
  code: number | null;
  load1: number;
  late: string[];
  note?: string;
}

/** Start on `dataDir`, wait for the banner and `afterMs`, SIGTERM, time the exit. */
async function stopRun(scenario: string, run: number, dataDir: string, env: Record<string, string> = {}, hook?: (r: Running, psql: string) => Promise<string | undefined>): Promise<Result> {
  const r = start(dataDir, env);
  await until(r, () => r.out, /Press Ctrl\+C/);
  const url = /HTTP gateway\s+(\S+)/.exec(r.out)![1];
  const psql = /psql "([^"]+)"/.exec(r.out)![1];
  const endThrottle = throttle(r.child.pid!, THROTTLE);
  const endClients = clients(url, CLIENTS);
  let note: string | undefined;
  try {
    await sleep(AFTER_MS);
    note = await hook?.(r, psql);
  } catch (err) {
    note = `hook failed: ${(err as Error).message}`;
  }
  const load1 = os.loadavg()[0];
  const t0 = performance.now();
  r.child.kill('SIGTERM');
  const code = await r.exited;
  const exitMs = performance.now() - t0;
  endThrottle();
  endClients();
  const late = [...r.log.matchAll(/"service":"([^"]+)","waitedMs"/g)].map((m) => m[1]);
  return { scenario, run, exitMs: Math.round(exitMs), code, load1: +load1.toFixed(2), late, ...(note ? { note } : {}) };
}

const copyDir = (from: string, to: string) => {
  fs.rmSync(to, { recursive: true, force: true });
  fs.cpSync(from, to, { recursive: true });
};

const scenarios = values.scenarios!.split(',');
const results: Result[] = [];
const report = (r: Result) => {
  results.push(r);
  console.log(JSON.stringify(r));
};

// a folder whose first start was stopped mid-load: what `loading` and the others resume
const template = path.join(work, 'template');
{
  const t0 = performance.now();
  const first = await stopRun('first-start', 0, template, {}, async (r) => {
    await until(r, () => r.log, /demo knowledge base: interactions/);
    return undefined;
  });
  console.error(`template folder ready (${Math.round((performance.now() - t0) / 1000)} s)`);
  if (scenarios.includes('first-start')) report(first);
}
for (let run = 1; run <= RUNS; run++) {
  const dir = path.join(work, 'run');
  if (scenarios.includes('first-start') && run > 1) {
    fs.rmSync(dir, { recursive: true, force: true });
    report(await stopRun('first-start', run, dir));
  }
  if (scenarios.includes('loading')) {
    copyDir(template, dir);
    report(await stopRun('loading', run, dir));
  }
  if (scenarios.includes('retrain')) {
    copyDir(template, dir);
    report(
      await stopRun('retrain', run, dir, { AGENT_RESCORING_HOURS: '0.01' }, async (r) => {
        await until(r, () => r.log, /"job":"agents\.rescoring"|rescoring agent/, 60_000).catch(() => {});
        return undefined;
      }),
    );
  }
  if (scenarios.includes('held')) {
    copyDir(template, dir);
    let busy: pg.Client | undefined;
    report(
      await stopRun('held', run, dir, {}, async (_r, psql) => {
        busy = new pg.Client({ connectionString: psql });
        busy.on('error', () => {});
        await busy.connect();
        await busy.query('BEGIN');
        await busy.query('SELECT count(*) FROM contacts');
        return 'a client held a transaction open';
      }),
    );
    await busy?.end().catch(() => {});
  }
  if (scenarios.includes('outbox')) {
    copyDir(template, dir);
    const csv = path.join(work, 'contacts.csv');
    const rows = Number(values.rows);
    fs.writeFileSync(csv, 'First Name,Last Name,Email,Company Name\n' + Array.from({ length: rows }, (_, i) => `Ann${i},Lee${i},ann.lee.${run}.${i}@stop-bench.example,Bench ${i % 97}`).join('\n') + '\n');
    const imp = spawnSync(process.execPath, [BIN, 'import', 'contacts', csv, '--json', '--user', 'marcus.reid@brightwave.example'], {
      env: { ...process.env, CRM_DATA_DIR: dir, DATABASE_URL: '', LOG_LEVEL: 'warn' },
      encoding: 'utf8',
      maxBuffer: 256 * 1024 * 1024,
    });
    if (imp.status !== 0) throw new Error(`import failed: ${imp.stderr.slice(0, 2000)}`);
    let before = 0;
    const result = await stopRun('outbox', run, dir, {}, async (_r, psql) => {
      before = await pendingEvents(psql);
      return undefined;
    });
    // the next start: the events left are still there, and its dispatcher takes them on
    const next = start(dir);
    await until(next, () => next.out, /Press Ctrl\+C/);
    const psql = /psql "([^"]+)"/.exec(next.out)![1];
    const atRestart = await pendingEvents(psql);
    // then until the import's events are all dispatched (or 5 minutes): the drain rate of `crm start` itself
    const t0 = performance.now();
    await sleep(5000);
    const fiveSecondsLater = await pendingEvents(psql);
    let left = fiveSecondsLater;
    while (left > 0 && performance.now() - t0 < 300_000) {
      await sleep(1000);
      left = await pendingEvents(psql);
    }
    const drainS = (performance.now() - t0) / 1000;
    next.child.kill('SIGTERM');
    await next.exited;
    const drained = left === 0 ? `all dispatched ${drainS.toFixed(1)} s after the banner (${Math.round(atRestart / drainS)} contact.created/s)` : `${left} still pending after ${drainS.toFixed(0)} s`;
    report({ ...result, note: `${rows} imported; undispatched contact.created events at SIGTERM ${before}, at the next start ${atRestart}, 5 s into it ${fiveSecondsLater}; ${drained}` });
  }
}

const by = new Map<string, number[]>();
for (const r of results) by.set(r.scenario, [...(by.get(r.scenario) ?? []), r.exitMs]);
console.log(`\nSIGTERM → exit (ms), throttle ${THROTTLE || 'none'}, ${CLIENTS} HTTP clients, SIGTERM ${AFTER_MS / 1000} s after the banner · ${os.cpus().length} cores · node ${process.version}`);
for (const [s, ms] of by) console.log(`  ${s.padEnd(12)} ${ms.join(', ')}   (max ${Math.max(...ms)}; exit codes ${[...new Set(results.filter((r) => r.scenario === s).map((r) => r.code))].join(',')})`);
console.log(`load average at the SIGTERMs: ${results.map((r) => r.load1).join(', ')}`);
fs.rmSync(work, { recursive: true, force: true });
