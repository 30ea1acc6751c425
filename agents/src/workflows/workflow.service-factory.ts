import {
  createMailboxTransport,
  createSmtpTransport,
  createWorkflowTriggers,
  type Actor,
  type ClaimedExecution,
  type CrmCore,
  type ModelProvider,
  type WorkflowsEnv,
} from '@crm/core';
import { createWorkflowCheckpointer, type WorkflowCheckpointer } from './checkpointer.ts';
import type { McpClientFactory } from './step-effects.ts';
import { createWorkflowWorker, type WorkflowWorker } from './workflow.worker.ts';

export interface Service {
  name: string;
  start(): Promise<void>;
  stop(): Promise<void>;
}

export interface WorkflowRuntimeDeps {
  core: CrmCore;
  config: WorkflowsEnv;
  /** The runtime's in-process MCP client factory (crm-data tools as the given actor). */
  mcp: McpClientFactory;
  model?: ModelProvider;
  /** The tenant's system actor on behalf of the owner, once the runtime has it; default the owner. */
  effectActor?: (e: ClaimedExecution) => Actor | Promise<Actor>;
  /** Subscribe the event triggers to `core.outbox` (default true; a process without a dispatcher says false). */
  triggers?: boolean;
}

/**
 * The workflow engine as one runtime service: event triggers on the outbox dispatcher, cron
 * schedules, and a worker running executions (SMTP when SMTP_URL is set, else the local mailbox).
 * `crm start` runs it in-process; `crm worker` runs only this (plus the outbox dispatcher).
 */
export function createWorkflowRuntimeService(deps: WorkflowRuntimeDeps): Service & { worker(): WorkflowWorker | undefined } {
  const { core, config } = deps;
  const logger = core.logger.child({ component: 'workflows' });
  const triggers = createWorkflowTriggers(core.db, logger, { secrets: core.webhookSecrets });
  const smtp = config.SMTP_URL ? createSmtpTransport(config.SMTP_URL) : undefined;
  let checkpointer: WorkflowCheckpointer | undefined;
  let worker: WorkflowWorker | undefined;
  let unsubscribe: (() => void) | undefined;
  return {
    name: 'workflow-engine',
    worker: () => worker,
    async start() {
      checkpointer = await createWorkflowCheckpointer(core.db.url, { kind: core.db.kind, preparedStatements: config.WORKFLOW_PREPARED_STATEMENTS !== 'off', logger });
      worker = createWorkflowWorker({
        db: core.db,
        approvals: core.approvals,
        logger,
        checkpointer: checkpointer.saver,
        mail: smtp ?? createMailboxTransport(core.db),
        mailFrom: config.MAIL_FROM,
        mcp: deps.mcp,
        model: deps.model,
        webhook: { secret: config.WORKFLOW_WEBHOOK_SECRET, allowHosts: config.WORKFLOW_WEBHOOK_ALLOW_HOSTS },
        concurrency: config.WORKFLOW_WORKER_CONCURRENCY,
        leaseMs: config.WORKFLOW_LEASE_MS,
        pollMs: config.WORKFLOW_POLL_MS,
        waitTimers: config.WORKFLOW_WAIT_TIMERS,
        triggers,
        effectActor: deps.effectActor,
      });
      if (deps.triggers !== false) unsubscribe = triggers.subscribe(core.outbox);
      await worker.start();
      logger.info({ workerId: worker.workerId, mail: smtp ? 'smtp' : 'mailbox', waitTimers: config.WORKFLOW_WAIT_TIMERS }, 'workflow engine started');
    },
    async stop() {
      unsubscribe?.();
      await worker?.stop();
      await checkpointer?.close();
      smtp?.close();
    },
  };
}
