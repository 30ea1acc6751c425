import fs from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { AppError, describeIgnoredColumn, parseCsvEncoding, parseDateOrder, seedDemoTenant, type ImportReport } from '@crm/core';
import { bootCore } from '../runtime/boot.ts';
import { ACTOR_OPTIONS, resolveCliActor } from './actor.ts';
import type { Command } from './command.types.ts';
import { phasedProgress, progressBar } from './progress.ts';

const KINDS = ['contacts', 'interactions'] as const;

function kindArg(positionals: string[], verb: string): (typeof KINDS)[number] {
  const kind = positionals[0];
  if (!KINDS.includes(kind as never)) {
    throw new AppError('VALIDATION_FAILED', `Say what to ${verb}: "npx crm ${verb} contacts|interactions FILE"`, {
      details: [{ path: 'kind', reason: `must be contacts or interactions, got ${kind ?? 'nothing'}` }],
    });
  }
  return kind as (typeof KINDS)[number];
}

function fileArg(positionals: string[], verb: string): string {
  const file = positionals[1];
  if (!file) throw new AppError('VALIDATION_FAILED', `Missing FILE: "npx crm ${verb} ${positionals[0]} FILE"`, { details: [{ path: 'file', reason: 'required' }] });
  return file;
}

function printReport(report: ImportReport, json: boolean): void {
  if (json) {
    process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    return;
  }
  const out = process.stdout;
  out.write(`Imported ${report.kind} (${report.delimiter === '\t' ? 'tab' : report.delimiter}-delimited):\n`);
  out.write(`  rows ${report.rows}, created ${report.created}, updated ${report.updated}, unchanged ${report.unchanged}, skipped ${report.skipped}, failed ${report.failed}\n`);
  out.write(`  columns: ${report.mappedColumns.map((c) => `${c.header} → ${c.field}`).join(', ')}\n`);
  if (report.customColumns.length) out.write(`  kept as custom fields: ${report.customColumns.join(', ')}\n`);
  for (const c of report.ignoredColumns) out.write(`  ignored: ${describeIgnoredColumn(c)}\n`);
  if (report.errors.length) {
    out.write('  errors (row, field: reason):\n');
    for (const e of report.errors.slice(0, 50)) out.write(`    row ${e.row}, ${e.path}: ${e.reason}\n`);
    if (report.errors.length > 50 || report.errorsTruncated) out.write(`    … ${report.failed} failed rows in all; use --json for the full list\n`);
  }
  if (report.warnings.length) {
    out.write('  warnings (row, field: what was kept instead; the rows were imported):\n');
    for (const w of report.warnings.slice(0, 50)) out.write(`    row ${w.row}, ${w.path}: ${w.reason}\n`);
    if (report.warnings.length > 50 || report.warningsTruncated) out.write(`    … more warnings; use --json for the list\n`);
  }
}

export const importCommand: Command = {
  summary: 'Import contacts or interactions from a CSV (HubSpot, Salesforce, Zoho and Pipedrive exports work as they are)',
  usage: 'crm import contacts|interactions FILE [--date-format dmy|mdy] [--encoding utf-8|windows-1252] [--json] [--user EMAIL] [--tenant SLUG]',
  options: { ...ACTOR_OPTIONS, json: { type: 'boolean' }, 'date-format': { type: 'string' }, encoding: { type: 'string' } },
  async run({ positionals, values, logger }) {
    const kind = kindArg(positionals, 'import');
    const file = fileArg(positionals, 'import');
    const stat = fs.statSync(file);
    // a directory opens fine and fails on the first read, deep in the import: say so up front
    if (stat.isDirectory()) throw Object.assign(new Error(`EISDIR: ${file}`), { code: 'EISDIR', path: file });
    const size = stat.size;
    const dateFormat = typeof values['date-format'] === 'string' ? parseDateOrder(values['date-format'], 'date-format') : undefined;
    const encoding = typeof values.encoding === 'string' ? parseCsvEncoding(values.encoding, 'encoding') : undefined;
    const booted = await bootCore(logger);
    try {
      const actor = await resolveCliActor(booted.core, values);
      const stream = fs.createReadStream(file);
      const bar = progressBar(`import ${kind}`, size);
      // polled, not a 'data' listener: a listener switches the stream to flowing mode and the
      // importer's look-ahead (date order detection) would miss the first chunks
      const progress = setInterval(() => bar.update(stream.bytesRead), 250);
      progress.unref();
      try {
        const report =
          kind === 'contacts'
            ? await booted.core.imports.importContacts(actor, stream, { dateFormat, encoding })
            : await booted.core.imports.importInteractions(actor, stream, { dateFormat, encoding });
        bar.stop();
        printReport(report, values.json === true);
        return report.failed ? 1 : 0;
      } finally {
        clearInterval(progress);
        bar.stop();
      }
    } finally {
      await booted.close();
    }
  },
};

export const exportCommand: Command = {
  summary: 'Export contacts or interactions to a CSV file ("-" for stdout)',
  usage: 'crm export contacts|interactions FILE [--user EMAIL] [--tenant SLUG]',
  options: { ...ACTOR_OPTIONS },
  async run({ positionals, values, logger }) {
    const kind = kindArg(positionals, 'export');
    const file = fileArg(positionals, 'export');
    const booted = await bootCore(logger);
    try {
      const actor = await resolveCliActor(booted.core, values);
      const csv = kind === 'contacts' ? await booted.core.exports.exportContacts(actor) : await booted.core.exports.exportInteractions(actor);
      let rows = -1;
      csv.on('data', (chunk: Buffer) => {
        for (const b of chunk) if (b === 10) rows++;
      });
      try {
        await pipeline(csv, file === '-' ? process.stdout : fs.createWriteStream(file));
      } catch (err) {
        // `crm export contacts - | head`: the reader has what it wanted; stop like any Unix filter
        if (file === '-' && (err as NodeJS.ErrnoException).code === 'EPIPE') return 0;
        throw err;
      }
      if (file !== '-') process.stderr.write(`Exported ${Math.max(rows, 0)} ${kind} to ${file}\n`);
      return 0;
    } finally {
      await booted.close();
    }
  },
};

export const migrateCommand: Command = {
  summary: 'Apply pending database migrations',
  usage: 'crm migrate',
  async run({ logger }) {
    const booted = await bootCore(logger);
    const where = booted.config.database.url ? 'the PostgreSQL server' : `embedded PGlite in ${booted.config.database.dataDir}`;
    await booted.close();
    process.stdout.write(`Database is up to date (${where}).\n`);
    return 0;
  },
};

export const seedCommand: Command = {
  summary: 'Load the demo tenant (Brightwave Digital: users, ~2,000 contacts, ~20,000 interactions)',
  usage: 'crm seed --demo [--contacts N] [--seed N] [--no-knowledge]',
  options: { demo: { type: 'boolean' }, contacts: { type: 'string' }, seed: { type: 'string' }, 'no-knowledge': { type: 'boolean' } },
  async run({ values, logger }) {
    if (!values.demo) throw new AppError('VALIDATION_FAILED', 'Only the demo tenant can be seeded: "npx crm seed --demo"', { details: [{ path: 'demo', reason: 'required' }] });
    const contacts = values.contacts === undefined ? 2000 : Number(values.contacts);
    if (!Number.isInteger(contacts) || contacts < 1 || contacts > 200_000) {
      throw new AppError('VALIDATION_FAILED', '--contacts must be a whole number from 1 to 200000', { details: [{ path: 'contacts', reason: 'out of range' }] });
    }
    const booted = await bootCore(logger);
    try {
      const progress = phasedProgress();
      const result = await seedDemoTenant(booted.core, {
        contacts,
        seed: values.seed === undefined ? 42 : Number(values.seed),
        onProgress: (done, total) => progress.report('demo records', done, total),
        knowledge: !values['no-knowledge'] && { onProgress: (phase, done, total) => progress.report(`knowledge ${phase}`, done, total) },
      }).finally(() => progress.stop());
      printDemo(result);
      if (result.created) {
        // what `crm start` does at its first run (the rescoring agent's retrain_model, rescore
        // 'always'): train the tenant's first model and score every contact, so the seeded data is
        // usable at once by `crm chat`, `crm mcp` and REST without a start or a `crm scoring rescore`
        const scoring = phasedProgress();
        const started = Date.now();
        try {
          const system = await booted.core.users.systemActor(result.tenantId, { via: 'cli:seed' });
          const r = await booted.core.scoring
            .retrain(system, { rescore: 'always', onProgress: (done, total) => scoring.report('lead scoring', done, total) })
            .finally(() => scoring.stop());
          process.stdout.write(
            `  lead scoring: ${r.model ? `model v${r.model.version} (${r.status})` : r.status}; ${r.rescored ? `${r.rescored.scored} contacts scored` : 'no contact scored'} in ${Math.round((Date.now() - started) / 1000)} s\n`,
          );
        } catch (err) {
          // the seeded data stands; scoring is what `crm start` would do next anyway
          logger.warn({ err }, 'lead scoring after the seed failed');
          process.stdout.write(`  lead scoring skipped (${(err as Error).message}): run "npx crm scoring retrain" or start the CRM\n`);
        }
      }
      return 0;
    } finally {
      await booted.close();
    }
  },
};

export function printDemo(result: Awaited<ReturnType<typeof seedDemoTenant>>): void {
  const out = process.stdout;
  out.write(result.created ? `Demo tenant "${result.slug}" created.\n` : `Demo tenant "${result.slug}" already exists.\n`);
  if (result.summary) {
    out.write(`  ${result.summary.contacts} contacts, ${result.summary.interactions} interactions, ${result.summary.followUps.total} follow-ups\n`);
  }
  if (result.knowledge) {
    const d = result.knowledge.documents;
    out.write(`  knowledge base: ${d.created + d.updated + d.unchanged} documents, ${result.knowledge.interactions} interactions newly indexed\n`);
  }
  out.write('  Demo users (API keys for MCP clients and REST):\n');
  for (const u of result.users) out.write(`    ${u.role.padEnd(17)} ${u.email.padEnd(34)} ${u.apiKey}\n`);
}
