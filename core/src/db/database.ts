import { EventEmitter } from 'node:events';
import { MikroORM, type EntityManager } from '@mikro-orm/postgresql';
import pg from 'pg';
import type { DatabaseConfig } from '../config/config.ts';
import { AppError } from '../errors/app-error.ts';
import type { Logger } from '../logger.ts';
import { ContactEntity } from '../contacts/contact.entity.ts';
import { FollowUpEntity } from '../follow-ups/follow-up.entity.ts';
import { InteractionEntity } from '../interactions/interaction.entity.ts';
import { TenantEntity } from '../tenants/tenant.entity.ts';
import { UserEntity } from '../users/user.entity.ts';
import { DEFAULT_DB_TIMEOUTS, type DbTimeouts } from './db.config.ts';
import { isAcquireTimeout, poolBusy, rethrowUnavailable } from './db-errors.ts';
import { settlesWithin } from '../settles-within.ts';
import type { EmbeddedPostgres } from './embedded-postgres.ts';
import { fixedEmbeddedUrl } from './embedded-socket-dir.ts';
import { watchEmbeddedOwner, type EmbeddedTakeover } from './embedded-takeover.ts';
import type { DatabaseHandle } from './database-handle.ts';
import { loadMigrations, migrate } from './migrator.ts';

export type { EntityManager };

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export type { DatabaseHandle } from './database-handle.ts';
export { databaseOf } from './database-handle.ts';

export interface Database extends DatabaseHandle {
  kind: 'pglite' | 'postgres';
  /** Owner URL (migrations, tooling). */
  url: string;
  orm: MikroORM;
  /**
   * Run `fn` in one transaction as the non-owner `crm_app` role with `app.tenant_id` set, so
   * row-level security scopes every statement to that tenant.
   */
  withTenant<T>(tenantId: string, fn: (em: EntityManager) => Promise<T>): Promise<T>;
  /**
   * Read-only statements as the tenant in ONE round trip (see `tenantReadBatch`). Returns one row
   * array per statement. For hot read paths (contact by id, list + count).
   */
  readAsTenant(tenantId: string, statements: ReadStatement[]): Promise<Record<string, unknown>[][]>;
  /**
   * Statements that may write, as the tenant, in ONE round trip and one implicit transaction (all
   * or nothing). For hot write paths (the workflow engine's effect ledger and step records).
   */
  writeAsTenant(tenantId: string, statements: ReadStatement[]): Promise<Record<string, unknown>[][]>;
  /** Read-only statements as `crm_worker` in one round trip (API-key lookup on every request). */
  readAsWorker(statements: ReadStatement[]): Promise<Record<string, unknown>[][]>;
  /** Statements that may write, as `crm_worker`, in ONE round trip and one implicit transaction (all or nothing). */
  writeAsWorker(statements: ReadStatement[]): Promise<Record<string, unknown>[][]>;
  /** Run `fn` in one transaction as `crm_worker` (outbox dispatch). */
  asWorker<T>(fn: (client: pg.PoolClient) => Promise<T>): Promise<T>;
  /** Fired after a transaction that wrote outbox events commits (in-process wake-up). */
  events: EventEmitter;
  /**
   * A dedicated owner connection, e.g. for LISTEN. Caller releases it (with the error when the
   * connection failed, so the pool drops it). A connection error while it is checked out is
   * logged instead of crashing the process; add your own 'error' listener to react to it.
   */
  connect(): Promise<pg.PoolClient>;
  /** Round trip to the database (for /health); throws DATABASE_UNAVAILABLE when it fails. */
  ping(): Promise<{ latencyMs: number }>;
  /** The timeouts in effect (LISTEN reconnect backoff, Retry-After). */
  timeouts: DbTimeouts;
  migrate(extraDirs?: string[]): Promise<string[]>;
  /**
   * The process is shutting down: calls still waiting for a connection are rejected at once
   * (DATABASE_UNAVAILABLE, `details.reason: "stopping"`) and so is every later call; statements
   * already running go on. Idempotent; `close()` calls it.
   */
  stopping(): void;
  /**
   * Stop (see `stopping`), let the statements still running finish for up to `graceMs` (default
   * 1 s), then close: on the embedded database what is still running then is cut off and rolled
   * back (its socket server drops the connections); on a server the pools are left to the process's exit.
   */
  close(options?: { graceMs?: number }): Promise<void>;
}

export interface OpenDatabaseOptions {
  config: DatabaseConfig;
  logger: Logger;
  /** Apply pending migrations on open (default true). */
  migrate?: boolean;
  extraMigrationDirs?: string[];
  /** Connect/statement/query timeouts (see db.config.ts); defaults when omitted. */
  timeouts?: Partial<DbTimeouts>;
  /**
   * `config.url` is the socket of another process that owns the embedded database in
   * `config.dataDir`: when it stops, take the folder over and serve it at the same URL (see
   * embedded-takeover.ts). Ignored unless that URL is the folder's fixed one.
   */
  takeOver?: { ownerPid?: number; onTakeOver?: (info: { fromPid?: number }) => void };
}

/** One statement of a tenant read batch; `$1`, `$2`, ... are replaced by escaped literals of `params`. */
export interface ReadStatement {
  sql: string;
  params?: readonly ReadParam[];
}
export type ReadParam = string | number | boolean | Date | null;

function literal(v: ReadParam, at: string): string {
  if (v === null) return 'NULL';
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) throw new AppError('INTERNAL', `read parameter ${at} is not a finite number`);
    return String(v);
  }
  if (typeof v === 'boolean') return v ? 'TRUE' : 'FALSE';
  if (v instanceof Date) return `${pg.escapeLiteral(v.toISOString())}::timestamptz`;
  return pg.escapeLiteral(v);
}

/**
 * The text of a one-round-trip read as the tenant (or, with `null`, as the worker): a simple-protocol query with several statements, which
 * PostgreSQL runs as ONE implicit transaction, so the transaction-local role, tenant and read-only
 * (unless `readOnly` is false: `writeAsTenant`) settings of the first statement cover the rest and vanish with it; an error anywhere rolls it all
 * back and leaves the connection clean. Parameters are inlined with `pg.escapeLiteral` (the simple
 * protocol has no bind step); the tenant id is a validated UUID.
 */
export function tenantReadBatch(tenantId: string | null, statements: ReadStatement[], statementTimeoutMs?: number, readOnly = true): string {
  const scope =
    tenantId === null
      ? "set_config('role', 'crm_worker', true)"
      : `set_config('role', 'crm_app', true), set_config('app.tenant_id', ${pg.escapeLiteral(tenantId)}, true)`;
  const timeout = statementTimeoutMs ? `, set_config('statement_timeout', '${Math.trunc(statementTimeoutMs)}', true)` : '';
  const parts = [`SELECT ${scope}${readOnly ? ", set_config('transaction_read_only', 'on', true)" : ''}${timeout}`];
  statements.forEach(({ sql, params = [] }, i) => parts.push(inlineParams(sql, params, `read statement ${i}`)));
  return parts.join(';\n');
}

/**
 * `sql` with `$1`, `$2`, ... replaced by escaped literals of `params`, in one pass (a literal's own
 * text is never rescanned). For a statement that must carry another statement as text.
 */
export function inlineParams(sql: string, params: readonly ReadParam[], what = 'statement'): string {
  return sql.replace(/\$(\d+)/g, (_, n: string) => {
    const k = Number(n) - 1;
    if (k < 0 || k >= params.length) throw new AppError('INTERNAL', `${what} has no parameter $${n}`);
    return literal(params[k], `$${n}`);
  });
}

/**
 * After a client-side query timeout pg keeps waiting for the lost answer, so every later query on
 * that connection would time out too: close the socket instead, so the pool (pg or knex) drops it.
 */
export function dropOnQueryTimeout(client: pg.Client): void {
  const query = client.query.bind(client) as (...args: unknown[]) => unknown;
  const drop = (err: unknown) => {
    if (/query read timeout/i.test(String((err as Error)?.message))) (client as unknown as { connection: { stream: { destroy(): void } } }).connection.stream.destroy();
  };
  (client as unknown as { query: (...args: unknown[]) => unknown }).query = (...args: unknown[]) => {
    const last = args[args.length - 1];
    if (typeof last === 'function') {
      args[args.length - 1] = (err: unknown, res: unknown) => {
        if (err) drop(err);
        (last as (e: unknown, r: unknown) => void)(err, res);
      };
      return query(...args);
    }
    const result = query(...args);
    if (result instanceof Promise) result.catch(drop);
    return result;
  };
}

export const ENTITIES = [TenantEntity, UserEntity, ContactEntity, InteractionEntity, FollowUpEntity];

export async function openDatabase(options: OpenDatabaseOptions): Promise<Database> {
  const { config, logger } = options;
  const timeouts: DbTimeouts = { ...DEFAULT_DB_TIMEOUTS, ...options.timeouts };
  const unavailable = (err: unknown): never => rethrowUnavailable(err, timeouts.retryAfterSeconds);
  // keepAlive notices a vanished peer; the query timeout catches a stalled one the server cannot time out
  const connection = { connectionTimeoutMillis: timeouts.connectTimeoutMs, query_timeout: timeouts.queryTimeoutMs, keepAlive: true };
  const statementTimeout = String(timeouts.statementTimeoutMs);
  let embedded: EmbeddedPostgres | undefined;
  let image: (typeof import('./pglite-image.ts') & import('./pglite-image.ts').PgliteImage) | undefined;
  let url = config.url;
  if (!url) {
    // PGlite (WASM) loads only in the process that runs the embedded database, not in its clients
    const { startEmbeddedPostgres } = await import('./embedded-postgres.ts');
    const images = config.imageCacheDir && options.migrate !== false ? await import('./pglite-image.ts') : undefined;
    image = images && config.imageCacheDir ? { ...images, ...images.findPgliteImage(config.imageCacheDir, loadMigrations(options.extraMigrationDirs ?? [])) } : undefined;
    embedded = await startEmbeddedPostgres({
      dataDir: config.dataDir,
      port: config.pglitePort,
      image: image?.blob,
      onSocketDirRefused: (err) => logger.warn({ err }, 'serving the embedded database on a private socket of this process: if it stops, the processes connected through it cannot take the folder over'),
      onBadImage: (err) => {
        logger.warn({ err, file: image?.file }, 'embedded database image could not be loaded; creating the database instead');
        if (image) image.dropPgliteImage(image.file);
      },
    });
    url = embedded.url;
    logger.debug({ dataDir: config.dataDir, port: embedded.port, fromImage: embedded.fromImage }, 'embedded PGlite started');
  }
  let takeover: EmbeddedTakeover | undefined;
  if (url && !embedded && options.takeOver && url === fixedEmbeddedUrl(config.dataDir, config.pglitePort)) {
    takeover = watchEmbeddedOwner({ dataDir: config.dataDir, port: config.pglitePort, url, ownerPid: options.takeOver.ownerPid, logger, onTakeOver: options.takeOver.onTakeOver });
  } else if (options.takeOver) {
    logger.debug({ url }, 'the owner of the embedded database serves it at a URL of its own: no takeover when it stops');
  }
  let kind: Database['kind'] = embedded ? 'pglite' : 'postgres';
  // PGlite multiplexes all sockets onto one session, so session-level SET ROLE would leak
  // between connections there; on a real server each pooled connection is switched for good.
  const sessionRole = (role: string | undefined) => ({
    afterCreate: (conn: pg.Client, done: (err: Error | null, conn: pg.Client) => void) => {
      dropOnQueryTimeout(conn);
      if (kind !== 'postgres' || !role) return done(null, conn);
      conn.query(`SET ROLE ${role}`, (err: Error | null) => done(err, conn));
    },
  });

  const owner = new pg.Pool({ connectionString: url, max: 4, ...connection });
  owner.on('error', (err) => logger.warn(idleError(err), 'idle owner connection error'));
  owner.on('connect', dropOnQueryTimeout);
  try {
    // Another process's embedded PGlite (reached by URL beside a running `crm start`) is still
    // PGlite: one shared session, so it must not get session-level SET ROLE either.
    const { rows } = await owner.query<{ v: string }>('SELECT version() AS v');
    if (/PGlite/i.test(rows[0]?.v ?? '')) kind = 'pglite';
  } catch (err) {
    await owner.end().catch(() => {});
    await embedded?.stop();
    await takeover?.close();
    throw new AppError('DATABASE_UNAVAILABLE', `Cannot connect to the database: ${(err as Error).message}`, { cause: err });
  }

  const runMigrations = async (extraDirs: string[] = []) => {
    const client = await owner.connect();
    try {
      const dirs = [...new Set([...(options.extraMigrationDirs ?? []), ...extraDirs])];
      return await migrate(client, logger, loadMigrations(dirs));
    } finally {
      client.release();
    }
  };
  if (options.migrate !== false) {
    try {
      await runMigrations();
    } catch (err) {
      await owner.end().catch(() => {});
      await embedded?.stop();
      await takeover?.close();
      throw err;
    }
    if (embedded?.created && !embedded.fromImage && image) {
      // the first new database of these migrations leaves its image for the next ones
      const file = image.file;
      await embedded
        .dumpImage()
        .then((blob) => image!.savePgliteImage(file, blob))
        .catch((err: unknown) => logger.warn({ err, file }, 'could not save the embedded database image'));
    }
  }

  const orm = await MikroORM.init({
    entities: ENTITIES,
    clientUrl: config.appUrl ?? url,
    pool: { min: 0, max: config.poolMax, ...sessionRole(config.appUrl ? undefined : 'crm_app') },
    driverOptions: {
      connection,
      acquireConnectionTimeout: timeouts.connectTimeoutMs,
      // knex reports a dropped pooled connection on the console otherwise
      log: {
        warn: (message: string) => logger.warn({ source: 'knex' }, message),
        error: (message: string) => logger.error({ source: 'knex' }, message),
        deprecate: () => {},
        debug: () => {},
      },
    },
    allowGlobalContext: false,
    debug: false,
    discovery: { warnWhenNoEntities: true },
    forceUtcTimezone: true,
  });
  const reader = new pg.Pool({ connectionString: config.appUrl ?? url, max: config.poolMax, ...connection });
  reader.on('error', (err) => logger.warn(idleError(err), 'idle reader connection error'));
  reader.on('connect', dropOnQueryTimeout);
  const worker = new pg.Pool({ connectionString: url, max: 4, ...connection });
  worker.on('error', (err) => logger.warn(idleError(err), 'idle worker connection error'));
  worker.on('connect', dropOnQueryTimeout);
  const events = new EventEmitter();
  events.setMaxListeners(100);

  // A request that waited in vain for a connection while every one was checked out is told the
  // server is busy (pool_busy), not that the database is unavailable (QA round 7: writes refused
  // under load with "The database is unavailable" while the database sat idle).
  type TarnPool = { numUsed(): number; numPendingCreates(): number; max: number };
  const ormPool = (): TarnPool | undefined => {
    try {
      return (orm.em.getConnection() as unknown as { getKnex(): { client: { pool?: TarnPool } } }).getKnex().client.pool;
    } catch {
      return undefined;
    }
  };
  const ormUnavailable = (err: unknown): never => {
    const pool = isAcquireTimeout(err) ? ormPool() : undefined;
    if (pool && pool.numPendingCreates() === 0 && pool.numUsed() >= pool.max) throw poolBusy(err, pool.max, timeouts.retryAfterSeconds);
    return unavailable(err);
  };
  const pgUnavailable =
    (pool: pg.Pool, max: number) =>
    (err: unknown): never => {
      // every client of the pool exists and none is idle: the wait was for one of them to come back
      if (isAcquireTimeout(err) && pool.totalCount >= max && pool.idleCount === 0) throw poolBusy(err, max, timeouts.retryAfterSeconds);
      return unavailable(err);
    };
  const readerUnavailable = pgUnavailable(reader, config.poolMax);
  const workerUnavailable = pgUnavailable(worker, 4);

  // Shutdown: a call still waiting for a connection is abandoned (rejected at once) instead of
  // queueing behind long work; the connection it gets later goes straight back to its pool.
  let isStopping = false;
  const abandonOnStop = new Set<() => void>();
  const stoppingError = () =>
    new AppError('DATABASE_UNAVAILABLE', 'The database is closing: this process is stopping', {
      retryAfter: timeouts.retryAfterSeconds,
      details: { reason: 'stopping' },
    });
  /**
   * `work` until it holds a connection, which it says by calling `acquired()`: false means the
   * process began stopping meanwhile and the caller was already told so, and `work` must give the
   * connection back. Past `acquired()` the call runs to its end.
   */
  const acquiring = <T>(work: (acquired: () => boolean) => Promise<T>): Promise<T> => {
    if (isStopping) return Promise.reject(stoppingError());
    return new Promise<T>((resolve, reject) => {
      let abandoned = false;
      const abandon = () => {
        abandoned = true;
        reject(stoppingError());
      };
      abandonOnStop.add(abandon);
      const acquired = () => {
        abandonOnStop.delete(abandon);
        return !abandoned;
      };
      work(acquired)
        .then(resolve, reject)
        .finally(() => abandonOnStop.delete(abandon));
    });
  };
  const stopping = () => {
    if (isStopping) return;
    isStopping = true;
    for (const abandon of abandonOnStop) abandon();
    abandonOnStop.clear();
  };

  // A checked-out pg client whose socket dies emits 'error'; with no listener that ends the process.
  const onCheckedOutError = (err: Error) => logger.warn({ err: { message: err.message, code: (err as { code?: string }).code } }, 'database connection lost while in use');
  const checkout = async (pool: pg.Pool, failed: (err: unknown) => never = unavailable) => {
    const client = await acquiring(async (acquired) => {
      const c = await pool.connect();
      if (acquired()) return c;
      c.release();
      throw stoppingError();
    }).catch(failed);
    client.on('error', onCheckedOutError);
    const release = client.release.bind(client);
    client.release = (err?: Error | boolean) => {
      client.off('error', onCheckedOutError);
      client.release = release;
      return release(err);
    };
    return client;
  };
  // pool.query, but abandoned while it waits for a connection when the process stops (as pg does, a failed query drops its connection)
  const queryOn = async (pool: pg.Pool, sql: string, failed: (err: unknown) => never = unavailable): Promise<pg.QueryResult | pg.QueryResult[]> => {
    const client = await checkout(pool, failed);
    try {
      const result = (await client.query(sql)) as pg.QueryResult | pg.QueryResult[];
      client.release();
      return result;
    } catch (err) {
      client.release(err as Error);
      return unavailable(err);
    }
  };

  // A call that never reached a server while the folder changes hands (its owner stopped; this or
  // another process is taking it over) waits for the new owner and runs once more: none of it ran.
  const acrossTakeover = <T>(call: () => Promise<T>): Promise<T> =>
    takeover
      ? call().catch(async (err: unknown) => {
          if (!neverSent(err) || isStopping || !(await takeover!.reachable(timeouts.connectTimeoutMs))) throw err;
          return call();
        })
      : call();

  let closing: Promise<void> | undefined;
  return {
    kind,
    url,
    orm,
    events,
    timeouts,
    async withTenant(tenantId, fn) {
      if (!UUID_RE.test(tenantId)) throw new AppError('PERMISSION_DENIED', 'No valid tenant in the request context');
      return acrossTakeover(() =>
        acquiring((acquired) =>
          orm.em
            .fork({ clear: true })
            .transactional(async (tx) => {
              // abandoned while it waited for its connection: roll back at once, the caller has its error
              if (!acquired()) throw stoppingError();
              await tx.execute(
                "SELECT set_config('role', 'crm_app', true), set_config('app.tenant_id', ?, true), set_config('statement_timeout', ?, true)",
                [tenantId, statementTimeout],
              );
              return fn(tx as EntityManager);
            })
            .catch(ormUnavailable),
        ),
      );
    },
    async readAsTenant(tenantId, statements) {
      if (!UUID_RE.test(tenantId)) throw new AppError('PERMISSION_DENIED', 'No valid tenant in the request context');
      const sql = tenantReadBatch(tenantId, statements, timeouts.statementTimeoutMs);
      const results = (await acrossTakeover(() => queryOn(reader, sql, readerUnavailable))) as unknown as pg.QueryResult[];
      return results.slice(1).map((r) => r.rows);
    },
    async writeAsTenant(tenantId, statements) {
      if (!UUID_RE.test(tenantId)) throw new AppError('PERMISSION_DENIED', 'No valid tenant in the request context');
      const sql = tenantReadBatch(tenantId, statements, timeouts.statementTimeoutMs, false);
      const results = (await acrossTakeover(() => queryOn(reader, sql, readerUnavailable))) as unknown as pg.QueryResult[];
      return results.slice(1).map((r) => r.rows);
    },
    async readAsWorker(statements) {
      const sql = tenantReadBatch(null, statements, timeouts.statementTimeoutMs);
      const results = (await acrossTakeover(() => queryOn(worker, sql, workerUnavailable))) as unknown as pg.QueryResult[];
      return results.slice(1).map((r) => r.rows);
    },
    async writeAsWorker(statements) {
      const sql = tenantReadBatch(null, statements, timeouts.statementTimeoutMs, false);
      const results = (await acrossTakeover(() => queryOn(worker, sql, workerUnavailable))) as unknown as pg.QueryResult[];
      return results.slice(1).map((r) => r.rows);
    },
    async asWorker(fn) {
      const client = await acrossTakeover(() => checkout(worker, workerUnavailable));
      let broken: Error | undefined;
      try {
        await client.query('BEGIN');
        await client.query("SELECT set_config('role', 'crm_worker', true), set_config('statement_timeout', $1, true)", [statementTimeout]);
        const result = await fn(client);
        await client.query('COMMIT');
        return result;
      } catch (err) {
        await client.query('ROLLBACK').catch((e: Error) => (broken = e));
        return unavailable(err);
      } finally {
        // a connection that could not even roll back is dropped, not handed to the next caller
        client.release(broken);
      }
    },
    connect: () => checkout(owner),
    async ping() {
      const started = performance.now();
      await acrossTakeover(() => queryOn(owner, 'SELECT 1'));
      return { latencyMs: Math.round(performance.now() - started) };
    },
    migrate: runMigrations,
    stopping,
    close(options = {}) {
      // a second close (a test's drop after a runtime's stop) waits for the first
      closing ??= closeOnce(options.graceMs ?? 1000);
      return closing;
    },
  };

  async function closeOnce(graceMs: number): Promise<void> {
    stopping();
    // each pool ends once its connections in use come back (knex: its transactions end)
    const pools = Promise.allSettled([orm.close(true), reader.end(), worker.end(), owner.end()]);
    const inTime = await settlesWithin(pools, graceMs);
    if (!inTime) logger.warn({ graceMs }, embedded ? 'closing the embedded database with statements still running: they are rolled back' : 'statements still running at shutdown: the server rolls them back when the process exits');
    // the socket server drops its connections (rolling back a transaction in progress), so the pools end now too
    await embedded?.stop();
    if (!inTime && embedded) await settlesWithin(pools, graceMs);
    // after the pools: a folder this process took over is served until its last query
    await takeover?.close();
  }
}

/**
 * What to log of an idle pooled connection's error: its message and code. The error pg hands the
 * pool's listener carries the whole client (its configuration, type parsers, buffers): logged as is,
 * one lost connection was ~4 KB of JSON on stderr, where an MCP client keeps its server's log.
 */
function idleError(err: Error): { err: { message: string; code?: string } } {
  const code = (err as { code?: unknown }).code;
  return { err: { message: err.message, ...(typeof code === 'string' ? { code } : {}) } };
}

/** `openDatabase` as other packages get it: the handle, not the ORM-backed database. */
export const openDatabaseHandle: (options: OpenDatabaseOptions) => Promise<DatabaseHandle> = (options) => openDatabase(options);

/**
 * True when `err` (or what it wraps) says the statement never reached a server: nobody listens at
 * the address (ECONNREFUSED, ENOENT), or an idle pooled connection's peer had already gone when
 * the statement was written to it (EPIPE). Not "connection terminated": that one may have run.
 */
function neverSent(err: unknown): boolean {
  for (let e = err, depth = 0; e && depth < 6; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (code === 'ECONNREFUSED' || code === 'ENOENT' || code === 'EPIPE') return true;
    if (/\b(connect (ECONNREFUSED|ENOENT)|write EPIPE)\b/.test(String((e as Error).message))) return true;
  }
  return false;
}
