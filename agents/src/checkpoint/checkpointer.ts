import type { Logger } from '@crm/core';
import { PostgresSaver } from '@langchain/langgraph-checkpoint-postgres';

export interface CheckpointerOptions {
  /** The CRM database's URL (core's `db.url`; the embedded PGlite socket works too). */
  url: string;
  /** Schema of the checkpoint tables, apart from the CRM's own. */
  schema?: string;
  logger?: Logger;
}

/**
 * Durable conversations: LangGraph's PostgresSaver on the CRM's database. The pool reconnects by
 * itself; an idle connection the server (or a proxy) drops must only be logged, not crash the
 * process, which is what an unhandled pool 'error' event would do.
 */
export async function createCheckpointer({ url, schema = 'langgraph', logger }: CheckpointerOptions): Promise<PostgresSaver & { close(): Promise<void> }> {
  const saver = PostgresSaver.fromConnString(url, { schema });
  const pool = (saver as unknown as { pool: { on(event: 'error', fn: (err: Error) => void): void; end(): Promise<void> } }).pool;
  pool.on('error', (err) => logger?.warn({ err: err.message }, 'checkpointer connection dropped; the pool reconnects'));
  await saver.setup();
  return Object.assign(saver, { close: () => saver.end() });
}
