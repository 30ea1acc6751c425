import { AppError, listMailbox, type CrmCore, type Workflow, type Actor } from '@crm/core';
import { bootCore } from '../runtime/boot.ts';
import { ACTOR_OPTIONS, resolveCliActor } from './actor.ts';
import type { Command } from './command.types.ts';

const USAGE =
  'crm workflow list | templates | install KEY | activate ID | deactivate ID | rotate-secret ID | run ID [--contact ID] [--input JSON] | dry-run ID [--days N] | executions [--workflow ID] | execution ID | cancel EXECUTION_ID [--reason TEXT] | complete-step EXECUTION_ID STEP_ID [--output JSON] | mailbox [--to EMAIL] [--json]';

type Values = Record<string, unknown>;
const out = (v: unknown) => process.stdout.write(`${JSON.stringify(v, null, 2)}\n`);
const need = (v: string | undefined, what: string) => {
  if (!v) throw new AppError('VALIDATION_FAILED', `Missing ${what}: ${USAGE}`, { details: [{ path: what, reason: 'required' }] });
  return v;
};

/** A JSON object option; anything else is a clear VALIDATION_FAILED naming the option. */
function jsonObject(text: string, option: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw AppError.validation([{ path: option, reason: `must be JSON (${(err as Error).message})` }]);
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw AppError.validation([{ path: option, reason: 'must be a JSON object' }]);
  return parsed as Record<string, unknown>;
}

const ACTIONS: Record<string, (core: CrmCore, actor: Actor, args: string[], values: Values) => Promise<unknown>> = {
  list: (core, actor) => core.workflows.list(actor),
  templates: async (core) => core.workflows.listTemplates(),
  install: (core, actor, args) => core.workflows.installTemplate(actor, need(args[0], 'KEY')),
  activate: async (core, actor, args) => {
    // the same shape as REST and MCP: the workflow plus how its activation went
    const r = await core.workflows.activate(actor, need(args[0], 'ID'));
    return { ...r.workflow, activation: { status: r.status, approvalId: r.approval?.id ?? null, version: r.workflow.version, expiresAt: r.approval?.expiresAt ?? null } };
  },
  deactivate: (core, actor, args) => core.workflows.deactivate(actor, need(args[0], 'ID')),
  'rotate-secret': (core, actor, args) => core.workflows.rotateWebhookSecret(actor, need(args[0], 'ID')),
  run: (core, actor, args, v) =>
    core.workflows.execute(actor, need(args[0], 'ID'), {
      contactId: typeof v.contact === 'string' ? v.contact : undefined,
      input: typeof v.input === 'string' ? jsonObject(v.input, 'input') : undefined,
    }),
  'dry-run': (core, actor, args, v) => core.workflows.dryRun(actor, { id: need(args[0], 'ID'), days: v.days ? Number(v.days) : undefined }),
  executions: (core, actor, _args, v) => core.workflows.listExecutions(actor, { workflowId: typeof v.workflow === 'string' ? v.workflow : undefined }),
  execution: (core, actor, args) => core.workflows.getExecution(actor, need(args[0], 'ID')),
  cancel: (core, actor, args, v) => core.workflows.cancelExecution(actor, need(args[0], 'EXECUTION_ID'), typeof v.reason === 'string' ? v.reason : undefined),
  'complete-step': (core, actor, args, v) =>
    core.workflows.completeStep(actor, need(args[0], 'EXECUTION_ID'), need(args[1], 'STEP_ID'), typeof v.output === 'string' ? jsonObject(v.output, 'output') : undefined),
  mailbox: (core, actor, _args, v) => listMailbox(core.db, actor, { to: typeof v.to === 'string' ? v.to : undefined }),
};

function summary(action: string, result: unknown): string {
  const rows = Array.isArray(result) ? (result as Record<string, unknown>[]) : null;
  if (action === 'list' && rows) return rows.map((w) => `${w.id}  v${w.version}  ${w.isActive ? 'active  ' : 'inactive'}  ${w.name}`).join('\n');
  if (action === 'templates' && rows) return rows.map((t) => `${String(t.key).padEnd(26)} ${t.name} — ${t.description}`).join('\n');
  if (action === 'executions' && rows) return rows.map((e) => `${e.id}  ${String(e.status).padEnd(9)} ${e.triggerType}  ${(e.createdAt as Date).toISOString()}`).join('\n');
  if (action === 'mailbox' && rows) return rows.map((m) => `${(m.createdAt as Date).toISOString()}  ${m.to}  ${m.subject}`).join('\n');
  if (action === 'activate') {
    const w = result as Workflow & { activation: { status: string; approvalId: string | null; expiresAt: Date | null } };
    return w.activation.status === 'active'
      ? `Workflow "${w.name}" v${w.version} is active.`
      : [
          `Workflow "${w.name}" v${w.version} is NOT active: this tenant requires approval to activate workflows.`,
          `  Approval ${w.activation.approvalId} (pending, expires ${w.activation.expiresAt?.toISOString()}).`,
          `  A manager or admin other than you decides it: npx crm approvals approve ${w.activation.approvalId}`,
        ].join('\n');
  }
  if (action === 'cancel') {
    const e = result as { id: string; status: string; error: string | null };
    return `Execution ${e.id} is ${e.status} (${e.error}).`;
  }
  if (action === 'rotate-secret') {
    const r = result as { workflowId: string; webhookSecret: string };
    return [`New webhook secret of workflow ${r.workflowId}:`, `  ${r.webhookSecret}`, '  Shown once: store it now. The previous secret no longer verifies.'].join('\n');
  }
  return JSON.stringify(result, null, 2);
}

export const workflowCommand: Command = {
  summary: 'Manage workflows: templates, activation, runs, dry runs, executions, local mailbox',
  usage: USAGE,
  options: { ...ACTOR_OPTIONS, contact: { type: 'string' }, input: { type: 'string' }, days: { type: 'string' }, workflow: { type: 'string' }, to: { type: 'string' }, output: { type: 'string' }, reason: { type: 'string' }, json: { type: 'boolean' } },
  async run({ positionals, values, logger }) {
    const action = positionals[0];
    const handler = action ? ACTIONS[action] : undefined;
    if (!handler) throw new AppError('VALIDATION_FAILED', `Unknown workflow action "${action ?? ''}": ${USAGE}`, { details: [{ path: 'action', reason: `one of ${Object.keys(ACTIONS).join(', ')}` }] });
    const booted = await bootCore(logger);
    try {
      const actor = await resolveCliActor(booted.core, values);
      const result = await handler(booted.core, actor, positionals.slice(1), values);
      if (values.json === true) out(result);
      else process.stdout.write(`${summary(action!, result) || '(none)'}\n`);
      return 0;
    } finally {
      await booted.close();
    }
  },
};
