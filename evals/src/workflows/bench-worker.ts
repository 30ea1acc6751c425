import { createMailboxTransport, createPgBossWaitTimers, type Actor, type CrmCore } from '@crm/core';
import { createWorkflowWorker, inProcessMcp, type WorkflowCheckpointer, type WorkflowWorker } from '@crm/agents';
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

/**
 * The workflow worker both benchmarks run: mailbox transport, in-process MCP, polls a minute apart
 * (wake-ups drive it). Its WAIT timers are the product's (pg-boss), started here — before any clock
 * runs, as a pg-boss's first start on a database installs its schema — and stopped with the worker.
 */
export async function benchWorker(core: CrmCore, checkpointer: WorkflowCheckpointer, actor: Actor, concurrency: number): Promise<WorkflowWorker> {
  const waitTimers = createPgBossWaitTimers(core.db, { logger: core.logger, pollMs: 60_000 });
  await waitTimers.ready();
  const worker = createWorkflowWorker({
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
    waitTimers,
  });
  return {
    ...worker,
    async stop() {
      await worker.stop();
      await waitTimers.stop();
    },
  };
}
