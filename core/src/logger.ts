import { pino, type DestinationStream, type Logger, type LoggerOptions } from 'pino';

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

/** The one root logger of a process; components take children of it. */
export function createLogger(options: { level?: string; name?: string; pretty?: boolean; destination?: DestinationStream } = {}): Logger {
  const opts: LoggerOptions = {
    name: options.name ?? 'crm',
    level: options.level ?? 'info',
    formatters: { log: (obj) => redactSecrets(obj) as Record<string, unknown> },
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
