import { END, START, StateGraph, interrupt, type BaseCheckpointSaver, type LangGraphRunnableConfig } from '@langchain/langgraph';
import { STEP_CONFIGS, isAppError, renderDeep, type Actor, type ClaimedExecution, type ConditionContext, type WorkflowDefinition, type WorkflowStep } from '@crm/core';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { STEP_RUNNERS, stepApplies, type StepEffectsDeps, type StepRun } from './step-effects.ts';
import { WorkflowState, visitKey, type WorkflowStateType, type WorkflowStateUpdate } from './workflow.state.ts';

/** Per-run values handed to the nodes through `configurable` (not checkpointed). */
export interface RunContext {
  execution: ClaimedExecution;
  actor: Actor;
  client(): Promise<Client>;
}

/** A step failed for good (its error strategy says fail): the execution fails, naming it. */
export class StepFailedError extends Error {
  constructor(
    readonly stepId: string,
    message: string,
  ) {
    super(`step "${stepId}" failed: ${message}`);
    this.name = 'StepFailedError';
  }
}

export const stepNode = (id: string) => `s_${id}`;
const gateNode = (id: string) => `w_${id}`;

function lastVisitKey(state: WorkflowStateType, id: string): string {
  const n = state.path.filter((p) => p === id).length;
  return n <= 1 ? id : `${id}#${n}`;
}

function waitMs(step: WorkflowStep): number {
  const c = STEP_CONFIGS.WAIT.parse(step.config);
  return ((c.seconds ?? 0) + (c.minutes ?? 0) * 60 + (c.hours ?? 0) * 3600 + (c.days ?? 0) * 86_400) * 1000;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function runContext(config: LangGraphRunnableConfig): RunContext {
  return (config.configurable as { run: RunContext }).run;
}

async function contextFor(deps: StepEffectsDeps, run: RunContext, state: WorkflowStateType): Promise<ConditionContext> {
  const e = run.execution;
  return {
    contact: await deps.store.loadContact(e.tenantId, e.contactId),
    event: e.event,
    variables: e.definition.variables,
    input: e.input,
    steps: state.outputs as Record<string, unknown>,
  };
}

function makeStepNode(step: WorkflowStep, deps: StepEffectsDeps) {
  return async (state: WorkflowStateType, config: LangGraphRunnableConfig): Promise<WorkflowStateUpdate> => {
    const run = runContext(config);
    const e = run.execution;
    const key = visitKey(state, step.id);
    const idempotencyKey = `${e.id}:${key}`;
    const base = { path: [step.id] };
    if (e.runs > 1) {
      // completed by hand after it failed (its attempt is recorded): take it as done and go on
      const manual = await deps.store.manualCompletion(e.tenantId, idempotencyKey);
      if (manual) {
        const next = step.type === 'AI_DECISION' && typeof manual.stepId === 'string' ? [manual.stepId] : step.nextSteps;
        return { ...base, routes: { [key]: next }, outputs: { [step.id]: manual } };
      }
    }
    const ctx = await contextFor(deps, run, state);
    const record = (attempt: number, status: 'succeeded' | 'failed' | 'skipped', startedAt: Date, output?: unknown, error?: string, effect?: StepRun['effect']) =>
      deps.store.recordAttempt({ tenantId: e.tenantId, executionId: e.id, stepId: key, attempt, status, input: step.config, output, error, startedAt }, effect);

    if (!stepApplies(step, ctx)) {
      await record(1, 'skipped', new Date(), { reason: 'conditions not met' });
      return { ...base, routes: { [key]: step.nextSteps }, outputs: { [step.id]: { skipped: true } } };
    }
    if ((step.config as { requiresApproval?: unknown }).requiresApproval === true) {
      const refused = await awaitApproval(deps, run, step, idempotencyKey, ctx);
      if (refused) {
        // a rejection the workflow is told to skip is a decision, not a failure: shown as skipped
        // with its reason wherever executions are listed (QA round 5 saw it as `failed`)
        const policy = step.onError;
        const skips = (policy.strategy === 'retry' ? policy.then : policy.strategy) === 'skip';
        await record(1, skips ? 'skipped' : 'failed', new Date(), skips ? { reason: refused } : undefined, refused);
        return handleFailure(step, refused, base, key);
      }
    }
    if (step.type === 'WAIT') {
      const until = new Date(Date.now() + waitMs(step)).toISOString();
      await record(1, 'succeeded', new Date(), { until });
      return { ...base, routes: { [key]: step.nextSteps }, timers: { [key]: until }, outputs: { [step.id]: { until } } };
    }
    const policy = step.onError;
    const maxAttempts = policy.strategy === 'retry' ? 1 + policy.maxRetries : 1;
    for (let attempt = 1; ; attempt++) {
      const startedAt = new Date();
      const stepRun: StepRun = { exec: e, step, key: idempotencyKey, ctx, actor: run.actor, client: run.client };
      try {
        const result = await STEP_RUNNERS[step.type](deps, stepRun);
        await record(attempt, 'succeeded', startedAt, result.output, undefined, stepRun.effect);
        return { ...base, routes: { [key]: result.next ?? step.nextSteps }, outputs: { [step.id]: result.output } };
      } catch (err) {
        const message = (err as Error).message;
        await record(attempt, 'failed', startedAt, undefined, message, stepRun.effect);
        if (attempt < maxAttempts && retryable(err)) {
          // exponential backoff: backoffMs, 2×, 4×
          await sleep(policy.backoffMs * 2 ** (attempt - 1));
          continue;
        }
        return handleFailure(step, message, base, key);
      }
    }
  };
}

/**
 * A step refused by the platform itself — a blocked webhook address, no contact to act on, an empty
 * recipient — fails the same way on every attempt: retrying only delayed onError by the backoffs.
 * Failures from the outside (a receiver's 500, a tool call, the network) are still retried.
 */
function retryable(err: unknown): boolean {
  return !(isAppError(err) && (err.code === 'VALIDATION_FAILED' || err.code === 'PERMISSION_DENIED' || err.code === 'NOT_FOUND'));
}

/** A step failed for good: its onError says skip (go on), goto (jump) or fail (the execution fails). */
function handleFailure(step: WorkflowStep, message: string, base: { path: string[] }, key: string): WorkflowStateUpdate {
  const policy = step.onError;
  const then = policy.strategy === 'retry' ? policy.then : policy.strategy;
  const output = { error: message, handledBy: then };
  if (then === 'skip') return { ...base, routes: { [key]: step.nextSteps }, outputs: { [step.id]: output } };
  if (then === 'goto' && policy.gotoStep) return { ...base, routes: { [key]: [policy.gotoStep] }, outputs: { [step.id]: output } };
  throw new StepFailedError(step.id, message);
}

/**
 * A `requiresApproval` step files one request per visit (idempotent, so a resumed run files
 * nothing new) and parks the run with an interrupt until it is decided; the worker resumes it
 * then. Returns why the step may not act (rejected or expired), or undefined when approved.
 */
async function awaitApproval(deps: StepEffectsDeps, run: RunContext, step: WorkflowStep, visitKey: string, ctx: ConditionContext): Promise<string | undefined> {
  const e = run.execution;
  const approval = await deps.approvals.request(run.actor, {
    kind: 'workflow_step',
    action: { workflowId: e.workflowId, executionId: e.id, stepId: step.id, stepType: step.type, config: step.config },
    summary: approvalSummary(e, step, ctx),
    risk: step.type === 'SEND_EMAIL' || step.type === 'WEBHOOK_CALL' ? 'high' : 'medium',
    subject: { type: 'workflow_execution', id: e.id },
    idempotencyKey: `workflow:${visitKey}`,
  });
  let decided = { status: approval.status, reason: approval.reason };
  if (decided.status === 'pending') {
    interrupt({ approvalId: approval.id, stepId: step.id });
    decided = await deps.store.approvalStatus(e.tenantId, approval.id);
  }
  if (decided.status === 'approved') return undefined;
  return `approval ${approval.id} was ${decided.status}${decided.reason ? `: ${decided.reason}` : ''}`;
}

const oneLine = (text: string, max: number) => {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
};

/**
 * What the approver decides on, rendered for this execution: the contact by name and, for an
 * email, its recipient, subject and the start of its body (QA round 5: the summary named a contact
 * id and the queue held only the unrendered templates).
 */
function approvalSummary(e: ClaimedExecution, step: WorkflowStep, ctx: ConditionContext): string {
  const head = `Workflow "${e.definition.name}" (v${e.version}) wants to run step "${step.name}" (${step.type})`;
  const c = ctx.contact as { firstName?: string; lastName?: string; email?: string } | null | undefined;
  const who = c ? ` for ${`${c.firstName ?? ''} ${c.lastName ?? ''}`.trim()}${c.email ? ` <${c.email}>` : ''}` : e.contactId ? ` for contact ${e.contactId}` : '';
  let what = '';
  try {
    const r = renderDeep(step.config, ctx) as Record<string, unknown>;
    if (step.type === 'SEND_EMAIL') {
      const to = typeof r.to === 'string' ? r.to : c?.email ?? '';
      what = `: email to ${to || '(no address)'}, subject "${oneLine(String(r.subject ?? ''), 200)}", body "${oneLine(String(r.body ?? ''), 600)}"`;
    } else if (step.type === 'WEBHOOK_CALL') what = `: ${String(r.method ?? 'POST')} ${String(r.url)}`;
    else if (step.type === 'CREATE_TASK') what = `: task "${oneLine(String(r.title ?? ''), 200)}"`;
    else if (step.type === 'UPDATE_CONTACT') what = `: ${oneLine(JSON.stringify(Object.fromEntries(Object.entries(r).filter(([k]) => k !== 'requiresApproval'))), 400)}`;
  } catch {
    // a preview is a courtesy: the request still names the workflow, step and contact
  }
  return `${head}${who}${what}`.slice(0, 2000);
}

/** The WAIT gate: parks the run (a LangGraph interrupt) until the deadline its step wrote. */
function makeGateNode(step: WorkflowStep) {
  return async (state: WorkflowStateType): Promise<WorkflowStateUpdate> => {
    const until = state.timers[lastVisitKey(state, step.id)];
    if (until && Date.parse(until) > Date.now()) interrupt({ waitUntil: until, stepId: step.id });
    return {};
  };
}

interface LooseGraph {
  addNode(name: string, fn: (s: WorkflowStateType, c: LangGraphRunnableConfig) => Promise<WorkflowStateUpdate>): LooseGraph;
  addEdge(from: string, to: string): LooseGraph;
  addConditionalEdges(from: string, route: (s: WorkflowStateType) => string[], ends: string[]): LooseGraph;
  compile(options: { checkpointer: BaseCheckpointSaver; name?: string }): CompiledWorkflow;
}

export interface CompiledWorkflow {
  invoke(input: unknown, config: LangGraphRunnableConfig): Promise<WorkflowStateType>;
  getState(config: LangGraphRunnableConfig): Promise<{ values: WorkflowStateType; next: string[]; tasks: { interrupts: { value?: unknown }[] }[] }>;
}

/**
 * One workflow version as a LangGraph StateGraph: a node per step (plus a gate per WAIT), edges
 * routed by what each step decided (its nextSteps, an AI branch, an error goto). Compiled with
 * the Postgres checkpointer, so the thread (= execution id) resumes after any crash.
 */
export function compileWorkflow(def: WorkflowDefinition, deps: StepEffectsDeps, checkpointer: BaseCheckpointSaver, name = 'workflow'): CompiledWorkflow {
  const g = new StateGraph(WorkflowState) as unknown as LooseGraph;
  const allTargets = [...def.steps.map((s) => stepNode(s.id)), END];
  const route = (id: string) => (state: WorkflowStateType) => {
    const next = state.routes[lastVisitKey(state, id)] ?? [];
    return next.length ? next.map(stepNode) : [END];
  };
  for (const step of def.steps) {
    g.addNode(stepNode(step.id), makeStepNode(step, deps));
    if (step.type === 'WAIT') {
      g.addNode(gateNode(step.id), makeGateNode(step));
      g.addEdge(stepNode(step.id), gateNode(step.id));
      g.addConditionalEdges(gateNode(step.id), route(step.id), allTargets);
    } else {
      g.addConditionalEdges(stepNode(step.id), route(step.id), allTargets);
    }
  }
  g.addEdge(START, stepNode(def.steps[0].id));
  return g.compile({ checkpointer, name });
}
