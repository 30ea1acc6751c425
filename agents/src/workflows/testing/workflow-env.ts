import { createCrmCore, createMailboxTransport, createWorkflowTriggers, silentLogger, type CrmCore, type Database, type MailTransport } from '@crm/core';
import { createWorkflowCheckpointer, type WorkflowCheckpointer } from '../checkpointer.ts';
import { inProcessMcp } from '../in-process-mcp.ts';
import { createWorkflowWorker, type WorkflowWorker, type WorkflowWorkerDeps } from '../workflow.worker.ts';

export interface WorkflowEnv {
  core: CrmCore;
  checkpointer: WorkflowCheckpointer;
  worker(overrides?: Partial<WorkflowWorkerDeps>): WorkflowWorker;
  close(): Promise<void>;
}

/** Core with workflow triggers on its outbox, a checkpointer, and workers with real effects. */
export async function openWorkflowEnv(db: Database, options: { mail?: MailTransport; allowHosts?: string[]; secret?: string } = {}): Promise<WorkflowEnv> {
  const logger = silentLogger();
  const core = createCrmCore({ db, logger, knowledge: { indexInteractions: false }, workflowWebhookAllowHosts: options.allowHosts ?? ['127.0.0.1'] });
  createWorkflowTriggers(db, logger).subscribe(core.outbox);
  const checkpointer = await createWorkflowCheckpointer(db.url, { kind: db.kind });
  const workers: WorkflowWorker[] = [];
  return {
    core,
    checkpointer,
    worker(overrides = {}) {
      const w = createWorkflowWorker({
        db,
        logger,
        checkpointer: checkpointer.saver,
        mail: options.mail ?? createMailboxTransport(db),
        mailFrom: 'CRM <automations@crm.test>',
        mcp: inProcessMcp(core),
        webhook: { secret: options.secret, allowHosts: options.allowHosts ?? ['127.0.0.1'] },
        leaseMs: 5000,
        ...overrides,
      });
      workers.push(w);
      return w;
    },
    async close() {
      await Promise.all(workers.map((w) => w.stop()));
      await core.outbox.stop();
      await checkpointer.close();
    },
  };
}
