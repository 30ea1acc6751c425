import { queriesInTransactions, type Logger } from '@crm/core';
import type { PostgresSaver } from '@langchain/langgraph-checkpoint-postgres';
import pg from 'pg';
import { BatchedPostgresSaver } from './batched-checkpoint.saver.ts';

export const CHECKPOINT_SCHEMA = 'workflow_checkpoints';

export interface WorkflowCheckpointer {
  saver: PostgresSaver;
  close(): Promise<void>;
}

/**
 * LangGraph's Postgres checkpointer (writes batched: batched-checkpoint.saver.ts) in its own schema of the CRM database (PGlite over its
 * socket, or the server). Threads are execution ids; the worker deletes a thread when its
 * execution completes, so the tables hold only unfinished runs.
 */
export async function createWorkflowCheckpointer(
  url: string,
  options: {
    poolMax?: number;
    kind?: 'pglite' | 'postgres';
    /** named prepared statements on the server (WORKFLOW_PREPARED_STATEMENTS; default on) */ preparedStatements?: boolean;
    logger?: Logger;
  } = {},
): Promise<WorkflowCheckpointer> {
  const pool = new pg.Pool({ connectionString: url, max: options.poolMax ?? 4 });
  // an idle connection the database drops (its owner process stopped, a restart) must only be
  // logged: an unhandled pool 'error' ends the process (seen: `crm start` beside a stdio `crm mcp` that exited)
  pool.on('error', (err) => options.logger?.warn({ err: err.message }, 'workflow checkpointer connection dropped; the pool reconnects'));
  if (options.kind === 'pglite') queriesInTransactions(pool);
  // PGlite's connections share one session: named statements only on the server
  const saver = new BatchedPostgresSaver(pool, CHECKPOINT_SCHEMA, options.kind === 'postgres' && options.preparedStatements !== false);
  await saver.setup();
  return { saver, close: () => pool.end() };
}
