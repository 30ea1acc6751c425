import { holds } from '../../framework/access.ts';
import { DryRunWorkflow } from '../../contracts/workflow/workflow.contract.ts';
import { defineTool, READ_ONLY } from '../../framework/tool.ts';

export const dryRunWorkflowTool = defineTool(DryRunWorkflow, {
  title: 'Dry-run (backtest) workflow',
  description:
    "Replay a saved workflow or a draft definition against the tenant's real events of the last N days, without executing anything: which contacts would enter, the path each would take, and which emails, webhooks and tasks would go out.",
  annotations: READ_ONLY,
  access: holds('workflows:read'),
  handler: (input, { core, actor }) => core.workflows.dryRun(actor, input),
  summarize: (r) =>
    `${r.entered} of ${r.eventsScanned} event(s)${r.rowsWithoutEvents ? ` and ${r.rowsWithoutEvents} row(s) without events` : ''} would start it: ${r.emails} email(s), ${r.webhooks} webhook call(s).`,
});
