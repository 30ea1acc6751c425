import { createHash } from 'node:crypto';
import { pino, type DestinationStream, type Logger, type LoggerOptions } from 'pino';
import { isUnavailableFor } from './db/db-errors.ts';

export type { Logger };

/** Keys whose values are secrets wherever they appear in a log object. */
const SECRET_KEY = /^(authorization|proxy-authorization|cookie|set-cookie|x-api-key|api[-_]?key|apikey|.*token|password|passwd|secret|client[-_]?secret|private[-_]?key|key[-_]?hash)$/i;
const MAX_DEPTH = 8;

/**
 * A copy of `value` with every secret-named key censored, at any depth (pino's `redact` paths
 * need each depth spelled out). Errors keep their type and message; cycles are cut.
 */
export function redactSecrets(value: unknown, depth = 0, seen = new WeakSet<object>()): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (value instanceof Error || value instanceof Date || Buffer.isBuffer(value)) return value;
  if (seen.has(value) || depth > MAX_DEPTH) return '[…]';
  seen.add(value);
  if (Array.isArray(value)) return value.map((v) => redactSecrets(v, depth + 1, seen));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    out[k] = SECRET_KEY.test(k) && v !== undefined && v !== null ? '[redacted]' : redactSecrets(v, depth + 1, seen);
  }
  return out;
}

/** A message that starts with an SQL statement: knex and MikroORM put the statement, literals inlined, before " - " and the server's message. */
const SQL_FIRST = /^\s*(select|insert|update|delete|with|begin|commit|rollback|savepoint|release|set|create|alter|drop|copy|lock|truncate|values|explain|analyze|vacuum|refresh|do|call|listen|notify|prepare|execute)\b/i;
/** Properties of driver errors that carry SQL text, bound parameters or row values (personal data). */
const ROW_DATA_KEYS = new Set(['query', 'sql', 'sqlMessage', 'parameters', 'params', 'bindings', 'values', 'detail', 'where', 'internalQuery', 'entity', 'data', 'row']);
/** The literal the server quotes in "invalid input syntax for type uuid: "…"" and its kin. */
const QUOTED_INPUT = /((?:invalid input (?:syntax|value) for(?: type| enum)? [^:]+|out of range for type [^:]+|invalid byte sequence for encoding [^:]+|date\/time field value out of range|malformed array literal|invalid input syntax): )("(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')/gi;

/** A log-safe error message: no SQL statement text, no quoted input value. */
export function safeErrorMessage(message: string): string {
  let out = message;
  if (SQL_FIRST.test(out)) {
    const cut = out.lastIndexOf(' - ');
    out = cut >= 0 ? `[SQL omitted] - ${out.slice(cut + 3)}` : '[SQL omitted]';
  }
  return out.replace(QUOTED_INPUT, '$1[value omitted]');
}

/** The statement text an error carries: a driver property, or the SQL knex/MikroORM put before " - ". */
function statementText(e: Record<string, unknown>, message: string): string | undefined {
  for (const key of ['sql', 'query']) if (typeof e[key] === 'string' && SQL_FIRST.test(e[key] as string)) return e[key] as string;
  if (!SQL_FIRST.test(message)) return undefined;
  const cut = message.lastIndexOf(' - ');
  return cut >= 0 ? message.slice(0, cut) : undefined;
}

/**
 * A short stable name for an SQL statement, for failure logs: its verb, the first table it names
 * and a hash of its text with every literal and parameter removed — e.g. `insert contacts#1f0c9a2b`.
 * The same statement gets the same name whatever values it ran with; no value reaches the name.
 */
export function statementName(sql: string): string {
  const shape = sql
    .replace(/'(?:[^']|'')*'/g, '?')
    .replace(/\$\d+|\b\d+(?:\.\d+)?\b/g, '?')
    .replace(/\s+/g, ' ')
    .trim()
    .toLowerCase();
  const verb = /^\(?\s*(\w+)/.exec(shape)?.[1] ?? 'sql';
  const main = verb === 'with' ? /\)\s*(select|insert|update|delete)\b(?![\s\S]*\)\s*(?:select|insert|update|delete)\b)/.exec(shape)?.[1] : undefined;
  const table = /\b(?:from|into|update|join|table)\s+(?:only\s+)?"?([a-z_][\w.]*)"?/.exec(shape)?.[1];
  const hash = createHash('sha1').update(shape).digest('hex').slice(0, 8);
  return `${main ?? verb}${table ? ` ${table}` : ''}#${hash}`;
}

/**
 * pino's `err` serializer for every logger of a process: type, message, stack, code and the
 * driver's safe fields (severity, constraint, table, column, routine…), its cause chain — but no
 * SQL text, bound parameters or row values, which would put customers' personal data in the logs.
 * What was left out is named in `omitted`; the failing statement is named by `statement`.
 */
export function serializeError(err: unknown, depth = 0): unknown {
  if (!err || typeof err !== 'object' || !('message' in err)) return err;
  const e = err as Error & Record<string, unknown>;
  const raw = String(e.message ?? '');
  const message = safeErrorMessage(raw);
  const out: Record<string, unknown> = { type: e.constructor?.name ?? 'Error', message };
  const sql = statementText(e, raw);
  if (sql) out.statement = statementName(sql);
  // the database refusing work because this process is stopping is expected, not a fault to trace:
  // its message says everything (a shutdown during a re-embed logged a stack per pending write)
  if (typeof e.stack === 'string' && !isUnavailableFor(e, 'stopping')) out.stack = raw ? e.stack.split(raw).join(message) : e.stack;
  const omitted: string[] = [];
  for (const [key, value] of Object.entries(e)) {
    if (key === 'message' || key === 'stack' || key === 'cause' || value === undefined) continue;
    if (ROW_DATA_KEYS.has(key)) {
      omitted.push(key);
      continue;
    }
    out[key] = value instanceof Error ? (depth < 5 ? serializeError(value, depth + 1) : '[…]') : typeof value === 'string' ? safeErrorMessage(value) : value;
  }
  if (e.cause !== undefined && depth < 5) {
    out.cause = serializeError(e.cause, depth + 1);
    // an AppError wrapping a driver error names the statement that failed beneath it
    const inner = (out.cause as { statement?: unknown } | undefined)?.statement;
    if (out.statement === undefined && typeof inner === 'string') out.statement = inner;
  }
  if (omitted.length) out.omitted = omitted;
  return out;
}

/** The one root logger of a process; components take children of it. */
export function createLogger(options: { level?: string; name?: string; pretty?: boolean; destination?: DestinationStream } = {}): Logger {
  const opts: LoggerOptions = {
    name: options.name ?? 'crm',
    level: options.level ?? 'info',
    formatters: { log: (obj) => redactSecrets(obj) as Record<string, unknown> },
    serializers: { err: serializeError, error: serializeError },
  };
  if (options.destination) return pino(opts, options.destination);
  // Logs go to stderr so stdout stays clean for MCP stdio and CLI output.
  if (options.pretty) {
    return pino({ ...opts, transport: { target: 'pino-pretty', options: { destination: 2, colorize: true } } });
  }
  return pino(opts, pino.destination(2));
}

export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
