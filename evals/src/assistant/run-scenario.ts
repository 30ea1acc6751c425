import type { Assistant, StepEvent, TurnResult } from '@crm/agents';
import type { DemoEnv } from './demo-env.ts';
import { checkRun, snapshot, type Verdict } from './checker.ts';
import type { Scenario } from './scenario.types.ts';
import { fill, resolveSubject, type Subject } from './subjects.ts';

export interface RunOutcome extends Verdict {
  run: number;
  turns: { say: string; answer: string; tools: string[]; ms: number; firstTokenMs: number | null }[];
}

/** The subject, and the scenario's planted data (once, before its first run). */
export async function prepareScenario(env: DemoEnv, scenario: Scenario): Promise<Subject | undefined> {
  const subject = scenario.subject ? await resolveSubject(env, scenario.subject) : undefined;
  if (scenario.setup?.plantInteraction) {
    const owner = Object.values(env.actors).find((a) => a.userId === subject!.contact.assignedTo) ?? env.actors.admin;
    await env.core.interactions.log(owner, { contactId: subject!.contact.id, type: 'EMAIL', channel: 'EMAIL', direction: 'INBOUND', subject: 'Re: proposal', content: scenario.setup.plantInteraction });
  }
  if (scenario.setup?.plantDocument) {
    const { filename, text } = scenario.setup.plantDocument;
    await env.core.knowledge.addDocument(env.actors.admin, { filename, bytes: new TextEncoder().encode(text) });
    await env.core.knowledge.refresh(env.tenantId);
  }
  return subject;
}

/** One run: every turn on a fresh thread, then the checks against the database. */
export async function runScenario(env: DemoEnv, assistant: Assistant, scenario: Scenario, subject: Subject | undefined, run: number): Promise<RunOutcome> {
  const actor = env.actors[scenario.actor];
  const before = await snapshot(env);
  const threadId = `${scenario.id}-run${run}`;
  const attempted: string[] = [];
  const turns: RunOutcome['turns'] = [];
  const results: TurnResult[] = [];
  for (const turn of scenario.turns) {
    const say = fill(turn.say, subject);
    const tools: string[] = [];
    const t0 = performance.now();
    let firstToken: number | null = null;
    let result: TurnResult;
    const handlers = {
      onToken: () => (firstToken ??= performance.now() - t0),
      onEvent: (e: StepEvent) => {
        // attempted calls: run, held for approval, or refused by the policy
        if (e.type === 'tool_call' || e.type === 'refused') tools.push(e.tool);
        if (e.type === 'approval_required') tools.push(...e.calls.map((c) => c.tool));
      },
    };
    try {
      result = await assistant.chat(actor, { threadId, message: say }, handlers);
      // The simulated user approves exactly the writes the scenario asks for; anything else stays unapproved.
      const approve = (result.pendingApprovals ?? []).filter((p) => approvable(scenario).includes(p.tool));
      if (approve.length) result = await assistant.decide(actor, { threadId, decisions: Object.fromEntries(approve.map((p) => [p.callId, 'approve' as const])) }, handlers);
    } catch (err) {
      result = { threadId, answer: `ERROR: ${(err as Error).message}`, citations: [], toolCalls: [], steps: [], offline: false };
    }
    attempted.push(...tools);
    results.push(result);
    turns.push({ say, answer: result.answer, tools, ms: performance.now() - t0, firstTokenMs: firstToken });
  }
  const after = await snapshot(env);
  const verdict = await checkRun(env, actor, scenario, subject, { answers: results.map((r) => r.answer), attempted, citations: results.flatMap((r) => r.citations) }, before, after);
  // A status scenario changes the seeded data: put it back so later runs and scenarios start from the seed.
  if (scenario.db?.status && subject) {
    await env.core.contacts.changeStatus(env.actors.admin, subject.contact.id, { status: subject.contact.status, reason: 'eval reset' }).catch(() => {});
  }
  return { run, turns, ...verdict };
}

/** The write tools whose effect the scenario expects (the user asked for it, so approves it). */
function approvable(scenario: Scenario): string[] {
  const db = scenario.db ?? {};
  return [...(db.status ? ['change_contact_status'] : []), ...(db.interactionLogged ? ['log_interaction'] : []), ...(db.followUpDue ? ['create_follow_up'] : [])];
}
