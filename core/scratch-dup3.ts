import pg from 'pg';
import * as m from './src/contacts/contact-duplicates.ts';
const c = new pg.Client({ connectionString: process.argv[2] });
await c.connect();
await c.query('BEGIN');
await c.query("SELECT set_config('role', 'crm_app', true), set_config('app.tenant_id', $1, true)", [process.argv[3]]);
const em = { execute: async (sql: string, params: unknown[] = []) => {
  let i = 0; const text = sql.replace(/\?/g, () => `$${++i}`);
  const t0 = performance.now(); const r = await c.query(text, params);
  console.log(`${(performance.now() - t0).toFixed(1)} ms, ${r.rows.length} rows: ${sql.replace(/\s+/g, ' ').slice(0, 70)}`);
  return r.rows;
} };
for (let i = 0; i < 3; i++) { const t0 = performance.now(); await m.findDuplicatePairs(em as never, { limit: 200 }); console.log('total', (performance.now() - t0).toFixed(1)); }
await c.query('ROLLBACK'); await c.end();
