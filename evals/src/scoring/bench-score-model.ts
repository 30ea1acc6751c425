// Single-score latency of a saved model in a process that holds nothing else:
//   npx tsx evals/src/scoring/bench-train.ts --train-csv --rows 80000 --save-model /tmp/model.json
//   node --expose-gc --import tsx evals/src/scoring/bench-score-model.ts /tmp/model.json
// Scores raw CSV records of the same synthetic export (parse, encode, model, calibration, factors).
import { readFileSync } from 'node:fs';
import { createScorer, parseTrainedModel } from '../../../core/src/scoring/ml/index.ts';
import { syntheticLeads } from './synthetic-leads.ts';

const file = process.argv[2];
if (!file) throw new Error('usage: bench-score-model.ts MODEL.json');
const scorer = createScorer(parseTrainedModel(JSON.parse(readFileSync(file, 'utf8'))));
const { text } = syntheticLeads(6000, 7);
const split = (line: string): string[] =>
  [...line.matchAll(/(?:^|,)("(?:[^"]|"")*"|[^,]*)/g)].map((m) => (m[1].startsWith('"') ? m[1].slice(1, -1).replace(/""/g, '"') : m[1]));
const lines = text.trim().split('\n');
const header = split(lines[0]);
const records = lines.slice(1).map((line) => {
  const cells = split(line);
  return Object.fromEntries(header.map((h, j) => [h, cells[j] ?? '']));
});
for (let k = 0; k < 1000; k++) scorer.scoreRow(records[k]); // JIT warm-up
(globalThis as { gc?: () => void }).gc?.();
// Wall time per call, and this thread's CPU time per call: on a loaded machine a call that is
// descheduled mid-way shows the scheduler's time slice in wall time, not in CPU time.
const wall: number[] = [];
const cpu: number[] = [];
for (let k = 1000; k < records.length; k++) {
  const c = process.cpuUsage();
  const t = performance.now();
  scorer.scoreRow(records[k]);
  wall.push(performance.now() - t);
  const u = process.cpuUsage(c);
  cpu.push((u.user + u.system) / 1000);
}
const quantiles = (xs: number[]) => {
  xs.sort((a, b) => a - b);
  const at = (q: number) => Math.round(xs[Math.min(xs.length - 1, Math.floor(q * xs.length))] * 1000) / 1000;
  return { p50: at(0.5), p95: at(0.95), p99: at(0.99), max: at(1) };
};
const trees = (scorer.trained.model as { trees?: unknown[]; gbt?: { model: { trees: unknown[] } } });
console.log(
  JSON.stringify({
    model: scorer.trained.modelKind,
    trees: trees.trees?.length ?? trees.gbt?.model.trees.length ?? 0,
    samples: wall.length,
    wallMs: quantiles(wall),
    cpuMs: quantiles(cpu),
  }),
);
