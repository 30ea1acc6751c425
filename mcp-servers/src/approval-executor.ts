import type { AgentActionExecutor, CrmCore, Logger } from '@crm/core';
import { AppError, silentLogger } from '@crm/core/contracts';
import { runTool } from './framework/install-tools.ts';
import { parseToolError } from './framework/tool-result.ts';
import { SERVER_MODULES } from './servers.ts';

/**
 * How the approval queue runs an approved agent action: the filed tool, with the filed arguments,
 * through the same validation, handler and output contract as a tools/call — acting as the user the
 * request was filed for, so the tool's own permissions apply (approving widens nothing).
 */
export function toolCallExecutor(core: CrmCore, logger: Logger = silentLogger()): AgentActionExecutor {
  const tools = new Map(SERVER_MODULES.flatMap((m) => m.tools.map((t) => [t.contract.name, t] as const)));
  return async (action, requester, approval) => {
    const tool = tools.get(action.tool);
    if (!tool) throw AppError.validation([{ path: 'action.tool', reason: `no tool named ${action.tool}` }]);
    const log = logger.child({ approvalId: approval.id, tool: action.tool });
    const result = await runTool(tool, action.arguments, () => ({ actor: requester, core, logger: log }), log, `approval:${approval.id}`);
    const error = parseToolError(result);
    if (error) throw new AppError(error.code, error.message, { details: error.details });
    return result.structuredContent ?? null;
  };
}

/** Let `core.approvals` run approved agent actions in this process. */
export function installApprovalExecutor(core: CrmCore, logger?: Logger): void {
  core.approvals.setAgentActionExecutor(toolCallExecutor(core, logger));
}
