import { z } from 'zod';
import { envList as list } from '../config/env-types.ts';

/** Environment variables of the workflow engine; the lead merges this into the one config schema. */
export const WorkflowsEnv = z.object({
  SMTP_URL: z
    .string()
    .optional()
    .describe('SMTP server for SEND_EMAIL steps; unset ⇒ mail goes to the local mailbox table. Example: smtp://user:pass@smtp.example.com:587'),
  MAIL_FROM: z.string().default('CRM Automations <automations@crm.local>').describe('From address of workflow emails; example: "Acme <hello@acme.io>"'),
  WORKFLOW_WEBHOOK_SECRET: z
    .string()
    .min(16)
    .optional()
    .describe(
      'HMAC-SHA256 key signing outbound WEBHOOK_CALL requests; inbound webhooks use each workflow\'s own secret and fall back to this one only for WEBHOOK workflows created before per-workflow secrets; example: 32+ random characters',
    ),
  WORKFLOW_SECRETS_KEY: z
    .string()
    .regex(/^(?:[0-9a-fA-F]{64}|[A-Za-z0-9+/]{43}=)$/, 'must be 32 bytes as 64 hex characters or base64 (openssl rand -hex 32)')
    .optional()
    .describe('Encrypts per-workflow inbound webhook secrets at rest (AES-256-GCM); unset ⇒ they are stored unencrypted. Example: output of openssl rand -hex 32'),
  WORKFLOW_WEBHOOK_ALLOW_HOSTS: list.describe(
    'Hosts WEBHOOK_CALL may reach even though they resolve to loopback/private/link-local addresses; example: localhost,hooks.internal',
  ),
  WORKFLOW_WORKER_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(4).describe('Executions one worker runs at once; example: 4'),
  WORKFLOW_LEASE_MS: z.coerce.number().int().min(1000).max(600_000).default(30_000).describe('Execution lease; a dead worker\'s runs resume after it; example: 30000'),
  WORKFLOW_POLL_MS: z.coerce.number().int().min(10).max(60_000).default(500).describe('How often an idle worker looks for due executions; example: 500'),
  WORKFLOW_WAIT_TIMERS: z
    .enum(['pg-boss', 'claim-loop'])
    .default('pg-boss')
    .describe(
      'Where WAIT steps keep their timers: pg-boss (a pg-boss 10 job per WAIT in the pgboss schema, sent in the transaction that parks the execution and fired by every worker every WORKFLOW_POLL_MS) or claim-loop (the execution row\'s wake_at, resumed by the workers\' claim loop). Example: claim-loop',
    ),
  WORKFLOW_PREPARED_STATEMENTS: z
    .enum(['on', 'off'])
    .default('on')
    .describe(
      'On the PostgreSQL server the workflow checkpointer sends its statements as named prepared statements (parsed once per connection, ~15% less database CPU per step). Set off behind a transaction-mode pooler that cannot keep them (PgBouncer before 1.21 in transaction mode). Example: off',
    ),
});
export type WorkflowsEnv = z.infer<typeof WorkflowsEnv>;
