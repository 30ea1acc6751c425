/**
 * A/B of the contact import on the PostgreSQL server, robust to a shared, loaded machine: runs
 * `bench-foundation.ts --only postgres --import-only` for each variant in turn, N rounds (the order
 * rotates each round, so no variant always runs first or right after another), and compares the
 * CPU each import cost per 1,000 rows (this process + the server's backends, from /proc) by the
 * MINIMUM and the median over the rounds. CPU time moves far less with other work than rows/s
 * does, and the minimum of N is what a variant costs with the least interference.
 *
 *   npx tsx evals/src/foundation/ab-import.ts --rows 100000 --runs 3 \
 *     --variant 'old=--setup-sql evals/src/foundation/ab/undo-0370.sql' --variant 'new='
 *
 * A variant is `label=ARGS`: extra arguments for bench-foundation.ts (split on spaces), e.g.
 * `--setup-sql FILE` (SQL run as the owner right before the import: undo or try a schema change),
 * `--lanes 3`, `--batch 2000`.
 */
import { spawnSync } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    rows: { type: 'string', default: '100000' },
    runs: { type: 'string', default: '3' },
    variant: { type: 'string', multiple: true },
    server: { type: 'string' },
  },
});
const RUNS = Number(values.runs);
if (!Number.isInteger(RUNS) || RUNS < 1) throw new Error('--runs: must be a whole number ≥ 1');
const variants = (values.variant ?? []).map((v) => {
  const eq = v.indexOf('=');
  if (eq < 1) throw new Error(`--variant: "${v}" is not label=ARGS`);
  return { label: v.slice(0, eq), args: v.slice(eq + 1).split(' ').filter(Boolean) };
});
if (variants.length < 2) throw new Error('--variant: give at least two (label=ARGS)');

const bench = path.join(path.dirname(fileURLToPath(import.meta.url)), 'bench-foundation.ts');

interface Run {
  nodeMs: number;
  pgMs: number;
  totalMs: number;
  rowsPerSec: number;
  walKB?: number;
  load: number;
}
const runs = new Map<string, Run[]>(variants.map((v) => [v.label, []]));

for (let round = 0; round < RUNS; round++) {
  for (let k = 0; k < variants.length; k++) {
    const v = variants[(round + k) % variants.length];
    const load = os.loadavg()[0];
    const args = ['--import', 'tsx', bench, '--only', 'postgres', '--import-only', '--rows', values.rows, ...(values.server ? ['--server', values.server] : []), ...v.args];
    const out = spawnSync(process.execPath, args, { encoding: 'utf8', maxBuffer: 1 << 24 });
    const line = out.stdout.split('\n').find((l) => l.startsWith('{"target":"postgres"'));
    const r = line ? (JSON.parse(line) as Record<string, number | string>) : undefined;
    if (!r || r.error || r.importPgCpuMsPer1kRows === undefined) {
      throw new Error(`${v.label}: the benchmark gave no result\n${r?.error ?? ''}${out.stderr.slice(-2000)}`);
    }
    const run: Run = {
      nodeMs: Number(r.importNodeCpuMsPer1kRows),
      pgMs: Number(r.importPgCpuMsPer1kRows),
      totalMs: Number(r.importNodeCpuMsPer1kRows) + Number(r.importPgCpuMsPer1kRows),
      rowsPerSec: Number(r.importRowsPerSec),
      ...(r.importWalKBPerRow !== undefined ? { walKB: Number(r.importWalKBPerRow) } : {}),
      load: +load.toFixed(1),
    };
    runs.get(v.label)!.push(run);
    console.log(JSON.stringify({ round: round + 1, variant: v.label, ...run }));
  }
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const cell = (xs: number[]) => `${Math.min(...xs)} / ${median(xs)}`;
console.log(`\n${values.rows} rows into an empty tenant, ${RUNS} rounds alternating · ${new Date().toISOString()} · ${os.cpus().length} cores\n`);
console.log('| variant | CPU ms per 1k rows, all (min / median) | Node | PostgreSQL | rows/s (max / median) | WAL KB/row | load (1 min) |');
console.log('|---|---|---|---|---|---|---|');
for (const [label, rs] of runs) {
  const rps = rs.map((r) => r.rowsPerSec);
  const wal = rs.flatMap((r) => (r.walKB === undefined ? [] : [r.walKB]));
  const loads = rs.map((r) => r.load);
  console.log(
    `| ${label} | ${cell(rs.map((r) => r.totalMs))} | ${cell(rs.map((r) => r.nodeMs))} | ${cell(rs.map((r) => r.pgMs))} | ${Math.max(...rps)} / ${median(rps)} | ${wal.length ? median(wal) : '–'} | ${Math.min(...loads)}–${Math.max(...loads)} |`,
  );
}
