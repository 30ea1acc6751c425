/**
 * bench-rest's bare route, in a process of its own so that its CPU per request is measured the
 * same way as the gateway's: Fastify + `pg` sending the same statements as the contact service, in
 * one round trip (set the tenant, read, commit). Prints "ready" once listening.
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
bare.get('/contacts', async () => {
  const res = (await pool.query(tx(`SELECT * FROM contacts WHERE search_text LIKE '%northbridge%' ORDER BY created_at DESC, id DESC LIMIT 20`))) as unknown as pg.QueryResult[];
  return { data: res[2]!.rows };
});
await bare.listen({ port: Number(port), host: '127.0.0.1' });
console.log('ready');
process.on('SIGTERM', () => {
  void bare.close().then(() => pool.end()).then(() => process.exit(0));
});
