import type { BaseMessage } from '@langchain/core/messages';
import type { ToolCall } from '@langchain/core/messages/tool';
import { listedApprovalIds } from './approval-steps.ts';
import { cite, markOffline } from './answers.ts';
import { pickCandidate } from './entities.ts';
import { INTENTS, type AgentName, type Intent } from './intents.ts';
import { planRequest, type Step } from './plan.ts';
import type { Me } from './scope.ts';
import { listedLeads, STEP_HANDLERS, type StepContext } from './steps.ts';
import { readTurn, type CandidateContact, type PendingChoice, type TurnView } from './turn.ts';

export interface PlannerOptions {
  now: Date;
  timeZone: string;
  /** Names of the tools bound to the model for this call. */
  tools: readonly string[];
}

export interface PlannerOutput {
  content: string;
  toolCalls: ToolCall[];
  pendingChoice?: PendingChoice;
  /** The approval ids this answer listed, in order: what a later "approve the first one" refers to. */
  listedApprovals?: string[];
  /** The contacts this answer listed, in order: what a later "mark the first one as a prospect" refers to. */
  listedContacts?: CandidateContact[];
}

/**
 * The next move of the offline planner, as a pure function of the conversation: call tools, ask
 * which contact, or answer. Re-planning from the user's message on every call keeps it stateless
 * (the checkpointer holds the conversation, nothing else).
 */
export function nextMove(messages: readonly BaseMessage[], options: PlannerOptions): PlannerOutput {
  const turn = readTurn(messages);
  const bound = new Set(options.tools);
  const request = turn.pending && pickCandidate(turn.human, turn.pending.candidates) ? turn.pending.request : turn.human;
  const plan = planRequest(request, options.now, options.timeZone);
  if ([...bound].some((t) => t.startsWith('transfer_to_'))) return route(turn, plan.steps, bound);
  const delegated = turn.transferred.size > 0;
  // A sub-agent does its own share of a compound request; the supervisor hands the rest elsewhere.
  const mine = delegated ? plan.steps.filter((s) => INTENTS[s.intent].agent === turn.currentAgent) : plan.steps;
  const steps = mine.filter((s) => INTENTS[s.intent].tools.every((t) => bound.has(t)));
  const missing = plan.steps.filter((s) => !steps.includes(s) && INTENTS[s.intent].tools.length > 0);
  if (plan.unsupported) return answer("That is beyond what I can do offline: I did not recognise a CRM request in it. Ask me about contacts, follow-ups, lead scores or the knowledge base ('help' lists everything).");
  const notes = delegated ? [] : missing.map((s) => `I cannot ${INTENTS[s.intent].verb} here: the ${INTENTS[s.intent].tools.filter((t) => !bound.has(t)).join(', ')} tool is not available.`);
  const toolless = plan.steps.filter((s) => INTENTS[s.intent].tools.length === 0);
  const work = [...steps, ...(delegated ? [] : toolless)];
  if (!work.length) return answer(notes.join(' ') || 'There is nothing here I can act on.');

  let contact: CandidateContact | undefined;
  if (work.some((s) => INTENTS[s.intent].needsContact)) {
    const resolved = resolveContact(turn, request, plan.contactRef);
    if ('move' in resolved) return resolved.move;
    contact = resolved.contact;
  }
  // "my leads", "how am I doing": who is asking comes from get_current_user (the caller's own record), before the steps' calls
  let me: Me | undefined;
  if (bound.has(WHOAMI) && work.some((s) => s.who === 'me' && SELF_SCOPED.has(s.intent))) {
    const who = turn.results.get(WHOAMI_ID(turn));
    if (!who) return { content: '', toolCalls: [{ id: WHOAMI_ID(turn), name: WHOAMI, args: {}, type: 'tool_call' }] };
    if (!who.ok) notes.push(`I could not tell who you are (${who.summary}), so this covers everything you can see, not only yours.`);
    else me = { id: String(who.data?.id), name: String(who.data?.name), role: String(who.data?.role) };
  }
  const calls: ToolCall[] = [];
  const contexts = work.map((step, i) => context(step, i, turn, options, contact, me));
  for (const ctx of contexts) calls.push(...STEP_HANDLERS[ctx.step.intent].calls(ctx));
  if (calls.length) return { content: '', toolCalls: calls };
  const listed = contexts.flatMap((ctx) => (ctx.step.intent === 'list_approvals' ? listedApprovalIds(ctx) : []));
  const leads = contexts.flatMap((ctx) => (ctx.step.intent === 'hot_leads' ? listedLeads(ctx) : []));
  const final = answer([...contexts.map((ctx) => STEP_HANDLERS[ctx.step.intent].answer(ctx)), ...notes].filter(Boolean).join('\n'));
  return { ...final, ...(listed.length ? { listedApprovals: listed } : {}), ...(leads.length ? { listedContacts: leads } : {}) };
}

const WHOAMI = 'get_current_user';
const WHOAMI_ID = (turn: TurnView) => `lp_${turn.index}_whoami`;
/** Steps that narrow to the asker's own records when the request says "my"/"I"/"me". */
const SELF_SCOPED = new Set<Intent>(['hot_leads', 'list_follow_ups', 'stale_contacts', 'count_contacts', 'new_contacts', 'rep_performance', 'activity_trend', 'deals_won', 'deal_outlook']);

function context(step: Step, i: number, turn: TurnView, options: PlannerOptions, contact?: CandidateContact, me?: Me): StepContext {
  const id = (tool: string, n?: number) => `lp_${turn.index}_${i}_${tool}${n === undefined ? '' : `_${n}`}`;
  return {
    step,
    ...(contact ? { contact } : {}),
    ...(me ? { me } : {}),
    now: options.now,
    timeZone: options.timeZone,
    call: (tool, args, n) => ({ id: id(tool, n), name: tool, args, type: 'tool_call' }),
    has: (tool) => options.tools.includes(tool),
    earlier: turn.answers,
    ...(turn.listedApprovals ? { listed: turn.listedApprovals } : {}),
    result: (tool, n) => turn.results.get(id(tool, n)),
  };
}

const SEARCH_ID = (turn: TurnView) => `lp_${turn.index}_contact_search_contacts`;

/** The contact the request is about, through search_contacts; several matches → ask which one. */
function resolveContact(turn: TurnView, request: string, ref: string | undefined): { contact: CandidateContact } | { move: PlannerOutput } {
  if (turn.pending) {
    const picked = pickCandidate(turn.human, turn.pending.candidates);
    if (picked) return { contact: picked };
  }
  // "mark the first one as a prospect" after a list of contacts (the hottest leads)
  const listed = !ref && turn.listedContacts ? pickCandidate(turn.human, turn.listedContacts) : undefined;
  if (listed) return { contact: listed };
  if (!ref) return { move: answer('Which contact do you mean? Give me their name or email address.') };
  const search = turn.results.get(SEARCH_ID(turn));
  const words = ref.toLowerCase().split(/\s+/);
  if (!search) {
    // Core search matches one field at a time, so search by one word — the last, a surname when
    // there are several: rarer than a first name — and filter by all of them.
    return { move: { content: '', toolCalls: [{ id: SEARCH_ID(turn), name: 'search_contacts', args: { search: ref.includes('@') ? ref : words[words.length - 1], limit: 100 }, type: 'tool_call' }] } };
  }
  if (!search.ok) return { move: answer(`I could not search the contacts: ${search.summary}`) };
  const all = (search.data?.contacts as CandidateContact[]) ?? [];
  const matches = all.filter((c) => words.every((w) => `${c.firstName} ${c.lastName} ${c.email} ${c.company ?? ''}`.toLowerCase().includes(w)));
  if (!matches.length) return { move: answer(`I found no contact matching "${ref}" that you can see.`) };
  if (matches.length === 1) return { contact: matches[0] };
  const exact = matches.filter((c) => `${c.firstName} ${c.lastName}`.toLowerCase() === ref.toLowerCase());
  if (exact.length === 1) return { contact: exact[0] };
  const candidates = matches.slice(0, 5);
  const list = candidates.map((c, n) => `${n + 1}. ${c.firstName} ${c.lastName} <${c.email}>${c.company ? ` at ${c.company}` : ''} ${cite(`crm://contacts/${c.id}`)}`).join('\n');
  return { move: { ...answer(`Several contacts match "${ref}". Which one do you mean?\n${list}`), pendingChoice: { request, candidates } } };
}

/** Supervisor mode: hand the turn to each sub-agent the plan needs, in order, then compose. */
function route(turn: TurnView, steps: Step[], bound: Set<string>): PlannerOutput {
  const agents: AgentName[] = [];
  for (const s of steps) {
    const agent = INTENTS[s.intent].agent;
    if (agent && bound.has(`transfer_to_${agent}`) && !agents.includes(agent)) agents.push(agent);
  }
  // A pending "which one?" is answered by the agent that asked it.
  const next = agents.find((a) => !turn.transferred.has(a));
  if (next) return { content: '', toolCalls: [{ id: `lp_${turn.index}_route_${next}`, name: `transfer_to_${next}`, args: { request: turn.human }, type: 'tool_call' }] };
  if (turn.answers.length) return answer(turn.answers.join('\n\n'));
  const toolless = steps.find((s) => INTENTS[s.intent].tools.length === 0);
  if (toolless) return answer(STEP_HANDLERS[toolless.intent].answer({} as StepContext));
  return answer("That is beyond what I can do offline: I did not recognise a CRM request in it. Ask me about contacts, follow-ups, lead scores or the knowledge base ('help' lists everything).");
}

function answer(text: string): PlannerOutput {
  return { content: markOffline(text), toolCalls: [] };
}
