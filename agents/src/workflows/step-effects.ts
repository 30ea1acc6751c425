import {
  AppError,
  STEP_CONFIGS,
  assertPublicUrl,
  evaluateConditions,
  messageIdFor,
  renderDeep,
  renderTemplate,
  signedHeaders,
  type Actor,
  type ApprovalService,
  type ClaimedExecution,
  type ConditionContext,
  type ExecutionStore,
  type MailTransport,
  type ModelProvider,
  type StepConfigOf,
  type StepEffect,
  type StepType,
  type WorkflowStep,
} from '@crm/core';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { decideBranch } from './ai-decision.ts';

/** Builds an MCP client acting as the given actor (the runtime's in-process factory). */
import { callToolData } from '../tools/call-tool.ts';
import type { McpClientFactory } from '../tools/mcp-client-factory.ts';

export type { McpClientFactory };

export interface StepEffectsDeps {
  store: ExecutionStore;
  /** The approval queue, for steps with `requiresApproval`. */
  approvals: ApprovalService;
  mail: MailTransport;
  mailFrom: string;
  mcp: McpClientFactory;
  webhook: { secret?: string; allowHosts: readonly string[] };
  /** The model provider for AI_DECISION; absent or `local` ⇒ the step's rule fallback. */
  model?: ModelProvider;
}

export interface StepRun {
  exec: ClaimedExecution;
  step: WorkflowStep;
  /** Idempotency key of this visit: execution id + step id (+ loop visit). */
  key: string;
  ctx: ConditionContext;
  actor: Actor;
  client(): Promise<Client>;
  /** Set by `once` when this run performed the effect: the step closes its ledger entry with the attempt record. */
  effect?: StepEffect;
  /** Set by an effect that is a database write (the mailbox): committed with the ledger entry by `once`'s caller. */
  effectStatements?: StepEffect['statements'];
}

export interface StepResult {
  output: unknown;
  /** Overrides the step's nextSteps (AI_DECISION picks one branch). */
  next?: string[];
}

const marker = (key: string) => `[workflow-effect:${key}]`;

/**
 * One effect per idempotency key: a finished effect returns its recorded result; an effect that
 * was started but not recorded (the worker died mid-call) is first looked for by `recover`, and
 * only redone when it cannot be found (SMTP and webhooks then carry the same key for the receiver).
 * The ledger entry is closed together with the step's attempt record (one round trip, see
 * `run.effect`); until then it stays 'started', which a resumed run treats as above.
 */
async function once(deps: StepEffectsDeps, run: StepRun, act: () => Promise<unknown>, recover?: () => Promise<unknown>): Promise<unknown> {
  const { exec, step, key } = run;
  const state = await deps.store.beginEffect(key, { tenantId: exec.tenantId, executionId: exec.id, stepId: step.id, kind: step.type });
  if (state.state === 'done') return state.result;
  let result = state.state === 'started' && recover ? await recover() : undefined;
  if (result === undefined) result = await act();
  run.effect = { key, result, ...(run.effectStatements ? { statements: run.effectStatements } : {}) };
  return result;
}

function contactId(run: StepRun): string {
  const id = run.ctx.contact?.id;
  if (typeof id !== 'string') throw new AppError('VALIDATION_FAILED', `step "${run.step.id}": ${run.step.type} needs a contact, and this execution has none`);
  return id;
}

type Runner = (deps: StepEffectsDeps, run: StepRun) => Promise<StepResult>;
const cfg = <T extends StepType>(run: StepRun, type: T) => STEP_CONFIGS[type].parse(run.step.config) as StepConfigOf<T>;

export const STEP_RUNNERS: Record<Exclude<StepType, 'WAIT'>, Runner> = {
  async SEND_EMAIL(deps, run) {
    const c = cfg(run, 'SEND_EMAIL');
    const mail = { to: renderTemplate(c.to, run.ctx).trim(), subject: renderTemplate(c.subject, run.ctx), body: renderTemplate(c.body, run.ctx) };
    if (!mail.to) throw new AppError('VALIDATION_FAILED', `step "${run.step.id}": the recipient rendered empty`);
    const output = await once(deps, run, async () => {
      const outgoing = { ...mail, tenantId: run.exec.tenantId, idempotencyKey: run.key, from: deps.mailFrom, workflowId: run.exec.workflowId, executionId: run.exec.id };
      if (deps.mail.sendStatement) {
        // the local mailbox: the message row commits with the step's ledger entry and attempt
        run.effectStatements = [deps.mail.sendStatement(outgoing)];
        return { to: mail.to, subject: mail.subject, messageId: messageIdFor(run.key), transport: deps.mail.kind };
      }
      const sent = await deps.mail.send(outgoing);
      return { to: mail.to, subject: mail.subject, messageId: sent.messageId, transport: deps.mail.kind };
    });
    return { output };
  },

  async CREATE_TASK(_deps, run) {
    const c = cfg(run, 'CREATE_TASK');
    const id = contactId(run);
    const client = await run.client();
    const title = renderTemplate(c.title, run.ctx);
    const notes = [c.notes ? renderTemplate(c.notes, run.ctx) : '', marker(run.key)].filter(Boolean).join('\n\n');
    const output = await once(
      _deps,
      run,
      async () => {
        const f = await callToolData<{ id: string }>(client, 'create_follow_up', {
          contactId: id,
          title,
          notes,
          dueAt: new Date(Date.now() + c.dueInHours * 3_600_000).toISOString(),
          ...(c.ownerId ? { ownerId: c.ownerId } : {}),
        });
        return { followUpId: f.id, title };
      },
      async () => {
        const { followUps } = await callToolData<{ followUps: { id: string; notes: string | null }[] }>(client, 'list_follow_ups', { contactId: id, scope: 'all', limit: 100 });
        const found = followUps.find((f) => f.notes?.includes(marker(run.key)));
        return found ? { followUpId: found.id, title, recovered: true } : undefined;
      },
    );
    return { output };
  },

  async UPDATE_CONTACT(deps, run) {
    const c = cfg(run, 'UPDATE_CONTACT');
    const id = contactId(run);
    const client = await run.client();
    // setting fields to given values is idempotent by nature; the ledger still records it once
    const output = await once(deps, run, async () => {
      const fields = renderDeep({ company: c.company, position: c.position, customFields: c.customFields }, run.ctx) as Record<string, unknown>;
      const changes = Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined));
      if (Object.keys(changes).length) await callToolData(client, 'update_contact', { id, ...changes });
      if (c.status) await callToolData(client, 'change_contact_status', { id, status: c.status, reason: `workflow ${run.exec.workflowId} step ${run.step.id}` });
      return { contactId: id, changed: [...Object.keys(changes), ...(c.status ? ['status'] : [])] };
    });
    return { output };
  },

  async ASSIGN_USER(deps, run) {
    const c = cfg(run, 'ASSIGN_USER');
    const id = contactId(run);
    // round-robin that is stable per contact: a replayed step picks the same user
    const pick = c.userIds[[...id].reduce((h, ch) => (h * 31 + ch.charCodeAt(0)) >>> 0, 7) % c.userIds.length];
    const client = await run.client();
    const output = await once(deps, run, async () => {
      await callToolData(client, 'update_contact', { id, assignedTo: pick });
      return { contactId: id, assignedTo: pick };
    });
    return { output };
  },

  async WEBHOOK_CALL(deps, run) {
    const c = cfg(run, 'WEBHOOK_CALL');
    const url = await assertPublicUrl(c.url, deps.webhook.allowHosts);
    const body = JSON.stringify(c.body ? renderDeep(c.body, run.ctx) : { event: run.ctx.event ?? null, contact: run.ctx.contact ?? null, input: run.ctx.input ?? {} });
    const output = await once(deps, run, async () => {
      const headers: Record<string, string> = { 'content-type': 'application/json', 'idempotency-key': run.key, ...(deps.webhook.secret ? signedHeaders(deps.webhook.secret, body) : {}) };
      const res = await fetch(url, { method: c.method, headers, body, signal: AbortSignal.timeout(c.timeoutMs), redirect: 'manual' });
      if (res.status >= 300) throw new Error(`webhook answered HTTP ${res.status}`);
      return { status: res.status, url: url.toString() };
    });
    return { output };
  },

  async AI_DECISION(deps, run) {
    const c = cfg(run, 'AI_DECISION');
    const decision = await once(deps, run, () => decideBranch(deps.model, c, run.ctx, run.exec.tenantId));
    const d = decision as { stepId: string };
    return { output: decision, next: [d.stepId] };
  },
};

/** Whether a step's own conditions let it run (a step whose conditions fail is skipped, not failed). */
export function stepApplies(step: WorkflowStep, ctx: ConditionContext): boolean {
  return evaluateConditions(step.conditions, ctx);
}
