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
export async function createWorkflowCheckpointer(url: string, options: { poolMax?: number; kind?: 'pglite' | 'postgres' } = {}): Promise<WorkflowCheckpointer> {
  const pool = new pg.Pool({ connectionString: url, max: options.poolMax ?? 4 });
  if (options.kind === 'pglite') inTransactions(pool);
  const saver = new BatchedPostgresSaver(pool, CHECKPOINT_SCHEMA);
  await saver.setup();
  return { saver, close: () => pool.end() };
}

/**
 * pglite-socket keeps one connection's messages together only inside a transaction; outside one,
 * the Parse/Bind/Execute messages of parameterised queries from different connections interleave
 * ("unnamed prepared statement does not exist"). The saver's plain `pool.query` reads therefore
 * run in a transaction of their own on PGlite (its writes already use BEGIN/COMMIT).
 */
function inTransactions(pool: pg.Pool): void {
  const query = async (text: unknown, values?: unknown) => {
    const client = await pool.connect();
    try {
      await client.query('BEGIN');
      const result = await client.query(text as string, values as unknown[]);
      await client.query('COMMIT');
      return result;
    } catch (err) {
      await client.query('ROLLBACK').catch(() => {});
      throw err;
    } finally {
      client.release();
    }
  };
  (pool as unknown as { query: typeof query }).query = query;
}
