import type { ToolResult } from '../../tools/toolset.ts';
import type { StepContext, StepHandler } from './steps.ts';

type Row = Record<string, unknown>;
const LIST_LIMIT = 20;
/** Decisions look ids up among the newest requests the caller may see (the tool's page maximum). */
const SCAN_LIMIT = 100;
const ORDINALS = ['first', 'second', 'third', 'fourth', 'fifth', 'sixth', 'seventh', 'eighth', 'ninth', 'tenth'];

/**
 * The shortest starts of these ids (at least 8 characters) that tell them apart: what the list
 * prints and what `crm approvals approve <prefix>` and "approve <prefix>" here accept.
 */
export function idPrefixes(ids: readonly string[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const id of ids) {
    let n = 8;
    while (n < id.length && ids.some((o) => o !== id && o.startsWith(id.slice(0, n)))) n++;
    out.set(id, id.slice(0, n));
  }
  return out;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function shortValue(v: unknown): string | undefined {
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (typeof v !== 'string') return undefined;
  if (UUID.test(v)) return v.slice(0, 8);
  const flat = v.replace(/\s+/g, ' ').trim();
  return JSON.stringify(flat.length > 30 ? `${flat.slice(0, 29).trimEnd()}…` : flat);
}

/**
 * One line about a request. An assistant action's stored summary is the tool call with its
 * arguments as JSON and the policy's reason: it is printed as the tool and its first few
 * arguments instead, each value cut short.
 */
export function shortSummary(a: Row): string {
  const action = a.action as { tool?: unknown; arguments?: unknown } | null | undefined;
  if (a.kind === 'agent_action' && action && typeof action.tool === 'string') {
    const args = Object.entries((action.arguments ?? {}) as Row)
      .map(([k, v]) => [k, shortValue(v)] as const)
      .filter((e): e is readonly [string, string] => e[1] !== undefined)
      .slice(0, 3)
      .map(([k, v]) => `${k}=${v}`);
    return `${action.tool}${args.length ? ` ${args.join(' ')}` : ''}`;
  }
  const first = String(a.summary ?? '').split('\n')[0]!.trim();
  return first.length > 100 ? `${first.slice(0, 99)}…` : first;
}

const approvalsOf = (r: ToolResult | undefined) => ((r?.ok ? r.data?.approvals : undefined) as Row[] | undefined) ?? [];

export const listApprovals: StepHandler = {
  calls: (ctx) => (ctx.result('list_approvals') ? [] : [ctx.call('list_approvals', { status: 'pending', limit: LIST_LIMIT })]),
  answer(ctx) {
    const r = ctx.result('list_approvals')!;
    if (!r.ok) return `I could not list the approvals: ${r.summary}`;
    const items = approvalsOf(r);
    if (!items.length) return 'No approval requests are waiting for you.';
    const prefixes = idPrefixes(items.map((a) => String(a.id)));
    const lines = items.map(
      (a, n) => `${n + 1}. ${prefixes.get(String(a.id))}  ${shortSummary(a)} (${String(a.kind).replace('_', ' ')}, risk ${String(a.risk)}, expires ${String(a.expiresAt).slice(0, 16).replace('T', ' ')} UTC)`,
    );
    return (
      `${items.length === LIST_LIMIT ? `At least ${LIST_LIMIT}` : items.length} approval request(s) waiting, newest first:\n${lines.join('\n')}\n` +
      `Decide here ("approve ${prefixes.get(String(items[0]!.id))}", "reject the second one, wrong contact"), with \`crm approvals approve|reject <id start>\` or the decide_approval tool; \`crm approvals show <id start>\` shows a request in full.`
    );
  },
};

/** The ids a list answer showed, in its order: what "the first one" refers to in a later message. */
export function listedApprovalIds(ctx: StepContext): string[] {
  return approvalsOf(ctx.result('list_approvals')).map((a) => String(a.id));
}

interface Decision {
  id: string;
  decision: 'approve' | 'reject';
}

type Targets = { decisions: Decision[] } | { problem: string };

/**
 * What the message decides: each "approve …"/"reject …" part with the requests it names — the start
 * of an id (at least 4 characters; pending requests first, as `crm approvals` does), a place in the
 * list this conversation showed last ("the first one", "#2", "both", "all of them"), or "it" when
 * that list had one request.
 */
export function decisionTargets(clause: string, listed: readonly string[], queue: readonly Row[]): Targets {
  const parts = clause.split(/(?=\b(?:approve|reject|decline|deny)\b)/i).filter((p) => /^(approve|reject|decline|deny)\b/i.test(p.trim()));
  const decisions: Decision[] = [];
  for (const part of parts.length ? parts : [clause]) {
    const decision = /^\s*approve/i.test(part) ? 'approve' : 'reject';
    const lower = part.toLowerCase();
    const ids: string[] = [];
    for (const token of lower.match(/\b[0-9a-f][0-9a-f-]{3,35}\b/g) ?? []) {
      const all = queue.filter((a) => String(a.id).startsWith(token));
      const pending = all.filter((a) => a.status === 'pending');
      const listedHits = listed.filter((id) => id.startsWith(token));
      const matches = [...new Set([...(pending.length ? pending : all).map((a) => String(a.id)), ...(pending.length ? [] : listedHits)])];
      // a word that happens to be hex ("decade") or a number ("1500") is not a reference; letters and digits mixed, or 8+ characters, are
      if (!matches.length && !((/\d/.test(token) && /[a-f]/.test(token)) || token.length >= 8)) continue;
      if (!matches.length) return { problem: `No approval request you can see starts with "${token}" (among the newest ${SCAN_LIMIT}); "show pending approvals" lists them.` };
      if (matches.length > 1) return { problem: `"${token}" starts ${matches.length} approval requests (${matches.map((m) => m.slice(0, 13)).join(', ')}); give more of the id.` };
      ids.push(matches[0]!);
    }
    const places = [
      ...[...lower.matchAll(new RegExp(`\\b(${ORDINALS.join('|')}|last)\\b`, 'g'))].map((m) => (m[1] === 'last' ? listed.length - 1 : ORDINALS.indexOf(m[1]!))),
      ...[...lower.matchAll(/(?:#|\bnumber\s+|\bno\.?\s*)(\d{1,2})\b|\b(\d{1,2})(?:st|nd|rd|th)\b/g)].map((m) => Number(m[1] ?? m[2]) - 1),
    ];
    const everything = /\b(all|both|every|them|these|those|each)\b/.test(lower);
    const single = /\b(it|that|this|the one|that one|this one|the request)\b/.test(lower);
    if ((places.length || everything || (single && !ids.length)) && !listed.length) {
      return { problem: 'Which list do you mean? This conversation has not listed any approval requests: ask "show pending approvals", then "approve the first one", or give the start of an id.' };
    }
    for (const p of places) {
      if (p < 0 || p >= listed.length) return { problem: `The list I showed has ${listed.length} request(s); there is no number ${p + 1}.` };
      ids.push(listed[p]!);
    }
    if (everything && !places.length && !ids.length) ids.push(...listed);
    if (single && !places.length && !ids.length) {
      if (listed.length !== 1) return { problem: `The list I showed has ${listed.length} requests: say which ("the first one", or the start of its id).` };
      ids.push(listed[0]!);
    }
    for (const id of ids) if (!decisions.some((d) => d.id === id)) decisions.push({ id, decision });
  }
  if (!decisions.length) {
    return { problem: 'Which request? Say "approve" or "reject" with the start of its id as the list shows it, or its place in the list ("the first one"); "show pending approvals" lists them.' };
  }
  return { decisions };
}

function targetsOf(ctx: StepContext): Targets | undefined {
  const list = ctx.result('list_approvals');
  if (!list?.ok) return undefined;
  return decisionTargets(ctx.step.clause, ctx.listed ?? [], approvalsOf(list));
}

const reasonOf = (ctx: StepContext, d: Decision) => `${d.decision === 'approve' ? 'approved' : 'rejected'} in the conversation: "${ctx.step.clause.trim().slice(0, 200)}"`;

export const decideApproval: StepHandler = {
  calls(ctx) {
    if (!ctx.result('list_approvals')) return [ctx.call('list_approvals', { status: 'all', limit: SCAN_LIMIT })];
    const targets = targetsOf(ctx);
    if (!targets || 'problem' in targets) return [];
    return targets.decisions.flatMap((d, n) => (ctx.result('decide_approval', n) ? [] : [ctx.call('decide_approval', { id: d.id, decision: d.decision, reason: reasonOf(ctx, d) }, n)]));
  },
  answer(ctx) {
    const list = ctx.result('list_approvals')!;
    if (!list.ok) return `I could not read the approval queue: ${list.summary}`;
    const targets = targetsOf(ctx)!;
    if ('problem' in targets) return `${targets.problem} Nothing was decided.`;
    const queue = new Map(approvalsOf(list).map((a) => [String(a.id), a]));
    return targets.decisions
      .map((d, n) => {
        const r = ctx.result('decide_approval', n)!;
        const known = queue.get(d.id);
        const what = `${d.id.slice(0, 8)}${known ? ` (${shortSummary(known)})` : ''}`;
        if (!r.ok) return `I could not ${d.decision} ${what}: ${r.summary}`;
        const a = r.data ?? {};
        const ran = a.executionStatus && a.executionStatus !== 'none' ? `; its action ${a.executionStatus === 'succeeded' ? 'ran and succeeded' : a.executionStatus === 'failed' ? 'failed' : `is ${String(a.executionStatus)}`}${a.executionStatus === 'failed' ? `: ${JSON.stringify((a.executionResult as Row | null)?.error ?? {}).slice(0, 200)}` : ''}` : '';
        return `${d.decision === 'approve' ? 'Approved' : 'Rejected'} ${what}: it is now ${String(a.status)}${ran}.`;
      })
      .join('\n');
  },
};
