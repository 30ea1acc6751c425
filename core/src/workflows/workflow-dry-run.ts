import { z } from 'zod';
import { authorize } from '../auth/rbac.ts';
import type { Database, EntityManager } from '../db/database.ts';
import { parseOrThrow } from '../errors/zod-issues.ts';
import type { Actor } from '../users/user.schema.ts';
import { evaluateConditions, type ConditionContext } from './workflow-conditions.ts';
import { renderDeep, renderTemplate } from './workflow-template.ts';
import { validateDefinition } from './workflow-validation.ts';
import { contactContext } from './workflow.rows.ts';
import { toInteraction } from '../interactions/interaction.mapper.ts';
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
  /** Set when the entry was rebuilt from a table row that has no outbox event (seeded history). */
  fromTable?: 'contacts' | 'interactions' | 'audit_log';
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
  /** Rows of the window with no outbox event of their own (history seeded or loaded without events), replayed as events. */
  rowsWithoutEvents: number;
  entered: number;
  entries: DryRunEntry[];
  /** How many entries pass through each step. */
  stepCounts: Record<string, number>;
  emails: number;
  webhooks: number;
  note?: string;
}

export { DryRunResult } from './workflow-dry-run.schema.ts';

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

interface SynthesizedRow {
  table: 'contacts' | 'interactions' | 'audit_log';
  at: string;
  contact: Record<string, unknown>;
  payload: Record<string, unknown>;
  /** The values the change replaced, for `changed_to` (unknown for a created contact or an interaction). */
  before?: ConditionContext['before'];
}

/**
 * The window's rows that never got the outbox event a live write would have written (the demo
 * seed writes contacts, interactions and the audit rows of its closed deals directly; so may a bulk
 * load), shaped as that event's payload: interactions, contacts by created_at, audited status
 * changes. A row that has its event is left to the event, so nothing is counted twice.
 */
async function rowsWithoutEvents(em: EntityManager, type: WorkflowDefinition['trigger']['type'], days: number): Promise<SynthesizedRow[]> {
  const iso = (v: unknown) => new Date(v as string).toISOString();
  if (type === 'INTERACTION_LOGGED') {
    const rows = await em.execute<{ interaction: Record<string, unknown>; contact: Record<string, unknown> }[]>(
      `WITH known AS (
         SELECT coalesce(e.payload->'interaction'->>'id', e.payload->>'interactionId') AS id FROM outbox_events e WHERE e.type = 'interaction.logged')
       SELECT to_jsonb(i) AS interaction, to_jsonb(c) AS contact FROM interactions i JOIN contacts c ON c.id = i.contact_id
       WHERE i.created_at > now() - make_interval(days => ?) AND i.id::text NOT IN (SELECT id FROM known WHERE id IS NOT NULL)
       ORDER BY i.created_at, i.id`,
      [days],
    );
    return rows.map((r) => {
      const interaction = toInteraction(r.interaction);
      return { table: 'interactions', at: interaction.createdAt.toISOString(), contact: r.contact, payload: { interaction } };
    });
  }
  if (type === 'CONTACT_CREATED') {
    const rows = await em.execute<{ contact: Record<string, unknown>; at: string }[]>(
      `SELECT to_jsonb(c) AS contact, c.created_at AS at FROM contacts c
       WHERE c.created_at > now() - make_interval(days => ?)
         AND NOT EXISTS (SELECT 1 FROM outbox_events e WHERE e.aggregate_type = 'contact' AND e.aggregate_id = c.id AND e.type = 'contact.created')
       ORDER BY c.created_at, c.id`,
      [days],
    );
    return rows.map((r) => ({ table: 'contacts', at: iso(r.at), contact: r.contact, payload: { contact: r.contact } }));
  }
  if (type === 'CONTACT_STATUS_CHANGED') {
    // a status change is audited with its before/after even where no event was written (the demo
    // seed audits each closed deal at its close); a live change writes both in one transaction
    const rows = await em.execute<{ contact: Record<string, unknown>; at: string; from: string | null; to: string | null }[]>(
      `SELECT to_jsonb(c) AS contact, a.created_at AS at, a.diff->'before'->>'status' AS "from", a.diff->'after'->>'status' AS "to"
       FROM audit_log a JOIN contacts c ON c.id = a.entity_id
       WHERE a.action = 'contact.status_changed' AND a.entity_type = 'contact' AND a.created_at > now() - make_interval(days => ?)
         AND NOT EXISTS (SELECT 1 FROM outbox_events e WHERE e.type = 'contact.status_changed' AND e.aggregate_type = 'contact' AND e.aggregate_id = a.entity_id
           AND e.payload->>'to' IS NOT DISTINCT FROM a.diff->'after'->>'status' AND abs(extract(epoch FROM e.created_at - a.created_at)) < 60)
       ORDER BY a.created_at, a.id`,
      [days],
    );
    return rows.map((r) => {
      // the contact as it was then, as far as the status goes
      const contact = { ...r.contact, status: r.to ?? r.contact.status };
      return { table: 'audit_log', at: iso(r.at), contact, payload: { from: r.from, to: r.to, reason: null, contact }, before: { contact: { status: r.from } } };
    });
  }
  return [];
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
  const report: DryRunReport = { triggerType: type, days: o.days, eventsScanned: 0, rowsWithoutEvents: 0, entered: 0, entries: [], stepCounts: {}, emails: 0, webhooks: 0 };
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
      const synthesized = await rowsWithoutEvents(em, type, o.days);
      report.rowsWithoutEvents = synthesized.length;
      for (const r of synthesized) {
        const contact = contactContext(r.contact);
        const ctx: ConditionContext = { contact, event: r.payload, variables: def.variables, input: {}, before: r.before ?? {} };
        if (!evaluateConditions(def.trigger.conditions, ctx)) continue;
        add({ eventId: null, eventType: eventType, fromTable: r.table, at: r.at, contactId: (contact?.id as string) ?? null, contactName: (contact?.fullName as string) ?? null, ...simulate(def, ctx) });
      }
      if (report.rowsWithoutEvents > 0) {
        report.note = `${report.rowsWithoutEvents} row(s) of the window have no ${eventType} event (history seeded or loaded without events); they were replayed as if they had one`;
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
