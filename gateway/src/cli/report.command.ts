import fs from 'node:fs';
import path from 'node:path';
import { AppError, REPORT_TYPES, defaultRange, reportAttachments, reportCsv, reportHtml, type AnalyticsReport } from '@crm/core';
import { bootCore } from '../runtime/boot.ts';
import { ACTOR_OPTIONS, resolveCliActor } from './actor.ts';
import type { Command } from './command.types.ts';
import { runScheduleCommand, SCHEDULE_USAGE } from './report-schedule.command.ts';
import { runSavedCommand, SAVED_USAGE } from './saved-reports.command.ts';

const USAGE = `crm report run TYPE [--out report.html|.csv|.json] [--png DIR] [--days N] [--source S|--campaign C] [--user EMAIL]\n       ${SCHEDULE_USAGE}\n       ${SAVED_USAGE}`;

function invalid(message: string, field: string, reason: string): AppError {
  return new AppError('VALIDATION_FAILED', message, { details: [{ path: field, reason }] });
}

function write(report: AnalyticsReport, out: string | undefined): void {
  const ext = out ? path.extname(out).toLowerCase() : '.html';
  const body = ext === '.csv' ? reportCsv(report) : ext === '.json' ? JSON.stringify({ ...report, visualizations: report.visualizations.map((c) => ({ ...c, svg: undefined })) }, null, 2) : reportHtml(report);
  if (out) fs.writeFileSync(out, body);
  else process.stdout.write(body);
}

export const reportCommand: Command = {
  summary: `Generate an analytics report (${REPORT_TYPES.join(', ')}) as HTML with charts, CSV or JSON`,
  usage: USAGE,
  options: {
    ...ACTOR_OPTIONS,
    out: { type: 'string' },
    png: { type: 'string' },
    days: { type: 'string' },
    source: { type: 'string' },
    campaign: { type: 'string' },
    name: { type: 'string' },
    cron: { type: 'string' },
    tz: { type: 'string' },
    to: { type: 'string' },
    format: { type: 'string' },
    kind: { type: 'string' },
    limit: { type: 'string' },
    json: { type: 'boolean' },
  },
  async run({ positionals, values, logger }) {
    if (positionals[0] === 'schedule' || positionals[0] === 'saved') {
      const booted = await bootCore(logger);
      try {
        const actor = await resolveCliActor(booted.core, values);
        if (positionals[0] === 'saved') return await runSavedCommand(booted.core, actor, positionals.slice(1), values);
        return await runScheduleCommand(booted, actor, positionals.slice(1), values);
      } finally {
        await booted.close();
      }
    }
    if (positionals[0] !== 'run') throw invalid('Say what to do: "npx crm report run TYPE --out report.html" or "npx crm report schedule list"', 'subcommand', `must be run, schedule or saved, got ${positionals[0] ?? 'nothing'}`);
    const type = (positionals[1] ?? '').toUpperCase().replace(/-/g, '_');
    if (!REPORT_TYPES.includes(type as never)) throw invalid(`TYPE must be one of ${REPORT_TYPES.join(', ')}`, 'type', `got "${positionals[1] ?? ''}"`);
    const days = values.days === undefined ? 30 : Number(values.days);
    if (!Number.isInteger(days) || days < 1 || days > 1098) throw invalid('--days must be a whole number from 1 to 1098', 'days', 'out of range');
    const out = values.out as string | undefined;
    if (out && !['.html', '.htm', '.csv', '.json'].includes(path.extname(out).toLowerCase())) throw invalid('--out must end in .html, .csv or .json', 'out', 'unknown format');
    const filters = values.source ? [{ field: 'source' as const, value: String(values.source) }] : values.campaign ? [{ field: 'campaign' as const, value: String(values.campaign) }] : [];
    const booted = await bootCore(logger);
    try {
      const actor = await resolveCliActor(booted.core, values);
      // the last --days calendar days of the tenant's time zone (from its midnight) up to now
      const dateRange = defaultRange(new Date(), days, await booted.core.analytics.timeZone(actor));
      const report = await booted.core.reports.run(actor, { type: type as never, dateRange, filters });
      write(report, out);
      if (typeof values.png === 'string') {
        fs.mkdirSync(values.png, { recursive: true });
        for (const a of reportAttachments(report).filter((x) => x.contentType === 'image/png')) fs.writeFileSync(path.join(values.png, a.filename), a.content);
      }
      if (out) process.stderr.write(`${report.name}: ${report.metrics.length} metrics, ${report.insights.length} insights, ${report.visualizations.length} charts → ${out}\n`);
      return 0;
    } finally {
      await booted.close();
    }
  },
};
