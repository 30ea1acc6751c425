/**
 * EXPLAIN ANALYZE of every metrics/insights statement for one tenant (finding what does not scale).
 *   npx tsx evals/src/insights/explain-insights.ts --url postgresql://… [--tenant UUID] [--days 30]
 * Without --tenant: the tenant with the most interactions. Prints each statement's total time and plan.
 */
import { parseArgs } from 'node:util';
import pg from 'pg';
import { analyticsStatements } from '@crm/core';

const { values } = parseArgs({ options: { url: { type: 'string' }, tenant: { type: 'string' }, days: { type: 'string', default: '30' }, plans: { type: 'boolean', default: false } } });
const client = new pg.Client({ connectionString: values.url });
await client.connect();
try {
  const tenant = values.tenant ?? (await client.query('SELECT tenant_id FROM interactions GROUP BY 1 ORDER BY count(*) DESC LIMIT 1')).rows[0].tenant_id;
  const end = new Date();
  for (const [name, st] of analyticsStatements({ end, days: Number(values.days) })) {
    let sql = st.sql;
    (st.params ?? []).forEach((p, i) => {
      const lit = p === null ? 'NULL' : p instanceof Date ? `'${p.toISOString()}'::timestamptz` : typeof p === 'string' ? pg.escapeLiteral(p) : String(p);
      sql = sql.replaceAll(new RegExp(`\\$${i + 1}(?!\\d)`, 'g'), lit);
    });
    await client.query('BEGIN');
    await client.query("SELECT set_config('role', 'crm_app', true), set_config('app.tenant_id', $1, true), set_config('jit', 'off', true), set_config('work_mem', '64MB', true)", [tenant]);
    const res = await client.query(`EXPLAIN (ANALYZE, BUFFERS) ${sql}`);
    await client.query('ROLLBACK');
    const lines = res.rows.map((r) => r['QUERY PLAN'] as string);
    console.log(`== ${name}: ${lines.find((l) => l.startsWith('Execution Time'))}`);
    if (values.plans) console.log(lines.join('\n'));
  }
} finally {
  await client.end();
}
