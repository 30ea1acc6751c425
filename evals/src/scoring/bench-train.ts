// Training benchmark: npx tsx evals/src/scoring/bench-train.ts [--rows 100000] [--full | --train-csv]
// Generates a 40-column mixed-type CRM export, reads it like a user upload, trains GBT and LR on
// 80% and reports seconds, peak RSS and held-out AUC against the oracle (true-probability) AUC.
// --save-model FILE writes the model trainCsv trained (for bench-score-model.ts).
// --full also times trainCsv (evaluateCsv's 5-fold CV of both models + calibration + final fit)
// on the whole file; --train-csv runs only that phase, so its peak RSS is not mixed with the first.
import {
  allRows,
  Encoder,
  GradientBoostedTrees,
  inferColumn,
  LogisticRegression,
  readCsv,
  parseTargetColumn,
  rocAuc,
  stratifiedHoldout,
  trainCsv,
  type ColumnSpec,
  type ColumnValues,
} from '../../../core/src/scoring/ml/index.ts';
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import { syntheticLeads } from './synthetic-leads.ts';

const args = process.argv.slice(2);
const rows = Number(args[args.indexOf('--rows') + 1] || 0) || 100_000;
const trainCsvOnly = args.includes('--train-csv');
const full = args.includes('--full') || trainCsvOnly;
// The machine may be shared: report wall-clock and this process's CPU seconds side by side.
const cpuNow = (): number => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};
let cpuMark = cpuNow();
const seconds = (t0: number): number => Math.round((performance.now() - t0) / 10) / 100;
const cpuSeconds = (): number => {
  const now = cpuNow();
  const spent = Math.round((now - cpuMark) * 100) / 100;
  cpuMark = now;
  return spent;
};
const peakRssMb = (): number => Math.round(process.resourceUsage().maxRSS / 1024);
const round = (x: number): number => Math.round(x * 10_000) / 10_000;

/** Read the export like an upload, then train each model on 80% and test on 20%. Scoped so its data is garbage before --full. */
async function benchModels(): Promise<Record<string, unknown>> {
  const t0 = performance.now();
  const data = syntheticLeads(Math.round(rows / 0.8), 2024);
  const generateSeconds = seconds(t0);
  cpuSeconds();

  const t1 = performance.now();
  const table = await readCsv({ text: data.text });
  const target = parseTargetColumn(table.columns[table.header.indexOf('Converted')]);
  const specs: ColumnSpec[] = [];
  const columns: Record<string, ColumnValues> = {};
  table.header.forEach((name, c) => {
    if (name === 'Converted') return;
    const col = inferColumn(name, table.columns[c]);
    if (col.drop) return;
    specs.push({ name, kind: col.schema.type === 'categorical' ? 'categorical' : col.schema.type === 'boolean' ? 'boolean' : 'numeric' });
    columns[name] = col.values;
  });
  const encoder = Encoder.fitColumns(specs, columns, table.rowCount);
  const matrix = encoder.transformColumns(columns, table.rowCount);
  const readSeconds = seconds(t1);
  const readCpu = cpuSeconds();

  const { y } = target;
  const split = stratifiedHoldout(y, 0.2, 7, allRows(y.length));
  const yTest = Array.from(split.test, (i) => y[i]);
  const oracleAuc = rocAuc(yTest, Array.from(split.test, (i) => data.logit[i]));
  cpuSeconds();

  const t2 = performance.now();
  const gbt = new GradientBoostedTrees().fit(matrix, y, split.train);
  const gbtSeconds = seconds(t2);
  const gbtCpu = cpuSeconds();
  const gbtAuc = rocAuc(yTest, gbt.predictRawMatrix(matrix, split.test));

  const t3 = performance.now();
  const lr = new LogisticRegression().fit(matrix, y, split.train);
  const lrSeconds = seconds(t3);
  const lrCpu = cpuSeconds();
  const lrAuc = rocAuc(yTest, lr.predictRawMatrix(matrix, split.test));

  return {
    rows: table.rowCount,
    trainRows: split.train.length,
    testRows: split.test.length,
    csvMb: Math.round(data.text.length / 1e5) / 10,
    featureColumns: specs.length,
    encodedFeatures: matrix.cols,
    positiveRate: round(y.reduce((a, b) => a + b, 0) / y.length),
    generateSeconds,
    readInferEncode: { seconds: readSeconds, cpuSeconds: readCpu },
    gbt: { trainSeconds: gbtSeconds, trainCpuSeconds: gbtCpu, iterations: gbt.iterations, auc: round(gbtAuc) },
    logisticRegression: { trainSeconds: lrSeconds, trainCpuSeconds: lrCpu, lambda: lr.regularisation, auc: round(lrAuc) },
    oracleAuc: round(oracleAuc),
    peakRssMb: peakRssMb(),
  };
}

const result: Record<string, unknown> = trainCsvOnly ? { rows: Math.round(rows / 0.8) } : await benchModels();

if (full) {
  // trainCsv = evaluateCsv (5-fold CV of both models) + Platt calibration + the final fit.
  const { text, logit, y } = syntheticLeads(Math.round(rows / 0.8), 2024);
  cpuSeconds();
  const loadBefore = os.loadavg().map((x) => Math.round(x * 10) / 10);
  const t4 = performance.now();
  // CPU seconds (process.cpuUsage counts every thread, so the fold workers too) and wall seconds of each phase.
  const phases: Record<string, { cpuSeconds: number; seconds: number }> = {};
  let phaseWall = t4;
  let phaseCpu = cpuNow();
  const onPhase = (phase: string): void => {
    const wall = performance.now();
    const cpu = cpuNow();
    phases[phase] = { cpuSeconds: Math.round((cpu - phaseCpu) * 100) / 100, seconds: Math.round((wall - phaseWall) / 10) / 100 };
    phaseWall = wall;
    phaseCpu = cpu;
  };
  const { trained, report, scoreRow } = await trainCsv({ csv: { text }, target: 'Converted', onPhase });
  const save = args.indexOf('--save-model');
  if (save >= 0) writeFileSync(args[save + 1], JSON.stringify(trained));
  result.trainCsv = {
    seconds: seconds(t4),
    cpuSeconds: cpuSeconds(),
    /** 1/5/15-minute load averages (as `uptime`) before and after: the machine may be shared. */
    loadAverage: { before: loadBefore, after: os.loadavg().map((x) => Math.round(x * 10) / 10) },
    phases,
    model: report.model,
    cvAuc: round(report.auc),
    cvAucStd: round(report.aucStd),
    /** AUC of the true log-odds on every row: the ceiling any model can reach on this data. */
    oracleAuc: round(rocAuc(y, logit)),
    candidates: report.candidates.map((c) => ({ model: c.model, auc: round(c.auc), aucStd: round(c.aucStd) })),
    selection: { method: report.selection.method, outerPicks: report.selection.outerPicks.join(', '), reason: report.selection.reason },
    logLoss: round(report.logLoss),
    topFactors: report.topFactors.slice(0, 5).map((f) => `${f.name} ${round(f.importance)}`),
    leakageWarnings: report.leakageWarnings.length,
    modelJsonKb: Math.round(JSON.stringify(trained).length / 1024),
    peakRssMb: peakRssMb(),
    singleScoreMs: singleScoreLatency(text, scoreRow),
  };
}

/** p50/p99 of scoring one raw CSV record (parse, encode, model, calibration, factors) with the trained model. */
function singleScoreLatency(text: string, score: (record: Record<string, string>) => unknown): { p50: number; p99: number; samples: number } {
  const lines = text.split('\n');
  // Quoted cells (the notes column holds a comma) are unquoted; the export has no line breaks inside cells.
  const split = (line: string): string[] => [...line.matchAll(/(?:^|,)("(?:[^"]|"")*"|[^,]*)/g)].map((m) => (m[1].startsWith('"') ? m[1].slice(1, -1).replace(/""/g, '"') : m[1]));
  const header = split(lines[0]);
  const times: number[] = [];
  // 500 records warm the JIT up first.
  for (let k = 1; k <= 500 && k < lines.length; k++) score(Object.fromEntries(header.map((h, j) => [h, split(lines[k])[j] ?? ''])));
  for (let k = 1; k <= 2000 && k < lines.length; k++) {
    const cells = split(lines[((k * 7) % (lines.length - 1)) + 1]);
    const record = Object.fromEntries(header.map((h, j) => [h, cells[j] ?? '']));
    const t = performance.now();
    score(record);
    times.push(performance.now() - t);
  }
  times.sort((a, b) => a - b);
  const at = (q: number) => Math.round(times[Math.min(times.length - 1, Math.floor(q * times.length))] * 1000) / 1000;
  return { p50: at(0.5), p99: at(0.99), samples: times.length };
}

console.log(JSON.stringify(result, null, 2));
