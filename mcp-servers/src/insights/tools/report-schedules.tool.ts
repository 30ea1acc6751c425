import type { z } from 'zod';
import { holds } from '../../framework/access.ts';
import { CreateReportSchedule, DeleteReportSchedule, ListReportSchedules, RunReportScheduleNow, UpdateReportSchedule } from '../../contracts/insights/reports.contract.ts';
import { READ_ONLY, defineTool } from '../../framework/tool.ts';

type ToolInput<C extends { input: z.ZodType }> = z.output<C['input']>;

const createInput = (a: ToolInput<typeof CreateReportSchedule>) => ({
  name: a.name,
  type: a.type,
  schedule: a.schedule,
  recipients: a.recipients,
  ...(a.period_days !== undefined ? { periodDays: a.period_days } : {}),
  ...(a.filters ? { filters: a.filters } : {}),
  ...(a.format ? { format: a.format } : {}),
});
const updateInput = ({ id: _id, period_days, ...rest }: ToolInput<typeof UpdateReportSchedule>) => ({ ...rest, ...(period_days !== undefined ? { periodDays: period_days } : {}) });

export const createReportScheduleTool = defineTool(CreateReportSchedule, {
  title: 'Create report schedule',
  description:
    'Store a report definition that is emailed on a cron schedule (time-zone aware) to the recipients: HTML with PNG charts and the ' +
    'metrics CSV attached. Needs reports:write (managers, admins). The report runs as you, with your view of the data.',
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true },
  access: holds('reports:write'),
  precheck: (a, { core, actor }) => core.reportSchedules.checks.create(actor, createInput(a)),
  handler: (a, { core, actor }) => core.reportSchedules.create(actor, createInput(a)),
  summarize: (s) => `Scheduled "${s.name}" (${s.type}, ${s.schedule.cron} ${s.schedule.timezone}) to ${s.recipients.join(', ')}; next run ${s.nextRunAt}.`,
});

export const updateReportScheduleTool = defineTool(UpdateReportSchedule, {
  title: 'Update report schedule',
  description: 'Change a stored report schedule (name, cron/time zone, recipients, period, filter, format) or pause it with enabled=false. Needs reports:write.',
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: true },
  access: holds('reports:write'),
  precheck: (a, { core, actor }) => core.reportSchedules.checks.update(actor, a.id, updateInput(a)),
  handler: (a, { core, actor }) => core.reportSchedules.update(actor, a.id, updateInput(a)),
  summarize: (s) => `Updated "${s.name}" (${s.schedule.cron} ${s.schedule.timezone}${s.enabled ? '' : ', paused'}); next run ${s.nextRunAt}.`,
});

export const listReportSchedulesTool = defineTool(ListReportSchedules, {
  title: 'List report schedules',
  description: 'The tenant\'s stored report schedules with their next run and the status and error of the last run.',
  annotations: READ_ONLY,
  access: holds('reports:read'),
  handler: async (_a, { core, actor }) => ({ schedules: await core.reportSchedules.list(actor) }),
  summarize: (o) => (o.schedules.length ? o.schedules.map((s) => `${s.name}: ${s.type}, next ${s.nextRunAt}, last ${s.lastStatus ?? 'never run'}`).join('; ') : 'No report schedules.'),
});

export const runReportScheduleNowTool = defineTool(RunReportScheduleNow, {
  title: 'Email a report schedule now',
  description:
    'Run a stored report schedule now and email it to its recipients (SMTP when configured, else the local mailbox); its next scheduled run is unchanged. ' +
    'Needs reports:write. The report runs with the schedule creator\'s view of the data.',
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true },
  access: holds('reports:write'),
  precheck: (a, { core, actor }) => core.reportSchedules.checks.runNow(actor, a.id),
  handler: (a, { core, actor }) => core.reportSchedules.runNow(actor, a.id, core.email.delivery()),
  summarize: (o) => (o.status === 'succeeded' ? `Emailed the report to ${o.sent} recipient${o.sent === 1 ? '' : 's'}.` : `The report was not sent: ${o.error ?? 'unknown error'}.`),
});

export const deleteReportScheduleTool = defineTool(DeleteReportSchedule, {
  title: 'Delete report schedule',
  description: 'Delete a stored report schedule; no further emails are sent for it. Needs reports:write.',
  annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: false, openWorldHint: false },
  access: holds('reports:write'),
  precheck: (a, { core, actor }) => core.reportSchedules.checks.remove(actor, a.id),
  handler: (a, { core, actor }) => core.reportSchedules.remove(actor, a.id),
  summarize: (o) => `Deleted report schedule ${o.id}.`,
});
