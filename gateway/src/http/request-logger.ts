import type { FastifyBaseLogger, FastifyServerOptions } from 'fastify';

type Parent = FastifyBaseLogger & { isLevelEnabled?: (level: string) => boolean };
type Bindings = Parameters<FastifyBaseLogger['child']>[0];
type ChildOptions = Parameters<FastifyBaseLogger['child']>[1];
type Level = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace';

/**
 * A request's logger (`req.log`) that becomes the pino child with the request's bindings
 * (`reqId`) only when something is logged at an enabled level: Fastify built that child for every
 * request (a bindings string and a prototype chain each, ~1.5% of a GET by id's CPU, more garbage),
 * although at the default levels a request that succeeds logs nothing through it.
 */
class LazyRequestLogger {
  private real: FastifyBaseLogger | undefined;

  constructor(
    private readonly parent: Parent,
    private readonly bindings: Bindings,
  ) {}

  private get logger(): FastifyBaseLogger {
    return (this.real ??= this.parent.child(this.bindings));
  }

  private enabled(level: Level): boolean {
    if (this.real) return true;
    return this.parent.isLevelEnabled ? this.parent.isLevelEnabled(level) : true;
  }

  get level(): FastifyBaseLogger['level'] {
    return this.real?.level ?? this.parent.level;
  }

  set level(level: FastifyBaseLogger['level']) {
    this.logger.level = level;
  }

  isLevelEnabled(level: string): boolean {
    return this.real ? ((this.real as Parent).isLevelEnabled?.(level) ?? true) : (this.parent.isLevelEnabled?.(level) ?? true);
  }

  fatal(...args: unknown[]): void {
    if (this.enabled('fatal')) (this.logger.fatal as (...a: unknown[]) => void)(...args);
  }

  error(...args: unknown[]): void {
    if (this.enabled('error')) (this.logger.error as (...a: unknown[]) => void)(...args);
  }

  warn(...args: unknown[]): void {
    if (this.enabled('warn')) (this.logger.warn as (...a: unknown[]) => void)(...args);
  }

  info(...args: unknown[]): void {
    if (this.enabled('info')) (this.logger.info as (...a: unknown[]) => void)(...args);
  }

  debug(...args: unknown[]): void {
    if (this.enabled('debug')) (this.logger.debug as (...a: unknown[]) => void)(...args);
  }

  trace(...args: unknown[]): void {
    if (this.enabled('trace')) (this.logger.trace as (...a: unknown[]) => void)(...args);
  }

  silent(): void {}

  child(bindings: Bindings, options?: ChildOptions): FastifyBaseLogger {
    return this.logger.child(bindings, options);
  }
}

/**
 * Fastify's `childLoggerFactory`: a lazy request logger, unless the route sets its own log level
 * (then the child must carry that level from the start).
 */
export const lazyChildLoggerFactory: NonNullable<FastifyServerOptions['childLoggerFactory']> = function (logger, bindings, opts) {
  if (opts.level !== undefined || typeof (logger as Parent).isLevelEnabled !== 'function') return logger.child(bindings, opts);
  return new LazyRequestLogger(logger as Parent, bindings) as unknown as FastifyBaseLogger;
};
