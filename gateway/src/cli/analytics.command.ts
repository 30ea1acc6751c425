import { AppError, type ExportReport } from '@crm/core';
import { bootCore } from '../runtime/boot.ts';
import type { Command } from './command.types.ts';

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

function printReport(report: ExportReport, full: boolean): void {
  process.stdout.write(`BigQuery ${report.target}: ${full ? 'full export' : 'rows changed since the last export'} up to ${report.cutoff}\n`);
  for (const t of report.tenants) {
    process.stdout.write(`  ${t.slug}: ${plural(t.contacts, 'contact')}, ${plural(t.interactions, 'interaction')}${t.error ? ` — stopped: ${t.error}` : ''}\n`);
  }
  process.stdout.write(
    `Exported ${plural(report.contacts, 'contact')} and ${plural(report.interactions, 'interaction')} for ${plural(report.tenants.length, 'tenant')}` +
      `${report.failed ? `; ${report.failed} failed (the next run resumes from where each stopped)` : ''}.\n`,
  );
}

/** Analytics facts to BigQuery on demand (the same export runs every BIGQUERY_EXPORT_MINUTES inside crm start / crm worker). */
export const analyticsCommand: Command = {
  summary: 'Analytics warehouse: export contacts and interactions to BigQuery now (incremental per tenant)',
  usage: 'crm analytics export-bigquery [--tenant SLUG] [--full] [--lag-seconds N] [--json]',
  help: [
    'Streams the contacts and interactions changed since the last export of each tenant to the',
    'BigQuery dataset BIGQUERY_DATASET (tables crm_contacts and crm_interactions, created on first',
    'use). Each row is one version of a record (id, updated_at); take the latest per id in queries.',
    'Rows changed in the last --lag-seconds (default 60) wait for the next run, so a transaction',
    'that commits up to that long after its write is not skipped. --full re-sends every row (BigQuery de-duplicates re-sent',
    'rows by insertId only for a few minutes: expect older versions to be appended again).',
    '',
    'Examples:',
    '  BIGQUERY_PROJECT=acme-crm-prod BIGQUERY_DATASET=crm_analytics npx crm analytics export-bigquery',
    '  npx crm analytics export-bigquery --tenant brightwave --full',
  ].join('\n'),
  options: { tenant: { type: 'string' }, full: { type: 'boolean' }, 'lag-seconds': { type: 'string' }, json: { type: 'boolean' } },
  async run({ values, positionals, logger }) {
    const [action] = positionals;
    if (action !== 'export-bigquery') throw AppError.validation([{ path: 'action', reason: 'must be "export-bigquery"' }]);
    const lagText = values['lag-seconds'];
    const lagSeconds = lagText === undefined ? 60 : Number(lagText);
    if (!Number.isInteger(lagSeconds) || lagSeconds < 0 || lagSeconds > 86_400) throw AppError.validation([{ path: 'lag-seconds', reason: 'must be a whole number of seconds from 0 to 86400' }]);
    const booted = await bootCore(logger);
    try {
      const exporter = booted.runtime.bigQueryExport({ lagSeconds });
      if (!exporter) {
        throw AppError.validation(
          [{ path: 'BIGQUERY_DATASET', reason: 'is not set: set BIGQUERY_DATASET (and BIGQUERY_PROJECT or GOOGLE_CLOUD_PROJECT) to export to BigQuery' }],
          'The BigQuery export is not configured: set BIGQUERY_DATASET (and BIGQUERY_PROJECT or GOOGLE_CLOUD_PROJECT)',
        );
      }
      let tenantIds: string[] | undefined;
      if (typeof values.tenant === 'string') {
        const id = await booted.core.directory.tenantIdBySlug(values.tenant);
        if (!id) throw AppError.validation([{ path: 'tenant', reason: `no tenant with the slug "${values.tenant}"` }]);
        tenantIds = [id];
      }
      const tty = process.stderr.isTTY;
      let report: ExportReport;
      try {
        report = await exporter.run({
          tenantIds,
          full: values.full === true,
          onProgress: tty ? (p) => process.stderr.write(`\r${p.tenant} ${p.source}: ${p.rows} rows   `) : undefined,
        });
      } catch (err) {
        // the dataset or tables could not be prepared: nothing was sent
        if (tty) process.stderr.write('\n');
        process.stderr.write(`${(err as Error).message}\n`);
        return 69;
      }
      if (tty) process.stderr.write('\r\x1b[K');
      if (values.json) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
      else printReport(report, values.full === true);
      // EX_UNAVAILABLE: BigQuery did not take every tenant's rows; rerunning resumes
      return report.failed ? 69 : 0;
    } finally {
      await booted.close();
    }
  },
};
