import { pino, type Logger, type LoggerOptions } from 'pino';

export type { Logger };

/** The one root logger of a process; components take children of it. */
export function createLogger(options: { level?: string; name?: string; pretty?: boolean } = {}): Logger {
  const opts: LoggerOptions = {
    name: options.name ?? 'crm',
    level: options.level ?? 'info',
    redact: { paths: ['*.apiKey', '*.password', 'req.headers.authorization', 'req.headers["x-api-key"]'], censor: '[redacted]' },
  };
  // Logs go to stderr so stdout stays clean for MCP stdio and CLI output.
  if (options.pretty) {
    return pino({ ...opts, transport: { target: 'pino-pretty', options: { destination: 2, colorize: true } } });
  }
  return pino(opts, pino.destination(2));
}

export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
