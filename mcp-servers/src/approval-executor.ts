import type { AgentActionCheck, AgentActionExecutor, CrmCore, FieldIssue, Logger } from '@crm/core';
import { AppError, silentLogger } from '@crm/core/contracts';
import { checkToolCall, runTool } from './framework/install-tools.ts';
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

/** Tools that are about the queue itself: filing them for approval would go round in circles. */
const NOT_FILEABLE = new Set(['request_approval', 'decide_approval']);

/**
 * How the approval queue checks an agent action before filing it: the filed tool exists, its
 * arguments pass its input contract, the requester's role may call it and, for a write on one
 * record (contacts, interactions, follow-ups, email, merges, workflows), the record exists and the
 * requester may change it (the tool's `precheck`, which asks the owning service) — what the approved run would check first, doing nothing. Field issues are
 * named as the request names them (`action.arguments.id`).
 */
export function toolCallCheck(core: CrmCore, logger: Logger = silentLogger()): AgentActionCheck {
  const tools = new Map(SERVER_MODULES.flatMap((m) => m.tools.map((t) => [t.contract.name, t] as const)));
  return async (action, requester) => {
    const tool = tools.get(action.tool);
    if (!tool || NOT_FILEABLE.has(action.tool)) throw AppError.validation([{ path: 'action.tool', reason: `"${action.tool}" is not a tool that can be filed for approval` }]);
    try {
      await checkToolCall(tool, action.arguments, { actor: requester, core, logger: logger.child({ tool: action.tool, precheck: true }) });
    } catch (err) {
      if (!(err instanceof AppError) || err.code !== 'VALIDATION_FAILED' || !Array.isArray(err.details)) throw err;
      const issues = (err.details as FieldIssue[]).map((i) => ({ ...i, path: i.path ? `action.arguments.${i.path}` : 'action.arguments' }));
      throw AppError.validation(issues);
    }
  };
}

/** Let `core.approvals` check filed agent actions and run approved ones in this process. */
export function installApprovalExecutor(core: CrmCore, logger?: Logger): void {
  core.approvals.setAgentActionExecutor(toolCallExecutor(core, logger));
  core.approvals.setAgentActionCheck(toolCallCheck(core, logger));
}
