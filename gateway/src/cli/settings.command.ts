import { AppError } from '@crm/core';
import { bootCore } from '../runtime/boot.ts';
import { ACTOR_OPTIONS, resolveCliActor } from './actor.ts';
import { verbOf } from './admin.args.ts';
import type { Command } from './command.types.ts';

const USAGE = 'crm settings show [--json] | set [--workflow-activation-approval on|off] [--approval-emails on|off] [--json]   (set: ADMIN; --user EMAIL [--tenant SLUG])';

/** `on|off|true|false` → boolean, else VALIDATION_FAILED naming the option. */
function onOff(v: unknown, option: string): boolean | undefined {
  if (v === undefined) return undefined;
  if (v === 'on' || v === 'true') return true;
  if (v === 'off' || v === 'false') return false;
  throw AppError.validation([{ path: option, reason: 'must be on or off' }]);
}

export const settingsCommand: Command = {
  summary: "Show or change the tenant's policies (e.g. workflow activation needs approval)",
  usage: USAGE,
  options: { ...ACTOR_OPTIONS, 'workflow-activation-approval': { type: 'string' }, 'approval-emails': { type: 'string' }, json: { type: 'boolean' } },
  async run({ positionals, values, logger }) {
    const verb = verbOf(positionals, 'settings', ['show', 'set'] as const);
    const activation = onOff(values['workflow-activation-approval'], 'workflow-activation-approval');
    const emails = onOff(values['approval-emails'], 'approval-emails');
    const patch =
      verb === 'set'
        ? { ...(activation === undefined ? {} : { workflowActivationRequiresApproval: activation }), ...(emails === undefined ? {} : { approvalRequestEmails: emails }) }
        : undefined;
    if (patch && !Object.keys(patch).length) {
      throw AppError.validation([{ path: 'workflow-activation-approval', reason: `"set" needs --workflow-activation-approval or --approval-emails: ${USAGE}` }]);
    }
    const booted = await bootCore(logger);
    try {
      const actor = await resolveCliActor(booted.core, values);
      const settings = patch ? await booted.core.tenantSettings.update(actor, patch) : await booted.core.tenantSettings.get(actor);
      if (values.json === true) process.stdout.write(`${JSON.stringify(settings, null, 2)}\n`);
      else {
        process.stdout.write(`workflow activation requires approval: ${settings.workflowActivationRequiresApproval ? 'on' : 'off'}\n`);
        process.stdout.write(`approval requests emailed to approvers: ${settings.approvalRequestEmails ? 'on' : 'off'}\n`);
      }
      return 0;
    } finally {
      await booted.close();
    }
  },
};
