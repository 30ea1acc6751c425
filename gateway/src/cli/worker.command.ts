import { bootCore } from '../runtime/boot.ts';
import { addEmbeddedMaintenance } from '../runtime/embedded-maintenance-service.ts';
import { addWorkflowEngine } from '../runtime/workflow-service.ts';
import type { Command } from './command.types.ts';

/**
 * `crm worker`: a process that runs automations and scheduled jobs without HTTP — the outbox
 * dispatcher feeding workflow triggers, cron schedules and the durable execution worker. Several
 * may run on one database; executions are leased with SKIP LOCKED and job slots claimed once.
 */
export const workerCommand: Command = {
  summary: 'Run the workflow worker (triggers, schedules, durable executions) until stopped',
  usage: 'crm worker',
  async run({ logger }) {
    const booted = await bootCore(logger, { server: true });
    const service = addWorkflowEngine(booted.runtime);
    addEmbeddedMaintenance(booted.runtime);
    await booted.runtime.start();
    const mail = booted.config.workflows.SMTP_URL ? 'SMTP' : 'local mailbox';
    let stopping = false;
    const stop = async (signal: string) => {
      if (stopping) return;
      stopping = true;
      logger.info({ signal }, 'stopping workflow worker');
      await booted.close();
      process.exit(0);
    };
    // before the line a supervisor waits for: a signal right after it must find the handler
    process.on('SIGINT', () => void stop('SIGINT'));
    process.on('SIGTERM', () => void stop('SIGTERM'));
    process.stdout.write(`Workflow worker ${service.worker()?.workerId} running (mail: ${mail}). Ctrl+C stops it.\n`);
    return undefined;
  },
};
