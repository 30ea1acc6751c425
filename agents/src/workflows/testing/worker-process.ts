// A real workflow worker process for crash tests and the benchmark: `node --import tsx worker-process.ts <json>`.
// It runs until killed; a test SIGKILLs it mid-execution and starts another one on the same database.
import { createCrmCore, createLogger, createMailboxTransport, openDatabase, silentLogger, type Actor } from '@crm/core';
import { createWorkflowCheckpointer } from '../checkpointer.ts';
import { createWorkflowWorker } from '../workflow.worker.ts';
import { inProcessMcp } from '../in-process-mcp.ts';

const args = JSON.parse(process.argv[2]) as { url: string; actor: Actor; leaseMs?: number; concurrency?: number; waitTimers?: 'pg-boss' | 'claim-loop' };
// CRM_TEST_WORKER_LOG=warn (or another level) shows the worker's log on stderr when a crash test misbehaves
const logger = process.env.CRM_TEST_WORKER_LOG ? createLogger({ level: process.env.CRM_TEST_WORKER_LOG, destination: process.stderr }) : silentLogger();
const db = await openDatabase({ config: { url: args.url, dataDir: 'unused', pglitePort: 0, poolMax: 8 }, logger, migrate: false });
const core = createCrmCore({ db, logger, knowledge: { indexInteractions: false } });
const checkpointer = await createWorkflowCheckpointer(db.url, { kind: db.kind });
const worker = createWorkflowWorker({
  db,
  logger,
  checkpointer: checkpointer.saver,
  mail: createMailboxTransport(db),
  mailFrom: 'CRM <automations@crm.test>',
  mcp: inProcessMcp(core),
  webhook: { allowHosts: ['127.0.0.1'] },
  effectActor: () => args.actor,
  leaseMs: args.leaseMs ?? 1500,
  pollMs: 50,
  concurrency: args.concurrency ?? 4,
  waitTimers: args.waitTimers,
});
await worker.start();
process.stdout.write('ready\n');
process.on('SIGTERM', () => {
  void worker
    .stop()
    .then(() => checkpointer.close())
    .then(() => db.close())
    .finally(() => process.exit(0));
});
