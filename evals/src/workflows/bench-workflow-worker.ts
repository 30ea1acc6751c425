// One workflow worker process for bench-workflows.ts --workers N: `node --import tsx bench-workflow-worker.ts <json>`.
// It connects, prints "ready", runs due executions when a line "go" arrives on stdin (several such
// processes on one database compete for them with SKIP LOCKED, as `crm worker` replicas do), prints
// one JSON line with what it did and its own CPU, and exits when a line "exit" arrives (the bench
// reads PostgreSQL's per-backend CPU in between, while this process's connections are still open).
import { createInterface } from 'node:readline';
import { createCrmCore, openDatabase, silentLogger, type Actor } from '@crm/core';
import { createWorkflowCheckpointer } from '@crm/agents';
import { startCpuProfile } from './bench-cpu-profile.ts';
import { benchWorker, countPgStatements } from './bench-worker.ts';

const args = JSON.parse(process.argv[2]) as { url: string; actor: Actor; concurrency: number; cpuProfile?: string };

const statements = countPgStatements();

const logger = silentLogger();
const db = await openDatabase({ config: { url: args.url, dataDir: 'unused', pglitePort: 0, poolMax: 16 }, logger, migrate: false });
const core = createCrmCore({ db, logger, outbox: { pollMs: 60_000 }, knowledge: { indexInteractions: false } });
const checkpointer = await createWorkflowCheckpointer(db.url, { kind: db.kind, poolMax: 8 });
const worker = await benchWorker(core, checkpointer, args.actor, args.concurrency);
process.stdout.write('ready\n');
const input = createInterface({ input: process.stdin });
input.on('line', (line) => {
  const cmd = line.trim();
  if (cmd === 'go') {
    void (async () => {
      const profile = args.cpuProfile ? await startCpuProfile() : undefined;
      const cpu0 = process.cpuUsage();
      const s0 = statements();
      const runs = await worker.runDue();
      const cpu = process.cpuUsage(cpu0);
      await profile?.stop(args.cpuProfile!);
      process.stdout.write(`${JSON.stringify({ runs, cpuMs: (cpu.user + cpu.system) / 1000, statements: statements() - s0, pid: process.pid })}\n`);
    })();
  } else if (cmd === 'exit') {
    input.close();
    void worker
      .stop()
      .then(() => checkpointer.close())
      .then(() => db.close())
      .finally(() => process.exit(0));
  }
});
