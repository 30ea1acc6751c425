import fs from 'node:fs';
import { AppError, parseDateOrder, evaluateCsv, isDatasetError, trainCsv, type EvaluationReport } from '@crm/core';
import { bootCore } from '../runtime/boot.ts';
import { ACTOR_OPTIONS, resolveCliActor } from './actor.ts';
import type { Command, CommandContext } from './command.types.ts';
import { progressBar } from './progress.ts';

const VERBS = ['evaluate', 'train', 'retrain', 'rescore', 'info'] as const;

/** A progress bar sized by the first report (training knows its step count only once it starts). */
function trainingProgress(label: string) {
  let bar: ReturnType<typeof progressBar> | undefined;
  return {
    onProgress: (done: number, total: number) => {
      bar ??= progressBar(label, total);
      bar.update(done);
    },
    stop: () => bar?.stop(),
  };
}

function csvOptions(values: CommandContext['values']) {
  const str = (k: string) => (typeof values[k] === 'string' ? (values[k] as string) : undefined);
  const csv = str('csv');
  const target = str('target');
  if (!csv) throw AppError.validation([{ path: 'csv', reason: 'required: --csv FILE' }], 'Missing --csv FILE');
  if (!target) throw AppError.validation([{ path: 'target', reason: 'required: --target COLUMN (the outcome, e.g. Converted)' }], 'Missing --target COLUMN');
  // Not given: 5 outer folds, 3 from LARGE_EVALUATION_ROWS rows on (decided by the library).
  const folds = str('folds') === undefined ? undefined : Number(str('folds'));
  if (folds !== undefined && (!Number.isInteger(folds) || folds < 2 || folds > 20)) throw AppError.validation([{ path: 'folds', reason: `must be a whole number from 2 to 20, got ${str('folds')}` }]);
  // a missing file is a missing file (exit 66), as for import
  fs.statSync(csv);
  return {
    csv: { path: csv },
    target,
    // a stage column as the target: which values are the outcome (and, optionally, which are not)
    positive: str('positive')?.split(',').map((s) => s.trim()).filter(Boolean),
    negative: str('negative')?.split(',').map((s) => s.trim()).filter(Boolean),
    id: str('id'),
    timeColumn: str('time'),
    foldColumn: str('fold-column'),
    exclude: str('exclude')?.split(',').map((s) => s.trim()).filter(Boolean),
    keep: str('keep')?.split(',').map((s) => s.trim()).filter(Boolean),
    dateFormat: str('date-format') === undefined ? undefined : parseDateOrder(str('date-format')!, 'date-format'),
    locale: str('locale'),
    folds,
    seed: str('seed') === undefined ? 42 : Number(str('seed')),
  };
}

/** The ml library's DatasetError becomes the one-line VALIDATION_FAILED every command prints. */
async function dataset<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (!isDatasetError(err)) throw err;
    const reason = err.reason.replace(/\s+/g, ' ');
    throw new AppError('VALIDATION_FAILED', `Cannot use this CSV (${err.field}: ${reason})`, {
      details: [{ path: err.field, reason, ...(err.row ? { row: err.row } : {}) }],
      cause: err,
    });
  }
}

function summary(r: EvaluationReport) {
  return {
    auc: r.auc,
    aucStd: r.aucStd,
    logLoss: r.logLoss,
    accuracy: r.accuracy,
    rows: r.rows,
    positives: r.positives,
    model: r.model,
    topFactors: r.topFactors,
    leakageWarnings: r.leakageWarnings,
    withoutSuspects: r.withoutSuspects,
    candidates: r.candidates.map((c) => ({ model: c.model, auc: c.auc, aucStd: c.aucStd })),
    selection: r.selection,
    validation: r.validation,
    notes: r.notes,
  };
}

function printReport(r: EvaluationReport): void {
  const out = process.stdout;
  const f = (x: number) => (Number.isFinite(x) ? x.toFixed(3) : 'n/a');
  out.write(`${r.validation.folds}-fold ${r.validation.method.replace(/_/g, ' ')} on ${r.rows} rows (${r.positives} positive):\n`);
  for (const c of r.candidates) out.write(`  ${c.model.padEnd(24)} AUC ${f(c.auc)} ± ${f(c.aucStd)}${c.model === r.model ? '   ← chosen' : ''}\n`);
  // Large data (outer_cv): each outer fold selected on one hold-out, and the final choice reads the outer folds.
  const inner = r.selection.method === 'outer_cv' ? 'inner hold-out' : 'inner CV';
  out.write(`  ${'selection (nested CV)'.padEnd(24)} AUC ${f(r.auc)} ± ${f(r.aucStd)}   ${inner} picked ${r.selection.outerPicks.join(', ')} per fold\n`);
  out.write(`  chosen: ${r.model}, because ${r.selection.reason}\n`);
  out.write(`  log loss ${f(r.logLoss)}, accuracy ${f(r.accuracy)}\n`);
  out.write(`  top factors: ${r.topFactors.slice(0, 8).map((t) => `${t.name} ${(t.importance * 100).toFixed(1)}%`).join(', ')}\n`);
  if (r.leakageWarnings.length) {
    out.write('  LEAKAGE WARNINGS (columns that look recorded after the outcome):\n');
    for (const w of r.leakageWarnings) {
      out.write(`    - [${w.kind}]${w.kept ? ' (kept)' : ''} ${w.reason}\n      fix: ${w.fix}\n`);
    }
  }
  const w = r.withoutSuspects;
  if (w) {
    const pad = (s: string) => s.padEnd(34);
    out.write(`  ${pad('')}${pad('all columns')}without ${w.excluded.map((c) => `"${c}"`).join(', ')}\n`);
    out.write(`  ${pad('AUC')}${pad(`${f(r.auc)} ± ${f(r.aucStd)}`)}${f(w.auc)} ± ${f(w.aucStd)}\n`);
    out.write(`  ${pad('model')}${pad(r.model)}${w.model}\n`);
    out.write(`  ${pad('log loss')}${pad(f(r.logLoss))}${f(w.logLoss)}\n`);
    out.write(`  ${pad('top factors')}${pad(r.topFactors.slice(0, 2).map((t) => t.name).join(', '))}${w.topFactors.slice(0, 2).map((t) => t.name).join(', ')}\n`);
    out.write('  Expect the right-hand AUC on new leads if those columns are filled in after the outcome.\n');
  }
  for (const n of r.notes) out.write(`  note: ${n}\n`);
}

async function evaluate(values: CommandContext['values']): Promise<number> {
  const options = csvOptions(values);
  const progress = trainingProgress('evaluate');
  try {
    const report = await dataset(() => evaluateCsv({ ...options, onProgress: progress.onProgress }));
    progress.stop();
    if (values.json) process.stdout.write(`${JSON.stringify(summary(report))}\n`);
    else printReport(report);
    return 0;
  } finally {
    progress.stop();
  }
}

async function train(values: CommandContext['values']): Promise<number> {
  const options = csvOptions(values);
  const out = typeof values.out === 'string' ? values.out : undefined;
  const progress = trainingProgress('train');
  try {
    const { trained, report } = await dataset(() => trainCsv({ ...options, onProgress: progress.onProgress }));
    progress.stop();
    if (out) fs.writeFileSync(out, `${JSON.stringify(trained)}\n`);
    if (values.json) process.stdout.write(`${JSON.stringify({ ...summary(report), modelFile: out ?? null })}\n`);
    else {
      printReport(report);
      process.stdout.write(out ? `Model saved to ${out} (calibrated ${trained.modelKind}).\n` : 'Add --out FILE to save the trained model as JSON.\n');
    }
    return 0;
  } finally {
    progress.stop();
  }
}

/** A model kind as the tenant reads it: the blend says what it blends. */
const kindText = (kind: string) => (kind === 'blend' ? 'blend of logistic regression and gradient-boosted trees' : kind);

async function withTenant(ctx: CommandContext, verb: 'retrain' | 'rescore' | 'info'): Promise<number> {
  const booted = await bootCore(ctx.logger);
  try {
    const actor = await resolveCliActor(booted.core, ctx.values);
    const { scoring } = booted.core;
    const json = ctx.values.json === true;
    const print = (text: string, value: unknown) => process.stdout.write(json ? `${JSON.stringify(value)}\n` : text);
    if (verb === 'info') {
      const info = await scoring.modelInfo(actor);
      const a = info.active;
      print(
        a
          ? `Scoring with model v${a.version} (${kindText(a.modelKind)}), trained ${a.createdAt} on ${a.trainingSummary.labelled} outcomes: CV AUC ${a.metrics.cvAuc?.toFixed(3)}, held-out AUC ${a.metrics.holdoutAuc?.toFixed(3)}\n`
          : `Scoring with the cold-start rules (needs ${info.minPerClass} converted and ${info.minPerClass} lost outcomes to train).\n`,
        info,
      );
      return 0;
    }
    if (verb === 'rescore') {
      const progress = trainingProgress('rescore');
      const r = await scoring.rescoreTenant(actor, { onProgress: progress.onProgress }).finally(() => progress.stop());
      print(`Rescored ${r.scored} contacts with ${r.source}${r.modelVersion ? ` v${r.modelVersion}` : ''}: ${r.changed} changed by at least ${scoring.config.changeThreshold} points.\n`, r);
      return 0;
    }
    const progress = trainingProgress('retrain');
    const r = await scoring.retrain(actor, { onProgress: progress.onProgress });
    progress.stop();
    const m = r.model;
    print(
      `${r.status === 'activated' ? `Model v${m!.version} activated` : r.status === 'rejected' ? `Model v${m!.version} kept aside` : 'Not trained (cold start)'}: ${r.reason}.\n` +
        (m ? `  ${kindText(m.modelKind)}, CV AUC ${m.metrics.cvAuc?.toFixed(3)}, held-out AUC ${m.metrics.holdoutAuc?.toFixed(3)} on ${m.metrics.holdoutRows} newest outcomes\n` : '') +
        (m?.metrics.selection ? `  chosen by inner cross-validation: ${m.metrics.selection.reason}\n` : '') +
        (m?.trainingSummary.excludedCustomFields ?? []).map((x) => `  left out custom field "${x.key}" (looks recorded after the outcome; see --json)\n`).join('') +
        (r.rescored ? `  rescored ${r.rescored.scored} contacts, ${r.rescored.changed} changed\n` : ''),
      r,
    );
    return 0;
  } finally {
    await booted.close();
  }
}

export const scoringCommand: Command = {
  summary: 'Lead scoring: evaluate/train on a CSV export, retrain or rescore the tenant, show the model',
  usage: 'crm scoring evaluate|train --csv FILE --target COL [--positive VALUE[,VALUE]] [--negative VALUE[,VALUE]] [--id COL] [--exclude a,b] [--keep a,b] [--date-format dmy|mdy] [--locale en-GB] [--folds 5 (3 from 50,000 rows)] [--time COL] [--fold-column COL] [--out FILE] [--json] | retrain|rescore|info',
  options: {
    ...ACTOR_OPTIONS,
    csv: { type: 'string' },
    target: { type: 'string' },
    positive: { type: 'string' },
    negative: { type: 'string' },
    id: { type: 'string' },
    exclude: { type: 'string' },
    keep: { type: 'string' },
    'date-format': { type: 'string' },
    locale: { type: 'string' },
    folds: { type: 'string' },
    time: { type: 'string' },
    'fold-column': { type: 'string' },
    seed: { type: 'string' },
    out: { type: 'string' },
    json: { type: 'boolean' },
  },
  async run(ctx) {
    const verb = ctx.positionals[0];
    if (!VERBS.includes(verb as never)) {
      throw new AppError('VALIDATION_FAILED', `Say what to do: "npx crm scoring ${VERBS.join('|')}"`, {
        details: [{ path: 'verb', reason: `must be one of ${VERBS.join(', ')}, got ${verb ?? 'nothing'}` }],
      });
    }
    if (verb === 'evaluate') return evaluate(ctx.values);
    if (verb === 'train') return train(ctx.values);
    return withTenant(ctx, verb as 'retrain' | 'rescore' | 'info');
  },
};
