import { AppError, isUuid, type Actor, type Approval, type CrmCore } from '@crm/core';
import { bootCore } from '../runtime/boot.ts';
import { ACTOR_OPTIONS, resolveCliActor } from './actor.ts';
import type { Command } from './command.types.ts';

const USAGE = 'crm approvals list [--status pending|decided|approved|rejected|expired|all] [--kind KIND] [--json] | show ID [--json] | approve ID [--reason TEXT] | reject ID --reason TEXT';

type Values = Record<string, unknown>;
const str = (v: unknown) => (typeof v === 'string' ? v : undefined);
const need = (v: string | undefined, what: string) => {
  if (!v) throw new AppError('VALIDATION_FAILED', `Missing ${what}: ${USAGE}`, { details: [{ path: what, reason: 'required' }] });
  return v;
};

const PREFIX_SCAN = 200;

/**
 * A request's id, or the start of one as a person copies it from `crm approvals list` (at least 4
 * characters, like a git commit): matched among the newest 200 requests the caller may see, pending
 * ones first when deciding. A full id is passed on as it is.
 */
export function matchIdPrefix(given: string, approvals: readonly Pick<Approval, 'id' | 'status'>[], deciding: boolean): string {
  const prefix = given.toLowerCase();
  const all = approvals.filter((a) => a.id.startsWith(prefix));
  const pending = all.filter((a) => a.status === 'pending');
  const matches = deciding && pending.length ? pending : all;
  if (matches.length === 1) return matches[0]!.id;
  if (!matches.length) {
    throw new AppError('NOT_FOUND', `No approval request whose id starts with "${given}" among the newest ${PREFIX_SCAN} you can see; give the whole id (crm approvals list --status all)`);
  }
  throw new AppError('VALIDATION_FAILED', `"${given}" starts ${matches.length} approval request ids (${matches.map((a) => a.id).join(', ')}); give more of the id`, {
    details: [{ path: 'ID', reason: `ambiguous: ${matches.length} requests start with "${given}"` }],
  });
}

async function resolveId(core: CrmCore, actor: Actor, raw: string | undefined, deciding: boolean): Promise<string> {
  const given = need(raw, 'ID').trim();
  if (isUuid(given) || !/^[0-9a-f-]{4,35}$/i.test(given)) return given;
  return matchIdPrefix(given, await core.approvals.list(actor, { status: 'all', limit: PREFIX_SCAN }), deciding);
}

const ACTIONS: Record<string, (core: CrmCore, actor: Actor, args: string[], values: Values) => Promise<Approval | Approval[]>> = {
  list: (core, actor, _args, v) => core.approvals.list(actor, { ...(str(v.status) ? { status: str(v.status) } : {}), ...(str(v.kind) ? { kind: str(v.kind) } : {}) }),
  show: async (core, actor, args) => core.approvals.get(actor, await resolveId(core, actor, args[0], false)),
  approve: async (core, actor, args, v) => core.approvals.decide(actor, await resolveId(core, actor, args[0], true), { decision: 'approve', reason: str(v.reason) }),
  reject: async (core, actor, args, v) => core.approvals.decide(actor, await resolveId(core, actor, args[0], true), { decision: 'reject', reason: str(v.reason) }),
};

function line(a: Approval): string {
  return `${a.id}  ${a.status.padEnd(8)} ${a.kind.padEnd(19)} ${a.risk.padEnd(6)} ${a.createdAt.toISOString()}  ${a.summary}`;
}

function details(a: Approval): string {
  const rows: [string, unknown][] = [
    ['id', a.id],
    ['kind', a.kind],
    ['status', a.status],
    ['summary', a.summary],
    ['risk', a.risk],
    ['action', JSON.stringify(a.action)],
    ['requested by', `${a.requestedBy} (${a.requestedByKind}${a.via ? ` via ${a.via}` : ''})`],
    ['requested for', a.requestedFor],
    ['waiting', a.subjectType ? `${a.subjectType} ${a.subjectId}` : '-'],
    ['expires', a.expiresAt.toISOString()],
    ['decided', a.decidedAt ? `${a.decidedAt.toISOString()} by ${a.decidedBy ?? 'expiry'}${a.reason ? ` — ${a.reason}` : ''}` : '-'],
    ['execution', a.executionStatus === 'none' ? '-' : `${a.executionStatus}${a.executionResult ? ` ${JSON.stringify(a.executionResult).slice(0, 500)}` : ''}`],
  ];
  return rows.map(([k, v]) => `${k.padEnd(14)} ${String(v)}`).join('\n');
}

export const approvalsCommand: Command = {
  summary: 'The approval queue: list, show, approve (an assistant action then runs once, as its requester) or reject with a reason',
  usage: USAGE,
  help:
    'Examples:\n  crm approvals list\n  crm approvals list --status decided --kind agent_action --json\n  crm approvals approve 2f0c… --reason "checked the recipient"\n  crm approvals reject 2f0c… --reason "wrong contact"\n\n' +
    'ID may be the start of an id as the list prints it (at least 4 characters, like a git commit).\n' +
    'A request is decided once: deciding it again exits with 73 (conflict), as does an expired one.\n' +
    'Approving an assistant action runs the filed tool call at once, as the user it was filed for; a waiting workflow step resumes.',
  options: { ...ACTOR_OPTIONS, status: { type: 'string' }, kind: { type: 'string' }, reason: { type: 'string' }, json: { type: 'boolean' } },
  async run({ positionals, values, logger }) {
    const action = positionals[0];
    const handler = action ? ACTIONS[action] : undefined;
    if (!handler) throw new AppError('VALIDATION_FAILED', `Unknown approvals action "${action ?? ''}": ${USAGE}`, { details: [{ path: 'action', reason: `one of ${Object.keys(ACTIONS).join(', ')}` }] });
    const booted = await bootCore(logger);
    try {
      const actor = await resolveCliActor(booted.core, values);
      const result = await handler(booted.core, actor, positionals.slice(1), values);
      if (values.json === true) process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
      else if (Array.isArray(result)) process.stdout.write(`${result.map(line).join('\n') || '(none)'}\n`);
      else process.stdout.write(`${details(result)}\n`);
      return 0;
    } finally {
      await booted.close();
    }
  },
};
