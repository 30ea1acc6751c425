import { AppError, type CrmCore } from '@crm/core';
import type { CommandContext } from './command.types.ts';

export const SAVED_USAGE = 'crm reports saved [ID] [--kind pipeline_digest] [--limit N] [--json]';

/** `crm reports saved`: the saved reports (weekly digest), newest period first; with an ID, that report's body. */
export async function runSavedCommand(core: CrmCore, actor: Parameters<CrmCore['savedReports']['get']>[0], args: string[], values: CommandContext['values']): Promise<number> {
  const json = values.json === true;
  if (args[0]) {
    const r = await core.savedReports.get(actor, args[0]);
    process.stdout.write(json ? `${JSON.stringify(r, null, 2)}\n` : `${r.title}\n${r.periodStart.toISOString()} – ${r.periodEnd.toISOString()}  ${r.emailedAt ? `emailed to ${r.recipients.join(', ')}` : 'not emailed'}\n\n${r.body}\n`);
    return 0;
  }
  const limit = values.limit === undefined ? 20 : Number(values.limit);
  if (!Number.isInteger(limit) || limit < 1 || limit > 100) throw AppError.validation([{ path: 'limit', reason: 'must be a whole number from 1 to 100' }]);
  const kind = typeof values.kind === 'string' ? values.kind : undefined;
  const { reports, total } = await core.savedReports.page(actor, { kind, limit, offset: 0 });
  if (json) {
    process.stdout.write(`${JSON.stringify({ data: reports, totalCount: total }, null, 2)}\n`);
    return 0;
  }
  if (!reports.length) {
    process.stdout.write('No saved reports yet (the weekly digest saves one per slot: AGENT_DIGEST_CRON, or `crm agents run digest`).\n');
    return 0;
  }
  for (const r of reports) {
    process.stdout.write(`${r.id}  ${r.kind}  ${r.periodEnd.toISOString().slice(0, 10)}  ${r.title}  ${r.emailedAt ? `emailed to ${r.recipients.length}` : 'not emailed'}\n`);
  }
  if (total > reports.length) process.stdout.write(`(${reports.length} of ${total}; --limit N shows more)\n`);
  return 0;
}
