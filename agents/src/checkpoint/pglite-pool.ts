import type pg from 'pg';

/**
 * pglite-socket keeps one connection's messages together only inside a transaction; outside one,
 * the Parse/Bind/Execute messages of parameterised queries from different connections interleave
 * ("unnamed prepared statement does not exist"). A LangGraph saver's plain `pool.query` reads
 * therefore run in a transaction of their own on PGlite (its writes already use BEGIN/COMMIT).
 */
export function queriesInTransactions(pool: pg.Pool): void {
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
