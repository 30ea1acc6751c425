import { z } from 'zod';

export const JSON_MAX_DEPTH = 8;
export const JSON_MAX_BYTES = 32_768;

/** An unpaired UTF-16 surrogate: JSON can carry it, PostgreSQL text and jsonb cannot store it. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

export function hasLoneSurrogate(s: string): boolean {
  return LONE_SURROGATE.test(s);
}

/**
 * The first reason `value` cannot be stored and served back safely, or undefined. Walks with an
 * explicit stack, so a value nested thousands of levels deep is refused here rather than
 * overflowing the stack later, when the response is serialised.
 */
export function jsonProblem(value: unknown, maxDepth: number): { path: string; reason: string } | undefined {
  const stack: { v: unknown; path: string; depth: number }[] = [{ v: value, path: '', depth: 0 }];
  while (stack.length) {
    const { v, path, depth } = stack.pop()!;
    if (typeof v === 'string') {
      if (hasLoneSurrogate(v)) return { path, reason: 'must not contain unpaired UTF-16 surrogates' };
      continue;
    }
    if (typeof v === 'number') {
      if (!Number.isFinite(v)) return { path, reason: 'must be a finite number' };
      continue;
    }
    if (v === null || typeof v === 'boolean') continue;
    if (typeof v !== 'object') return { path, reason: `must be JSON (got ${typeof v})` };
    if (depth >= maxDepth) return { path, reason: `must be nested at most ${maxDepth} levels deep` };
    const entries = Array.isArray(v) ? v.map((x, i) => [String(i), x] as const) : Object.entries(v as object);
    for (const [k, x] of entries) {
      if (hasLoneSurrogate(k)) return { path, reason: 'keys must not contain unpaired UTF-16 surrogates' };
      stack.push({ v: x, path: path ? `${path}.${k}` : k, depth: depth + 1 });
    }
  }
  return undefined;
}

/**
 * A free-form JSON object field (customFields, interaction metadata): bounded in depth and size,
 * checked in the schema, so nothing that cannot be stored or echoed back ever reaches a write.
 */
export function boundedJsonObject(options: { maxDepth?: number; maxBytes?: number } = {}) {
  const maxDepth = options.maxDepth ?? JSON_MAX_DEPTH;
  const maxBytes = options.maxBytes ?? JSON_MAX_BYTES;
  return z.record(z.string().min(1).max(100), z.unknown()).superRefine((value, ctx) => {
    const problem = jsonProblem(value, maxDepth);
    if (problem) {
      ctx.addIssue({ code: 'custom', message: problem.reason, path: problem.path ? problem.path.split('.') : [] });
      return;
    }
    if (Buffer.byteLength(JSON.stringify(value)) > maxBytes) ctx.addIssue({ code: 'custom', message: `must serialise to at most ${maxBytes / 1024} KiB of JSON` });
  });
}

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?)?$/i;

function dateProblem(v: unknown): string | undefined {
  if (v instanceof Date) return Number.isNaN(v.getTime()) ? 'must be a valid date' : yearProblem(v.getUTCFullYear());
  if (typeof v !== 'string') return 'must be an ISO 8601 date';
  const m = ISO_DATE.exec(v.trim());
  if (!m) return 'must be an ISO 8601 date (YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ)';
  const [year, month, day, hour = '0', minute = '0', second = '0'] = m.slice(1, 7).map((x) => (x === undefined ? undefined : Number(x))) as number[];
  if (month < 1 || month > 12) return 'has no such month';
  const days = new Date(Date.UTC(2000, month, 0)).getUTCDate(); // leap-year February handled below
  const febLeap = month === 2 && year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  if (day < 1 || day > (month === 2 ? (febLeap ? 29 : 28) : days)) return `is not a real date (${String(month).padStart(2, '0')}/${day} does not exist)`;
  if (Number(hour) > 23 || Number(minute) > 59 || Number(second) > 59) return 'has an impossible time of day';
  return yearProblem(year);
}

function yearProblem(year: number): string | undefined {
  return year < 1 || year > 9999 ? 'must be between the years 0001 and 9999' : undefined;
}

/**
 * True when `d` is more than a day ahead of now (the day allows for client clocks and time zones): for
 * a date that records something that happened, that is a typo (2099) that would otherwise stick.
 */
export function tooFarAhead(d: Date): boolean {
  return d.getTime() > Date.now() + 24 * 3600_000;
}

/**
 * An ISO 8601 date that exists: `2025-02-30` is refused instead of becoming 2 March, year 0
 * instead of failing in the database.
 */
export function isoDate(message = 'must be an ISO 8601 date') {
  return z
    .unknown()
    .superRefine((v, ctx) => {
      const problem = dateProblem(v);
      if (problem) ctx.addIssue({ code: 'custom', message: problem === 'must be an ISO 8601 date' ? message : problem });
      else if (typeof v === 'string' && Number.isNaN(new Date(v.trim()).getTime())) ctx.addIssue({ code: 'custom', message });
    })
    .transform((v) => (v instanceof Date ? v : parseIsoDate(String(v).trim())))
    // JSON Schema (OpenAPI, generated clients) saw `{}` here — any value — so a typed client's
    // dueAt or createdAfter was `unknown` (QA round 6); no `format`: a date alone is allowed too
    .meta({ type: 'string', description: 'ISO 8601 date (2025-03-01) or date-time (2025-03-01T09:30:00Z)' });
}

/**
 * A date-time written without an offset ("2026-12-03T10:00"): a wall-clock time, held as that time
 * read in UTC until a service that knows the tenant's zone places it (`inTenantZone`). JavaScript
 * would read it in the server process's zone, so one request meant different instants on
 * different machines (QA round 5).
 */
export class WallClockDate extends Date {}

/**
 * A date written alone ("2026-12-03"): a calendar day of the tenant, held as its midnight read in UTC
 * until a service places it — at the start of that local day, or (an inclusive upper bound such as a
 * list's `to`) at the start of the next one. Read as UTC midnight, a rep in Los Angeles saw a follow-up
 * "due 3 December" fall due at 16:00 on the 2nd.
 */
export class LocalDay extends WallClockDate {}

/**
 * An upper bound as the epoch ms it ends at, for checks made before the tenant's zone is known: a
 * date alone (an inclusive `to`) ends a day after its midnight.
 */
export function endOfBound(d: Date): number {
  return d instanceof LocalDay ? d.getTime() + 86_400_000 : d.getTime();
}

function parseIsoDate(v: string): Date {
  const m = ISO_DATE.exec(v);
  if (m && m[4] === undefined) return new LocalDay(Date.parse(`${m[1]}-${m[2]}-${m[3]}T00:00:00Z`));
  if (m && m[4] !== undefined && m[7] === undefined) {
    const [year, month, day, hour, minute, second = '0'] = m.slice(1, 7);
    const ms = /\.(\d{1,3})/.exec(v)?.[1]?.padEnd(3, '0') ?? '0';
    return new WallClockDate(Date.UTC(Number(year), Number(month) - 1, Number(day), Number(hour), Number(minute), Number(second), Number(ms)));
  }
  return new Date(v);
}
