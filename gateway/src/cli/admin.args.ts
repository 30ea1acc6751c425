import { AppError } from '@crm/core';
import type { CommandContext } from './command.types.ts';

type Values = CommandContext['values'];

/** A required `--name VALUE` option, or VALIDATION_FAILED naming it. */
export function required(values: Values, name: string, example: string): string {
  const v = values[name];
  if (typeof v !== 'string' || !v.trim()) {
    throw new AppError('VALIDATION_FAILED', `Missing --${name} (e.g. --${name} ${example})`, { details: [{ path: name, reason: 'required' }] });
  }
  return v;
}

export function optional(values: Values, name: string): string | undefined {
  const v = values[name];
  return typeof v === 'string' ? v : undefined;
}

/** The sub-command (`crm user add`): one of `verbs`, or VALIDATION_FAILED listing them. */
export function verbOf<V extends string>(positionals: string[], noun: string, verbs: readonly V[]): V {
  const verb = positionals[0];
  if (!verbs.includes(verb as V)) {
    throw new AppError('VALIDATION_FAILED', `Say what to do: "npx crm ${noun} ${verbs.join('|')}"`, {
      details: [{ path: 'command', reason: `must be one of ${verbs.join(', ')}, got ${verb ?? 'nothing'}` }],
    });
  }
  return verb as V;
}

/** The positional after the verb (`crm user deactivate EMAIL`). */
export function argAt(positionals: string[], i: number, what: string, usage: string): string {
  const v = positionals[i];
  if (!v) throw new AppError('VALIDATION_FAILED', `Missing ${what}: "${usage}"`, { details: [{ path: what.toLowerCase(), reason: 'required' }] });
  return v;
}

const UNIT_MS = { h: 3_600_000, d: 86_400_000 } as const;

/** `--expires 30d`, `12h` or a date (`2027-01-31`): when a key stops working. */
export function parseExpiry(text: string | undefined, now = Date.now()): Date | undefined {
  if (text === undefined) return undefined;
  const rel = /^(\d{1,5})([hd])$/.exec(text.trim());
  if (rel) return new Date(now + Number(rel[1]) * UNIT_MS[rel[2] as keyof typeof UNIT_MS]);
  const at = new Date(text);
  if (!/^\d{4}-\d{2}-\d{2}/.test(text.trim()) || Number.isNaN(at.getTime())) {
    throw new AppError('VALIDATION_FAILED', `--expires must be a duration like 30d or 12h, or a date like 2027-01-31; got "${text}"`, {
      details: [{ path: 'expires', reason: 'must be 30d, 12h or a date' }],
    });
  }
  return at;
}

/** Rows as aligned columns, or JSON with `--json`. */
export function printTable(rows: Record<string, unknown>[], columns: string[], json: boolean): void {
  if (json) {
    process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
    return;
  }
  const cell = (v: unknown) => (v === null || v === undefined ? '-' : v instanceof Date ? v.toISOString().slice(0, 16).replace('T', ' ') : String(v));
  const widths = columns.map((c) => Math.max(c.length, ...rows.map((r) => cell(r[c]).length)));
  const line = (cells: string[]) => `${cells.map((c, i) => c.padEnd(widths[i])).join('  ').trimEnd()}\n`;
  process.stdout.write(line(columns));
  for (const r of rows) process.stdout.write(line(columns.map((c) => cell(r[c]))));
  if (!rows.length) process.stdout.write('(none)\n');
}

export const SHOWN_ONCE = 'Store this key now: it is shown once and only its hash is kept.';
