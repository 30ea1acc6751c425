// One real workflow worker process for bench-crash-trials.ts: `node --import tsx crash-trial-worker.ts <json>`.
// It connects, prints "standby", and starts claiming only when a line "go" arrives on stdin, so the
// bench can have the next process warm while the current one is killed (a standby has run nothing:
// starting it after the kill is a restart). It runs until SIGKILLed (the trial) or SIGTERMed (the end).
import { createInterface } from 'node:readline';
import { createCrmCore, createSmtpTransport, openDatabase, silentLogger, type Actor } from '@crm/core';
import { createWorkflowCheckpointer, createWorkflowWorker, inProcessMcp } from '@crm/agents';

const args = JSON.parse(process.argv[2]) as { url: string; smtpUrl: string; actor: Actor; leaseMs: number; concurrency: number };
const logger = silentLogger();
const db = await openDatabase({ config: { url: args.url, dataDir: 'unused', pglitePort: 0, poolMax: 8 }, logger, migrate: false });
const core = createCrmCore({ db, logger, knowledge: { indexInteractions: false } });
const checkpointer = await createWorkflowCheckpointer(db.url, { kind: db.kind });
const smtp = createSmtpTransport(args.smtpUrl);
const worker = createWorkflowWorker({
  db,
  logger,
  checkpointer: checkpointer.saver,
  mail: smtp,
  mailFrom: 'CRM <automations@crm.test>',
  mcp: inProcessMcp(core),
  webhook: { allowHosts: ['127.0.0.1'] },
  effectActor: () => args.actor,
  leaseMs: args.leaseMs,
  pollMs: 100,
  concurrency: args.concurrency,
});
process.stdout.write('standby\n');
const input = createInterface({ input: process.stdin });
input.on('line', (line) => {
  if (line.trim() !== 'go') return;
  void worker.start().then(() => process.stdout.write('ready\n'));
});
process.on('SIGTERM', () => {
  input.close();
  void worker
    .stop()
    .then(() => smtp.close())
    .then(() => checkpointer.close())
    .then(() => db.close())
    .finally(() => process.exit(0));
});
