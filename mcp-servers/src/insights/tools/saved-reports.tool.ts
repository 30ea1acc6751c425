import { holds } from '../../framework/access.ts';
import { GetSavedReport, ListSavedReports, SAVED_REPORT_LIST_CHARS, SaveReport } from '../../contracts/insights/saved-reports.contract.ts';
import { READ_ONLY, defineTool } from '../../framework/tool.ts';

export const saveReportTool = defineTool(SaveReport, {
  title: 'Save a report',
  description:
    'Keep a written report (e.g. the weekly pipeline digest) so it can be listed later, one per kind and slot; optionally email it to ' +
    "the tenant's active managers and admins (never to any other address) through the platform's mail transport, once per slot. " +
    'Needs reports:read (managers, admins, the system actor).',
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: true },
  access: holds('reports:read'),
  handler: (a, { core, actor }) =>
    core.savedReports.save(actor, {
      kind: a.kind,
      slotKey: a.slot_key,
      title: a.title,
      periodStart: a.period.start,
      periodEnd: a.period.end,
      body: a.body,
      ...(a.data ? { data: a.data } : {}),
      ...(a.email_managers !== undefined ? { emailManagers: a.email_managers } : {}),
    }),
  summarize: (o) =>
    `${o.duplicate ? 'Already saved' : 'Saved'} "${o.report.title}" (${o.report.kind}, ${o.report.slotKey}, id ${o.report.id})` +
    (o.emailed.length ? `; emailed to ${o.emailed.join(', ')}.` : o.report.emailedAt ? `; emailed ${o.report.emailedAt}.` : '.'),
});

export const listSavedReportsTool = defineTool(ListSavedReports, {
  title: 'List saved reports',
  description:
    'Reports kept by save_report (e.g. the weekly pipeline digests), newest period first, with their text (cut at 2,000 characters) and who they were emailed to. ' +
    'get_saved_report gives one whole, with the figures behind it.',
  annotations: READ_ONLY,
  access: holds('reports:read'),
  async handler({ kind, limit }, { core, actor }) {
    const reports = await core.savedReports.list(actor, { ...(kind ? { kind } : {}), limit });
    return {
      reports: reports.map(({ data: _figures, body, ...report }) => ({
        ...report,
        body: body.length <= SAVED_REPORT_LIST_CHARS ? body : `${body.slice(0, SAVED_REPORT_LIST_CHARS)}… [cut: get_saved_report {"id": "${report.id}"} has the whole text]`,
      })),
    };
  },
  summarize: (o) => (o.reports.length ? o.reports.map((r) => `${r.title} (${r.kind}, id ${r.id})`).join('; ') : 'No saved reports.'),
});

export const getSavedReportTool = defineTool(GetSavedReport, {
  title: 'Get a saved report',
  description: 'One saved report by id, with its text and the figures behind it.',
  annotations: READ_ONLY,
  access: holds('reports:read'),
  handler: ({ id }, { core, actor }) => core.savedReports.get(actor, id),
  summarize: (r) => `${r.title} (${r.kind}, ${r.periodStart.slice(0, 10)} – ${r.periodEnd.slice(0, 10)}).`,
});
