import { createWorkflowRuntimeService } from '@crm/agents';
import type { Runtime } from './runtime.ts';

/**
 * The workflow engine (triggers, schedules, durable executions) as a runtime service. Its effects
 * go through the in-process MCP tools as the tenant's system actor on behalf of the workflow's
 * owner, so permissions apply and the audit log says "via workflow:<id> on behalf of <owner>".
 */
export function addWorkflowEngine(runtime: Runtime) {
  const { core } = runtime;
  const service = createWorkflowRuntimeService({
    core,
    config: runtime.config.workflows,
    mcp: (actor) => runtime.mcpClient(actor, 'crm-data'),
    model: runtime.provider,
    effectActor: (e) => core.users.systemActor(e.tenantId, { via: `workflow:${e.workflowId}`, onBehalfOf: e.owner.userId }),
  });
  // halted with the others when the shutdown begins (the runs in progress are cut short then); stopped once
  let stopping: Promise<void> | undefined;
  const stop = () => (stopping ??= service.stop());
  runtime.addService({ ...service, optional: true, stop, halt: () => void stop().catch(() => {}) });
  return service;
}
