import { type Logger, queriesInTransactions } from '@crm/core';
import type { PostgresSaver } from '@langchain/langgraph-checkpoint-postgres';
import pg from 'pg';
import { BatchedPostgresSaver } from '../workflows/batched-checkpoint.saver.ts';

export interface CheckpointerOptions {
  /** The CRM database's URL (core's `db.url`; the embedded PGlite socket works too). */
  url: string;
  /** `pglite` when `url` is the embedded database's socket (reads then run in transactions of their own). */
  kind?: 'pglite' | 'postgres';
  /** Schema of the checkpoint tables, apart from the CRM's own. */
  schema?: string;
  poolMax?: number;
  logger?: Logger;
}

/** The schema of the assistant's conversation checkpoints (the workflow engine has its own). */
export const CONVERSATION_SCHEMA = 'langgraph';

/**
 * Durable conversations: LangGraph's PostgresSaver tables (writes batched) on the CRM's database,
 * the server or the embedded PGlite over its socket. The pool reconnects by itself; an idle
 * connection the server (or a proxy) drops must only be logged, not crash the process, which is
 * what an unhandled pool 'error' event would do.
 */
export async function createCheckpointer({ url, kind, schema = CONVERSATION_SCHEMA, poolMax, logger }: CheckpointerOptions): Promise<PostgresSaver & { close(): Promise<void> }> {
  const pool = new pg.Pool({ connectionString: url, max: poolMax ?? 4 });
  pool.on('error', (err) => logger?.warn({ err: err.message }, 'checkpointer connection dropped; the pool reconnects'));
  if (kind === 'pglite') queriesInTransactions(pool);
  const saver = new BatchedPostgresSaver(pool, schema);
  try {
    await saver.setup();
  } catch (err) {
    await pool.end().catch(() => {});
    throw err;
  }
  return Object.assign(saver, { close: () => pool.end() });
}
