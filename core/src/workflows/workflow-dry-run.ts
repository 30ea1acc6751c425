import { z } from 'zod';
import { authorize } from '../auth/rbac.ts';
import type { Database } from '../db/database.ts';
import { parseOrThrow } from '../errors/zod-issues.ts';
import type { Actor } from '../users/user.schema.ts';
import { evaluateConditions, type ConditionContext } from './workflow-conditions.ts';
import { renderDeep, renderTemplate } from './workflow-template.ts';
import { validateDefinition } from './workflow-validation.ts';
import { contactContext } from './workflow.rows.ts';
import { STEP_CONFIGS, TRIGGER_EVENTS, type WorkflowDefinition, type WorkflowStep } from './workflow.schema.ts';

export const DryRunOptions = z
  .object({
    days: z.number().int().min(1, 'must be at least 1').max(365, 'must be at most 365').default(30),
    /** Most matching entries reported (all are counted). */
    limit: z.number().int().min(1).max(500).default(100),
  })
  .strict();

export interface PlannedEffect {
  stepId: string;
  type: WorkflowStep['type'];
  detail: Record<string, unknown>;
}

export interface DryRunEntry {
  eventId: string | null;
  eventType: string | null;
  at: string;
  contactId: string | null;
  contactName: string | null;
  path: string[];
  effects: PlannedEffect[];
}

export interface DryRunReport {
  triggerType: string;
  days: number;
  eventsScanned: number;
  entered: number;
  entries: DryRunEntry[];
  /** How many entries pass through each step. */
  stepCounts: Record<string, number>;
  emails: number;
  webhooks: number;
  note?: string;
}

/** Walk the definition for one context without acting: step conditions, rule-fallback decisions, planned effects. */
export function simulate(def: WorkflowDefinition, ctx: ConditionContext): { path: string[]; effects: PlannedEffect[] } {
  const byId = new Map(def.steps.map((s) => [s.id, s]));
  const path: string[] = [];
  const effects: PlannedEffect[] = [];
  const queue = [def.steps[0].id];
  // loops go through WAITs; a dry run follows each step at most twice
  while (queue.length && path.length < def.steps.length * 2) {
    const step = byId.get(queue.shift()!)!;
    path.push(step.id);
    if (!evaluateConditions(step.conditions, ctx)) {
      queue.push(...step.nextSteps);
      continue;
    }
    const detail = plannedDetail(step, ctx);
    if (step.type === 'AI_DECISION') {
      queue.push(detail.branch as string);
    } else {
      if (step.type !== 'WAIT') effects.push({ stepId: step.id, type: step.type, detail });
      queue.push(...step.nextSteps);
    }
  }
  return { path, effects };
}

function plannedDetail(step: WorkflowStep, ctx: ConditionContext): Record<string, unknown> {
  switch (step.type) {
    case 'SEND_EMAIL': {
      const c = STEP_CONFIGS.SEND_EMAIL.parse(step.config);
      return { to: renderTemplate(c.to, ctx), subject: renderTemplate(c.subject, ctx) };
    }
    case 'WEBHOOK_CALL': {
      const c = STEP_CONFIGS.WEBHOOK_CALL.parse(step.config);
      return { url: c.url, method: c.method, body: c.body ? renderDeep(c.body, ctx) : '(contact and event)' };
    }
    case 'CREATE_TASK': {
      const c = STEP_CONFIGS.CREATE_TASK.parse(step.config);
      return { title: renderTemplate(c.title, ctx), dueInHours: c.dueInHours };
    }
    case 'AI_DECISION': {
      const c = STEP_CONFIGS.AI_DECISION.parse(step.config);
      const rule = c.fallback.rules.find((r) => evaluateConditions(r.when, ctx));
      return { branch: rule?.goTo ?? c.fallback.default, decidedBy: 'rules (a live run may ask the model)' };
    }
    case 'WAIT':
      return { ...STEP_CONFIGS.WAIT.parse(step.config) };
    default:
      return { ...step.config };
  }
}

/**
 * Backtest a (draft) definition against the tenant's real events of the last N days: which
 * contacts would enter, the path each takes and which emails/webhooks/tasks would go out. Reads
 * only; nothing is queued or sent.
 */
export async function dryRunWorkflow(db: Database, actor: Actor, definition: unknown, options: z.input<typeof DryRunOptions> = {}): Promise<DryRunReport> {
  authorize(actor, 'workflows:read');
  const def = validateDefinition(definition);
  const o = parseOrThrow(DryRunOptions, options);
  const type = def.trigger.type;
  const report: DryRunReport = { triggerType: type, days: o.days, eventsScanned: 0, entered: 0, entries: [], stepCounts: {}, emails: 0, webhooks: 0 };
  const add = (entry: DryRunEntry) => {
    report.entered++;
    for (const s of entry.path) report.stepCounts[s] = (report.stepCounts[s] ?? 0) + 1;
    report.emails += entry.effects.filter((e) => e.type === 'SEND_EMAIL').length;
    report.webhooks += entry.effects.filter((e) => e.type === 'WEBHOOK_CALL').length;
    if (report.entries.length < o.limit) report.entries.push(entry);
  };
  const eventType = TRIGGER_EVENTS[type];
  await db.withTenant(actor.tenantId, async (em) => {
    await em.execute("SELECT set_config('transaction_read_only', 'on', true)");
    if (eventType) {
      const rows = await em.execute<Record<string, unknown>[]>(
        `SELECT e.id, e.type, e.payload, e.created_at, to_jsonb(c) AS contact FROM outbox_events e
         LEFT JOIN contacts c ON c.id = e.aggregate_id AND e.aggregate_type = 'contact'
         WHERE e.type = ? AND e.created_at > now() - make_interval(days => ?) ORDER BY e.seq`,
        [eventType, o.days],
      );
      report.eventsScanned = rows.length;
      for (const r of rows) {
        const payload = r.payload as Record<string, unknown>;
        const contact = contactContext((payload.contact as Record<string, unknown>) ?? (r.contact as Record<string, unknown> | null));
        const before = type === 'CONTACT_STATUS_CHANGED' ? { contact: { status: payload.from } } : type === 'LEAD_SCORE_CHANGED' ? { contact: { leadScore: payload.from } } : {};
        const ctx: ConditionContext = { contact, event: payload, variables: def.variables, input: {}, before };
        if (!evaluateConditions(def.trigger.conditions, ctx)) continue;
        add({ eventId: r.id as string, eventType: r.type as string, at: new Date(r.created_at as string).toISOString(), contactId: (contact?.id as string) ?? null, contactName: (contact?.fullName as string) ?? null, ...simulate(def, ctx) });
      }
    } else if (type === 'TIME_BASED') {
      const rows = await em.execute<Record<string, unknown>[]>('SELECT * FROM contacts ORDER BY created_at LIMIT 10000');
      report.eventsScanned = rows.length;
      report.note = 'TIME_BASED: the contacts that match the trigger conditions now, as one scheduled firing would see them';
      for (const r of rows) {
        const contact = contactContext(r);
        const ctx: ConditionContext = { contact, variables: def.variables, input: {} };
        if (!evaluateConditions(def.trigger.conditions, ctx)) continue;
        add({ eventId: null, eventType: null, at: new Date().toISOString(), contactId: contact!.id as string, contactName: contact!.fullName as string, ...simulate(def, ctx) });
      }
    } else {
      report.note = `${type} workflows start only when run (manually or by webhook); there are no past events to replay`;
    }
  });
  return report;
}
