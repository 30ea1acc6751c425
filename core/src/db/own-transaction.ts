import type pg from 'pg';

/**
 * pglite-socket keeps one connection's messages together only inside a transaction; outside one,
 * the Parse/Bind/Execute messages of parameterised queries from different connections interleave
 * ("unnamed prepared statement does not exist"). On the embedded database a parameterised
 * statement sent outside a transaction (a LangGraph saver's reads, pg-boss's statements) therefore
 * runs in a transaction of its own: this.
 */
export async function queryInOwnTransaction(client: pg.PoolClient, text: string, values?: unknown[]): Promise<pg.QueryResult> {
  await client.query('BEGIN');
  try {
    const result = await client.query(text, values);
    await client.query('COMMIT');
    return result;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => {});
    throw err;
  }
}

/** Makes a pool's plain `pool.query` run each statement in a transaction of its own (see `queryInOwnTransaction`). */
export function queriesInTransactions(pool: pg.Pool): void {
  const query = async (text: unknown, values?: unknown) => {
    const client = await pool.connect();
    try {
      return await queryInOwnTransaction(client, text as string, values as unknown[]);
    } finally {
      client.release();
    }
  };
  (pool as unknown as { query: typeof query }).query = query;
}
