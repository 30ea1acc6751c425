import type { FieldIssue } from '@crm/core';
import { AppError } from '@crm/core/contracts';
import { RequestApproval } from '../../contracts/crm-data/approvals.contract.ts';
import { defineTool } from '../../framework/tool.ts';
import { describeApproval } from './approval-summary.ts';

export const requestApprovalTool = defineTool(RequestApproval, {
  title: 'Request approval',
  description:
    'File a tool call for a human to approve instead of running it: the exact tool and arguments, a summary and risk. It runs, as you, once approved ' +
    '(see get_approval). A call you could not run yourself (bad arguments, a record you may not change or that does not exist) is refused now with that error; nothing is filed. Filing the same idempotencyKey again returns the first request. Expires after 24 hours unless said otherwise.',
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  async handler({ tool, arguments: args, ...rest }, { core, actor }) {
    // loaded at call time: the registry of every server's tools imports this file
    const { SERVER_MODULES } = await import('../../servers.ts');
    const known = SERVER_MODULES.some((m) => m.tools.some((t) => t.contract.name === tool));
    if (!known || tool === 'request_approval' || tool === 'decide_approval') {
      throw AppError.validation([{ path: 'tool', reason: `"${tool}" is not a tool that can be filed for approval` }]);
    }
    try {
      return await core.approvals.request(actor, { kind: 'agent_action', action: { tool, arguments: args }, ...rest });
    } catch (err) {
      // the queue names the filed call's fields as its request does (action.arguments.id); here they are this tool's (arguments.id)
      if (!(err instanceof AppError) || err.code !== 'VALIDATION_FAILED' || !Array.isArray(err.details)) throw err;
      const ours = (path: string) => path.replace(/\baction\.(?=arguments|tool)/g, '');
      throw AppError.validation((err.details as FieldIssue[]).map((i) => ({ ...i, path: ours(i.path) })), ours(err.message));
    }
  },
  summarize: describeApproval,
});
