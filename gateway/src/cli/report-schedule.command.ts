import { AppError, type Actor, type StoredReportSchedule } from '@crm/core';
import type { Booted } from '../runtime/boot.ts';
import type { CommandContext } from './command.types.ts';

export const SCHEDULE_USAGE =
  'crm report schedule add TYPE --name NAME --cron "0 7 * * 1" --to a@x.io[,b@y.io] [--tz Europe/Berlin] [--days 7] [--format html|csv] [--source S|--campaign C]\n' +
  '       crm report schedule list [--json] | remove ID | run-now ID';

function invalid(message: string, field: string, reason: string): AppError {
  return new AppError('VALIDATION_FAILED', message, { details: [{ path: field, reason }] });
}

const line = (s: StoredReportSchedule) =>
  `${s.id}  ${s.name}  ${s.type}  "${s.schedule.cron}" ${s.schedule.timezone}  → ${s.recipients.join(', ')}  next ${s.nextRunAt.toISOString()}  last ${s.lastStatus ?? 'never'}${s.lastError ? ` (${s.lastError})` : ''}${s.enabled ? '' : '  [disabled]'}`;

/** `crm report schedule …`: stored report definitions emailed on a cron schedule. */
export async function runScheduleCommand(booted: Booted, actor: Actor, args: string[], values: CommandContext['values']): Promise<number> {
  const [sub, arg] = args;
  const schedules = booted.core.reportSchedules;
  const out = (text: string) => process.stdout.write(`${text}\n`);
  switch (sub) {
    case 'add': {
      if (!arg) throw invalid(`Say which report: ${SCHEDULE_USAGE}`, 'type', 'missing');
      const days = values.days === undefined ? undefined : Number(values.days);
      const s = await schedules.create(actor, {
        type: arg.toUpperCase().replace(/-/g, '_') as never,
        name: typeof values.name === 'string' ? values.name : '',
        schedule: { cron: typeof values.cron === 'string' ? values.cron : '', timezone: typeof values.tz === 'string' ? values.tz : 'UTC' },
        recipients: typeof values.to === 'string' ? values.to.split(',').map((x) => x.trim()).filter(Boolean) : [],
        ...(days !== undefined ? { periodDays: days } : {}),
        ...(typeof values.format === 'string' ? { format: values.format as never } : {}),
        filters: values.source ? [{ field: 'source', value: String(values.source) }] : values.campaign ? [{ field: 'campaign', value: String(values.campaign) }] : [],
      });
      out(values.json === true ? JSON.stringify(s, null, 2) : `Scheduled ${line(s)}`);
      return 0;
    }
    case 'list': {
      const all = await schedules.list(actor);
      out(values.json === true ? JSON.stringify(all, null, 2) : all.map(line).join('\n') || '(no report schedules)');
      return 0;
    }
    case 'remove': {
      if (!arg) throw invalid('Say which schedule: crm report schedule remove ID', 'id', 'missing');
      await schedules.remove(actor, arg);
      out(`Removed report schedule ${arg}`);
      return 0;
    }
    case 'run-now': {
      if (!arg) throw invalid('Say which schedule: crm report schedule run-now ID', 'id', 'missing');
      const delivery = booted.runtime.reportDelivery();
      const r = await schedules.runNow(actor, arg, delivery);
      if (r.status === 'failed') {
        process.stderr.write(`Report schedule ${arg} failed: ${r.error}\n`);
        return 1;
      }
      out(`Sent to ${r.sent} recipient(s) via ${delivery.mail.kind === 'smtp' ? 'SMTP' : 'the local mailbox (npx crm workflow mailbox)'}`);
      return 0;
    }
    default:
      throw invalid(`Unknown schedule action "${sub ?? ''}": ${SCHEDULE_USAGE}`, 'subcommand', 'must be add, list, remove or run-now');
  }
}
