/**
 * bench-rest's bare route, in a process of its own so that its CPU per request is measured the
 * same way as the gateway's: Fastify + `pg` sending the same statements as the contact service, in
 * one round trip (set the tenant, read, commit). Prints "ready" once listening. (Until 2026-11-30 the
 * bare search sent only the page's SELECT, not the capped count the service runs with it, so the
 * search ratio also charged the count's PostgreSQL time to the gateway.)
 * Usage (bench-rest spawns it): node --import tsx bench-rest-bare.ts <DATABASE_URL> <tenantId> <port>
 */
import Fastify from 'fastify';
import pg from 'pg';

const [url, tenantId, port] = process.argv.slice(2);
if (!url || !/^[0-9a-f-]{36}$/.test(tenantId ?? '') || !port) throw new Error('usage: bench-rest-bare.ts <DATABASE_URL> <tenantId> <port>');
const pool = new pg.Pool({ connectionString: url, max: 10 });
const bare = Fastify();
const tx = (sql: string) => `BEGIN; SELECT set_config('role', 'crm_app', true), set_config('app.tenant_id', '${tenantId}', true); ${sql}; COMMIT;`;
bare.get<{ Params: { id: string } }>('/contacts/:id', async (req) => {
  if (!/^[0-9a-f-]{36}$/.test(req.params.id)) throw new Error('bad id');
  const res = (await pool.query(tx(`SELECT * FROM contacts WHERE id = '${req.params.id}'`))) as unknown as pg.QueryResult[];
  return res[2]!.rows[0];
});
// the contact service's list statement for ?search=northbridge (page 1 of 20): the page, and its
// count capped at 10,001 (run only when the page is full), in one statement
const where = `WHERE search_text LIKE '%northbridge%'`;
const list = `WITH page AS MATERIALIZED (SELECT * FROM contacts ${where} ORDER BY created_at desc , id desc LIMIT 20 OFFSET 0),
  counted AS MATERIALIZED (
    SELECT CASE WHEN (SELECT count(*) FROM page) = 20
      THEN (SELECT count(*) FROM (SELECT 1 FROM contacts ${where} LIMIT 10001) capped) END AS n
  ),
  totals AS MATERIALIZED (SELECT n, CASE WHEN n > 10000 THEN crm_plan_rows(${pg.escapeLiteral(`SELECT 1 FROM contacts ${where}`)}) END AS estimate FROM counted)
  SELECT page.*, totals.n AS capped_count, totals.estimate AS estimated_count
  FROM totals LEFT JOIN page ON true ORDER BY page.created_at desc , page.id desc`;
bare.get('/contacts', async () => {
  const res = (await pool.query(tx(list))) as unknown as pg.QueryResult[];
  const rows = res[2]!.rows;
  return { data: rows.filter((r) => r.id !== null), totalCount: Number(rows[0]?.capped_count ?? rows.length) };
});
await bare.listen({ port: Number(port), host: '127.0.0.1' });
console.log('ready');
process.on('SIGTERM', () => {
  void bare.close().then(() => pool.end()).then(() => process.exit(0));
});
