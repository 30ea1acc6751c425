import type { ToolCall } from '@langchain/core/messages/tool';
import type { ToolResult } from '../../tools/toolset.ts';
import { cite } from './answers.ts';
import { localDate } from './dates.ts';
import type { StepContext } from './steps.ts';

type Row = Record<string, unknown>;
const DAY = 86_400_000;

/**
 * The call that names users: the team directory (list_users) when it is bound, else the activity
 * metric of the last year, which names only the people who logged something (the fallback: an owner
 * who logged nothing then shows as "user 1a2b3c4d").
 */
export function namesCall(ctx: StepContext, n?: number): ToolCall[] {
  if (ctx.has?.('list_users')) return ctx.result('list_users') ? [] : [ctx.call('list_users', { includeDeactivated: true })];
  if (ctx.result('get_metrics', n)) return [];
  return [ctx.call('get_metrics', { date_range: { start: new Date(ctx.now.getTime() - 365 * DAY).toISOString(), end: ctx.now.toISOString() }, groups: ['activity'] }, n)];
}

/** User id → name from whichever of namesCall's calls answered. */
export function userNames(ctx: StepContext, n?: number): Map<string, string> {
  const users = ctx.result('list_users');
  if (users?.ok) return new Map(((users.data?.users as Row[] | undefined) ?? []).map((u) => [String(u.id), String(u.name)]));
  const r = ctx.result('get_metrics', n);
  const metrics = r?.ok ? ((r.data?.metrics as Row[] | undefined) ?? []) : [];
  return new Map(metrics.filter((m) => String(m.key).startsWith('activity:user=')).map((m) => [String(m.key).slice('activity:user='.length), String(m.name).replace(/^Interactions logged — /, '')]));
}

/** Why a name is missing, when the call that names users failed. */
export function namesFailure(ctx: StepContext, n?: number): string | undefined {
  const r: ToolResult | undefined = ctx.result('list_users') ?? ctx.result('get_metrics', n);
  return r && !r.ok ? r.summary : undefined;
}

/** Lines shown of the asker's own interactions ("what did I log this week"); the rest is "…and N more". */
export const LOGGED_SHOWN = 10;

/** list_interactions by the asker (then get_contact for the contacts' names), when the tool is bound. */
export function myLogCalls(ctx: StepContext, range: { start: Date; end: Date }): ToolCall[] {
  const list = ctx.result('list_interactions');
  if (!list) return [ctx.call('list_interactions', { userId: ctx.me!.id, from: range.start.toISOString(), to: range.end.toISOString(), limit: LOGGED_SHOWN })];
  if (!list.ok) return [];
  return contactIds(list).flatMap((id, k) => (ctx.result('get_contact', k) ? [] : [ctx.call('get_contact', { id }, k)]));
}

const contactIds = (list: ToolResult) => [...new Set(((list.data?.interactions as Row[] | undefined) ?? []).map((i) => String(i.contactId)))];

/** One short line per interaction: date (tenant's zone), type, contact, subject. */
export function myLogLines(ctx: StepContext): { total: number; text: string } | { problem: string } {
  const list = ctx.result('list_interactions')!;
  if (!list.ok) return { problem: list.summary };
  const rows = (list.data?.interactions as Row[] | undefined) ?? [];
  const total = Number(list.data?.totalCount ?? rows.length);
  const ids = contactIds(list);
  const names = new Map(
    ids.map((id, k) => {
      const c = ctx.result('get_contact', k);
      return [id, c?.ok ? `${String(c.data?.firstName ?? '')} ${String(c.data?.lastName ?? '')}`.trim() : `contact ${id.slice(0, 8)}`];
    }),
  );
  const day = (iso: unknown) => {
    const d = localDate(new Date(String(iso)), ctx.timeZone);
    return `${d.y}-${String(d.m).padStart(2, '0')}-${String(d.d).padStart(2, '0')}`;
  };
  const about = (i: Row) => (i.subject ? String(i.subject) : String(i.content ?? '').replace(/\s+/g, ' ').slice(0, 60) || '(no subject)');
  const lines = rows.map((i) => `- ${day(i.createdAt)} ${String(i.type).toLowerCase().replace(/_/g, ' ')} with ${names.get(String(i.contactId))} ${cite(`crm://contacts/${String(i.contactId)}`)}: ${about(i)}`);
  const more = total > rows.length ? `\n…and ${total - rows.length} more.` : '';
  return { total, text: `${lines.join('\n')}${more}` };
}
