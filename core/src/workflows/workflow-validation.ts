import { lazyModule } from '../lazy-module.ts';

const cronParser = lazyModule<typeof import('cron-parser')>('cron-parser');
import { Contact } from '../contacts/contact.schema.ts';
import { AppError, type FieldIssue } from '../errors/app-error.ts';
import { zodIssues } from '../errors/zod-issues.ts';
import { templatePaths } from './workflow-template.ts';
import { STEP_CONFIGS, WorkflowDefinition, type Condition, type WorkflowStep, type WorkflowDefinitionInput } from './workflow.schema.ts';

/** Contact fields plus the derived ones the engine computes (see contactContext). */
const CONTACT_FIELDS = new Set([...Object.keys(Contact.shape), 'daysSinceLastContact', 'daysSinceCreated', 'fullName']);
/** Roots whose children are open-ended (payloads and inputs have no fixed schema). */
const OPEN_ROOTS = new Set(['event', 'input']);

function isTimeZone(timeZone: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone });
    return true;
  } catch {
    return false;
  }
}

/** A config issue's reason led by its field ("body is required"), unless the reason already names it or concerns the whole config. */
function withField(issue: FieldIssue, configPath: string): string {
  const field = issue.path.slice(configPath.length + 1);
  if (!field || issue.reason.startsWith(field.split('.')[0])) return issue.reason;
  return /^(is|must|needs) /.test(issue.reason) ? `${field} ${issue.reason}` : `${field}: ${issue.reason}`;
}

/** The next cron firing after `from`, or a reason the expression is invalid. */
export function nextCronRun(cron: string, timezone: string, from: Date): Date {
  return cronParser().CronExpressionParser.parse(cron, { currentDate: from, tz: timezone }).next().toDate();
}

/** The latest slot of a cron in a time zone strictly before `from`. */
export function previousCronRun(cron: string, timezone: string, from: Date): Date {
  return cronParser().CronExpressionParser.parse(cron, { currentDate: from, tz: timezone }).prev().toDate();
}

function templateIssues(value: unknown, path: string, step: string, def: WorkflowDefinition, stepIds: Set<string>): FieldIssue[] {
  if (typeof value === 'string') {
    return templatePaths(value).flatMap((ref) => {
      const [root, key] = ref.split('.');
      const bad = (why: string) => [{ path, reason: `${step}template variable "{{${ref}}}" ${why}` }];
      if (!key) return bad('must name a field, e.g. {{contact.firstName}}');
      if (OPEN_ROOTS.has(root)) return [];
      if (root === 'contact') return CONTACT_FIELDS.has(key) ? [] : bad(`is unknown: contacts have ${[...CONTACT_FIELDS].join(', ')}`);
      if (root === 'variables') return key in def.variables ? [] : bad(`is unknown: declare "${key}" in variables`);
      if (root === 'steps') return stepIds.has(key) ? [] : bad(`refers to no step "${key}"`);
      return bad('is unknown: use contact., event., variables., input. or steps.');
    });
  }
  if (Array.isArray(value)) return value.flatMap((v, i) => templateIssues(v, `${path}.${i}`, step, def, stepIds));
  if (value && typeof value === 'object') {
    return Object.entries(value).flatMap(([k, v]) => templateIssues(v, `${path}.${k}`, step, def, stepIds));
  }
  return [];
}

/**
 * A condition whose value cannot match the way its operator compares (a text for `in`, nothing for
 * `eq`, an object for `gt`) would be saved and then never be true: the workflow silently never runs.
 */
function conditionIssues(c: Condition, path: string, who: string): FieldIssue[] {
  const v = c.value;
  const bad = (reason: string) => [{ path: `${path}.value`, reason: `${who}operator "${c.operator}" ${reason}` }];
  switch (c.operator) {
    case 'exists':
      return v === undefined || typeof v === 'boolean' ? [] : bad('takes true, false or no value');
    case 'in':
      return Array.isArray(v) && v.length ? [] : bad('needs a non-empty list of values, e.g. ["LEAD", "PROSPECT"]');
    case 'gt':
    case 'gte':
    case 'lt':
    case 'lte':
      return (typeof v === 'number' && Number.isFinite(v)) || (typeof v === 'string' && v.trim() !== '') ? [] : bad('needs a number or a date to compare with');
    case 'contains':
      return ['string', 'number', 'boolean'].includes(typeof v) ? [] : bad('needs a text, number or true/false to look for');
    case 'eq':
    case 'neq':
    case 'changed_to':
      return v === undefined ? bad('needs a value to compare with') : [];
  }
}

/** Targets a step can continue to: its next steps and its error handler's goto step. */
export function successors(step: WorkflowStep): string[] {
  return [...step.nextSteps, ...(step.onError.gotoStep ? [step.onError.gotoStep] : [])];
}

/** A cycle made only of non-WAIT steps would spin without end; returns one such cycle's step ids. */
function cycleWithoutWait(steps: WorkflowStep[]): string[] | null {
  const byId = new Map(steps.map((s) => [s.id, s]));
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (id: string): string[] | null => {
    const step = byId.get(id);
    if (!step || step.type === 'WAIT') return null;
    if (state.get(id) === 'done') return null;
    if (state.get(id) === 'open') return [...stack.slice(stack.indexOf(id)), id];
    state.set(id, 'open');
    stack.push(id);
    for (const next of successors(step)) {
      const found = visit(next);
      if (found) return found;
    }
    stack.pop();
    state.set(id, 'done');
    return null;
  };
  for (const s of steps) {
    const found = visit(s.id);
    if (found) return found;
  }
  return null;
}

/**
 * Everything wrong with a definition, each issue naming the step and field: the schema, every
 * step's config for its type, unknown next/goto/branch steps, steps unreachable from the first,
 * cycles without a WAIT, template variables that do not exist, and the trigger's schedule.
 */
export function definitionIssues(input: unknown): { issues: FieldIssue[]; definition?: WorkflowDefinition } {
  const parsed = WorkflowDefinition.safeParse(input);
  if (!parsed.success) return { issues: zodIssues(parsed.error) };
  const def = parsed.data;
  const issues: FieldIssue[] = [];
  const ids = new Set<string>();
  def.steps.forEach((s, i) => {
    if (ids.has(s.id)) issues.push({ path: `steps.${i}.id`, reason: `step id "${s.id}" is used twice` });
    ids.add(s.id);
  });

  if (def.trigger.type === 'TIME_BASED') {
    if (!def.trigger.schedule) issues.push({ path: 'trigger.schedule', reason: 'TIME_BASED triggers need a schedule (cron)' });
    else if (!isTimeZone(def.trigger.schedule.timezone)) {
      // cron-parser's own error for an unknown zone blamed the cron ("CronDate: unhandled timestamp")
      issues.push({ path: 'trigger.schedule.timezone', reason: `"${def.trigger.schedule.timezone}" is not an IANA time zone, e.g. "Europe/Berlin" or "UTC"` });
    } else {
      try {
        nextCronRun(def.trigger.schedule.cron, def.trigger.schedule.timezone, new Date());
      } catch (err) {
        issues.push({ path: 'trigger.schedule.cron', reason: `invalid cron expression: ${(err as Error).message}` });
      }
    }
  } else if (def.trigger.schedule) {
    issues.push({ path: 'trigger.schedule', reason: 'only TIME_BASED triggers have a schedule' });
  }

  def.steps.forEach((s, i) => {
    const at = `steps.${i}`;
    const who = `step "${s.id}": `;
    const config = STEP_CONFIGS[s.type].safeParse(s.config);
    if (!config.success) {
      for (const issue of zodIssues(config.error, `${at}.config`)) issues.push({ path: issue.path, reason: `${who}${s.type} ${withField(issue, `${at}.config`)}` });
    }
    s.nextSteps.forEach((n, j) => {
      if (!ids.has(n)) issues.push({ path: `${at}.nextSteps.${j}`, reason: `${who}next step "${n}" does not exist` });
    });
    if (s.onError.strategy === 'goto' || s.onError.then === 'goto') {
      if (!s.onError.gotoStep) issues.push({ path: `${at}.onError.gotoStep`, reason: `${who}a goto error strategy needs gotoStep` });
    }
    if (s.onError.gotoStep && !ids.has(s.onError.gotoStep)) {
      issues.push({ path: `${at}.onError.gotoStep`, reason: `${who}goto step "${s.onError.gotoStep}" does not exist` });
    }
    if (s.type === 'AI_DECISION' && config.success) {
      const c = config.data as { branches: { stepId: string }[]; fallback: { rules: { goTo: string }[]; default: string } };
      const targets = [
        ...c.branches.map((b, j) => [`${at}.config.branches.${j}.stepId`, b.stepId]),
        ...c.fallback.rules.map((r, j) => [`${at}.config.fallback.rules.${j}.goTo`, r.goTo]),
        [`${at}.config.fallback.default`, c.fallback.default],
      ];
      for (const [path, target] of targets) {
        if (!s.nextSteps.includes(target)) issues.push({ path, reason: `${who}branch "${target}" must be one of its nextSteps` });
      }
    }
    issues.push(...templateIssues(s.config, `${at}.config`, who, def, ids));
    (s.conditions ?? []).forEach((c, j) => {
      issues.push(...templateIssues(`{{${c.field}}}`, `${at}.conditions.${j}.field`, who, def, ids));
      issues.push(...conditionIssues(c, `${at}.conditions.${j}`, who));
    });
    if (s.type === 'AI_DECISION' && config.success) {
      const rules = (config.data as { fallback: { rules: { when: Condition[] }[] } }).fallback.rules;
      rules.forEach((r, j) => r.when.forEach((c, k) => issues.push(...conditionIssues(c, `${at}.config.fallback.rules.${j}.when.${k}`, who))));
    }
  });
  def.trigger.conditions.forEach((c, j) => {
    issues.push(...templateIssues(`{{${c.field}}}`, `trigger.conditions.${j}.field`, '', def, ids));
    issues.push(...conditionIssues(c, `trigger.conditions.${j}`, 'trigger condition: '));
  });

  if (!issues.length) {
    const byId = new Map(def.steps.map((s) => [s.id, s]));
    const seen = new Set<string>([def.steps[0].id]);
    const queue = [def.steps[0].id];
    while (queue.length) {
      for (const n of successors(byId.get(queue.shift()!)!)) {
        if (!seen.has(n)) {
          seen.add(n);
          queue.push(n);
        }
      }
    }
    def.steps.forEach((s, i) => {
      if (!seen.has(s.id)) issues.push({ path: `steps.${i}`, reason: `step "${s.id}" is unreachable from the first step "${def.steps[0].id}"` });
    });
    const cycle = cycleWithoutWait(def.steps);
    if (cycle) {
      const i = def.steps.findIndex((s) => s.id === cycle[0]);
      issues.push({ path: `steps.${i}.nextSteps`, reason: `steps ${cycle.join(' → ')} form a cycle with no WAIT step` });
    }
  }
  return issues.length ? { issues } : { issues, definition: def };
}

/** The validated definition, or VALIDATION_FAILED listing every issue. */
export function validateDefinition(input: WorkflowDefinitionInput | unknown): WorkflowDefinition {
  const { issues, definition } = definitionIssues(input);
  if (!definition) throw AppError.validation(issues, `Invalid workflow — ${issues[0].path}: ${issues[0].reason}`);
  return definition;
}
