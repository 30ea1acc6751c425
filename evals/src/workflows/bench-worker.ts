import { createMailboxTransport, type Actor, type CrmCore } from '@crm/core';
import { createWorkflowWorker, inProcessMcp, type WorkflowCheckpointer } from '@crm/agents';
import pg from 'pg';

/**
 * Counts the statements this process sends to the database from now on (every pool — the ORM's,
 * the tenant batches', the checkpointer's — goes through pg's Client.query), so the cost per step
 * can be counted, not only timed. Returns the running count.
 */
export function countPgStatements(): () => number {
  let statements = 0;
  const clientQuery = pg.Client.prototype.query;
  pg.Client.prototype.query = function (this: pg.Client, ...args: unknown[]) {
    statements++;
    return (clientQuery as (...a: unknown[]) => unknown).apply(this, args);
  } as typeof clientQuery;
  return () => statements;
}

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
