import type { ToolCallRequest, ToolInfo, ToolResult } from '../tools/toolset.ts';
import { INTENTS } from '../models/local-planner/intents.ts';
import { planRequest } from '../models/local-planner/plan.ts';

/**
 * What a turn may do without a human, decided from the user's message alone, before any tool
 * runs — whatever model plans the turn. Tool output can never widen it: a write the user did not
 * ask for, and every destructive or outbound call, waits for approval.
 */
export interface TurnPolicy {
  request: string;
  /** Write tools the user's words ask for. */
  allowedWrites: string[];
}

export function turnPolicy(request: string, now: Date, timeZone: string): TurnPolicy {
  const plan = planRequest(request, now, timeZone);
  const allowedWrites = [...new Set(plan.steps.flatMap((s) => INTENTS[s.intent].tools))];
  return { request, allowedWrites };
}

export type Verdict = { action: 'run' } | { action: 'approve'; reason: string } | { action: 'refuse'; reason: string };

const RECIPIENT_ARGS = ['to', 'cc', 'bcc', 'recipient', 'recipients', 'email'];

/**
 * The decision for one tool call. `seen` are this turn's earlier results: contacts the user named
 * are found through them, which is how a recipient can come from "the contacts it names".
 */
export function judgeCall(call: ToolCallRequest, info: ToolInfo | undefined, policy: TurnPolicy, seen: readonly ToolResult[]): Verdict {
  if (!info) return { action: 'run' }; // unknown tools fail in the tool node with NOT_FOUND
  if (info.kind === 'read') return { action: 'run' };
  if (info.kind === 'egress') {
    const bad = recipientsOf(call.args).filter((r) => !recipientAllowed(r, policy.request, seen));
    if (bad.length) return { action: 'refuse', reason: `${call.name}: recipient(s) ${bad.join(', ')} come neither from your request nor from a contact it names` };
    return { action: 'approve', reason: `${call.name} sends something outside the CRM` };
  }
  // the user's own "approve 3f2a" is the human decision: filing it for approval would ask for a second one
  if (call.name === 'decide_approval' && decisionAsked(call, policy, seen)) return { action: 'run' };
  // the reason a user reads before approving: one contact's status change is neither bulk nor irreversible
  if (info.kind === 'destructive') return { action: 'approve', reason: `${call.name} overwrites or removes existing data, so a person approves it first` };
  if (!policy.allowedWrites.includes(call.name)) return { action: 'approve', reason: `${call.name} was not asked for in your message` };
  return { action: 'run' };
}

/**
 * A decision the user typed: the message is an "approve …"/"reject …" request (the plan has a
 * decision step), the call decides the way the message does, and the request it decides is named by
 * the message (the start of its id) or was listed by list_approvals in this conversation. Who may
 * decide what is still the queue's check (a rep only their own assistant's actions).
 */
function decisionAsked(call: ToolCallRequest, policy: TurnPolicy, seen: readonly ToolResult[]): boolean {
  if (!policy.allowedWrites.includes('decide_approval')) return false;
  const id = typeof call.args.id === 'string' ? call.args.id.toLowerCase() : '';
  const words = policy.request.toLowerCase();
  const verb = /\b(reject|decline|deny)\b/.test(words) ? 'reject' : 'approve';
  // a message with both verbs decides each request its own way: the call must follow one of them
  const both = /\bapprove\b/.test(words) && verb === 'reject';
  if (!id || (!both && call.args.decision !== verb)) return false;
  const named = (words.match(/\b[0-9a-f][0-9a-f-]{3,35}\b/g) ?? []).some((t) => id.startsWith(t));
  const listed = seen.some((r) => r.name === 'list_approvals' && r.ok && ((r.data?.approvals as { id?: string }[] | undefined) ?? []).some((a) => a.id === id));
  return named || listed;
}

function recipientsOf(args: Record<string, unknown>): string[] {
  return RECIPIENT_ARGS.flatMap((k) => {
    const v = args[k];
    if (typeof v === 'string') return v.split(/[,;\s]+/).filter(Boolean);
    if (Array.isArray(v)) return v.filter((x): x is string => typeof x === 'string');
    return [];
  });
}

function recipientAllowed(recipient: string, request: string, seen: readonly ToolResult[]): boolean {
  const r = recipient.toLowerCase();
  if (request.toLowerCase().includes(r)) return true;
  const words = request.toLowerCase();
  for (const result of seen) {
    const contacts = [...((result.data?.contacts as Contactish[]) ?? []), ...(isContact(result.data) ? [result.data] : [])];
    for (const c of contacts) {
      const named = words.includes(`${c.firstName} ${c.lastName}`.toLowerCase()) || (c.firstName.length > 2 && new RegExp(`\\b${escape(c.firstName.toLowerCase())}\\b`).test(words));
      if (named && c.email.toLowerCase() === r) return true;
    }
  }
  return false;
}

interface Contactish {
  firstName: string;
  lastName: string;
  email: string;
}
const isContact = (d: unknown): d is Contactish => !!d && typeof d === 'object' && 'firstName' in d && 'email' in d;
const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
