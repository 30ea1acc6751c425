/**
 * Seeds the demo tenant as `crm start` does (records, the demo knowledge base, the indexed and
 * embedded interaction history) into an embedded PGlite data folder, without starting the server,
 * so the full-tenant evaluations can open the folder directly (`eval-demo-tenant.ts --data-dir`)
 * on a machine where a running `crm start` would compete for the CPU.
 *
 *   npx tsx evals/src/knowledge/seed-demo-tenant.ts --data-dir /tmp/crm-demo
 */
import { parseArgs } from 'node:util';
import { createCrmCore, openDatabase, seedDemoTenant, silentLogger } from '@crm/core';

const { values } = parseArgs({ options: { 'data-dir': { type: 'string' } } });
if (!values['data-dir']) throw new Error('--data-dir is required: the PGlite data folder to seed');
const db = await openDatabase({ config: { dataDir: values['data-dir'], pglitePort: 0, poolMax: 4 }, logger: silentLogger() });
try {
  const core = createCrmCore({ db, logger: silentLogger(), knowledge: { indexInteractions: false } });
  const started = Date.now();
  let last = 0;
  const seeded = await seedDemoTenant(core, {
    knowledge: {
      onProgress: (phase, done, total) => {
        if (Date.now() - last < 10_000 && done < total) return;
        last = Date.now();
        console.log(`${((Date.now() - started) / 1000).toFixed(0)} s ${phase} ${done}/${total}`);
      },
    },
  });
  console.log(JSON.stringify({ created: seeded.created, tenant: seeded.slug, knowledge: seeded.knowledge, seconds: (Date.now() - started) / 1000 }));
} finally {
  await db.close();
}
