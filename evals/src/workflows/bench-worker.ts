import { createMailboxTransport, type Actor, type CrmCore } from '@crm/core';
import { createWorkflowWorker, inProcessMcp, type WorkflowCheckpointer } from '@crm/agents';

/** The workflow worker both benchmarks run: mailbox transport, in-process MCP, polls a minute apart (wake-ups drive it). */
export function benchWorker(core: CrmCore, checkpointer: WorkflowCheckpointer, actor: Actor, concurrency: number) {
  return createWorkflowWorker({
    db: core.db,
    logger: core.logger,
    checkpointer: checkpointer.saver,
    mail: createMailboxTransport(core.db),
    mailFrom: 'bench@crm.local',
    mcp: inProcessMcp(core),
    webhook: { allowHosts: [] },
    effectActor: () => actor,
    concurrency,
    pollMs: 60_000,
  });
}
