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
import { startEmbeddedPostgres, type EmbeddedPostgres } from './embedded-postgres.ts';
import { loadMigrations, migrate } from './migrator.ts';

export type { EntityManager };

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export interface Database {
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
  /** Read-only statements as `crm_worker` in one round trip (API-key lookup on every request). */
  readAsWorker(statements: ReadStatement[]): Promise<Record<string, unknown>[][]>;
  /** Run `fn` in one transaction as `crm_worker` (outbox dispatch). */
  asWorker<T>(fn: (client: pg.PoolClient) => Promise<T>): Promise<T>;
  /** Fired after a transaction that wrote outbox events commits (in-process wake-up). */
  events: EventEmitter;
  /** A dedicated owner connection, e.g. for LISTEN. Caller releases it. */
  connect(): Promise<pg.PoolClient>;
  migrate(extraDirs?: string[]): Promise<string[]>;
  close(): Promise<void>;
}

export interface OpenDatabaseOptions {
  config: DatabaseConfig;
  logger: Logger;
  /** Apply pending migrations on open (default true). */
  migrate?: boolean;
  extraMigrationDirs?: string[];
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
 * settings of the first statement cover the rest and vanish with it; an error anywhere rolls it all
 * back and leaves the connection clean. Parameters are inlined with `pg.escapeLiteral` (the simple
 * protocol has no bind step); the tenant id is a validated UUID.
 */
export function tenantReadBatch(tenantId: string | null, statements: ReadStatement[]): string {
  const scope =
    tenantId === null
      ? "set_config('role', 'crm_worker', true)"
      : `set_config('role', 'crm_app', true), set_config('app.tenant_id', ${pg.escapeLiteral(tenantId)}, true)`;
  const parts = [`SELECT ${scope}, set_config('transaction_read_only', 'on', true)`];
  statements.forEach(({ sql, params = [] }, i) => {
    parts.push(
      sql.replace(/\$(\d+)/g, (_, n: string) => {
        const k = Number(n) - 1;
        if (k < 0 || k >= params.length) throw new AppError('INTERNAL', `read statement ${i} has no parameter $${n}`);
        return literal(params[k], `$${n}`);
      }),
    );
  });
  return parts.join(';\n');
}

export const ENTITIES = [TenantEntity, UserEntity, ContactEntity, InteractionEntity, FollowUpEntity];

export async function openDatabase(options: OpenDatabaseOptions): Promise<Database> {
  const { config, logger } = options;
  let embedded: EmbeddedPostgres | undefined;
  let url = config.url;
  if (!url) {
    embedded = await startEmbeddedPostgres({ dataDir: config.dataDir, port: config.pglitePort });
    url = embedded.url;
    logger.debug({ dataDir: config.dataDir, port: embedded.port }, 'embedded PGlite started');
  }
  let kind: Database['kind'] = embedded ? 'pglite' : 'postgres';
  // PGlite multiplexes all sockets onto one session, so session-level SET ROLE would leak
  // between connections there; on a real server each pooled connection is switched for good.
  const sessionRole = (role: string) =>
    kind === 'postgres'
      ? { afterCreate: (conn: pg.Client, done: (err: Error | null, conn: pg.Client) => void) =>
            conn.query(`SET ROLE ${role}`, (err: Error | null) => done(err, conn)) }
      : {};

  const owner = new pg.Pool({ connectionString: url, max: 4 });
  owner.on('error', (err) => logger.warn({ err }, 'idle owner connection error'));
  try {
    // Another process's embedded PGlite (reached by URL beside a running `crm start`) is still
    // PGlite: one shared session, so it must not get session-level SET ROLE either.
    const { rows } = await owner.query<{ v: string }>('SELECT version() AS v');
    if (/PGlite/i.test(rows[0]?.v ?? '')) kind = 'pglite';
  } catch (err) {
    await owner.end().catch(() => {});
    await embedded?.stop();
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
      throw err;
    }
  }

  const orm = await MikroORM.init({
    entities: ENTITIES,
    clientUrl: config.appUrl ?? url,
    pool: { min: 0, max: config.poolMax, ...(config.appUrl ? {} : sessionRole('crm_app')) },
    allowGlobalContext: false,
    debug: false,
    discovery: { warnWhenNoEntities: true },
    forceUtcTimezone: true,
  });
  const reader = new pg.Pool({ connectionString: config.appUrl ?? url, max: config.poolMax });
  reader.on('error', (err) => logger.warn({ err }, 'idle reader connection error'));
  const worker = new pg.Pool({ connectionString: url, max: 4 });
  worker.on('error', (err) => logger.warn({ err }, 'idle worker connection error'));
  const events = new EventEmitter();
  events.setMaxListeners(100);

  return {
    kind,
    url,
    orm,
    events,
    async withTenant(tenantId, fn) {
      if (!UUID_RE.test(tenantId)) throw new AppError('PERMISSION_DENIED', 'No valid tenant in the request context');
      const em = orm.em.fork({ clear: true });
      return em.transactional(async (tx) => {
        await tx.execute("SELECT set_config('role', 'crm_app', true), set_config('app.tenant_id', ?, true)", [tenantId]);
        return fn(tx as EntityManager);
      });
    },
    async readAsTenant(tenantId, statements) {
      if (!UUID_RE.test(tenantId)) throw new AppError('PERMISSION_DENIED', 'No valid tenant in the request context');
      const results = (await reader.query(tenantReadBatch(tenantId, statements))) as unknown as pg.QueryResult[];
      return results.slice(1).map((r) => r.rows);
    },
    async readAsWorker(statements) {
      const results = (await worker.query(tenantReadBatch(null, statements))) as unknown as pg.QueryResult[];
      return results.slice(1).map((r) => r.rows);
    },
    async asWorker(fn) {
      const client = await worker.connect();
      try {
        await client.query('BEGIN');
        await client.query("SELECT set_config('role', 'crm_worker', true)");
        const result = await fn(client);
        await client.query('COMMIT');
        return result;
      } catch (err) {
        await client.query('ROLLBACK').catch(() => {});
        throw err;
      } finally {
        client.release();
      }
    },
    connect: () => owner.connect(),
    migrate: runMigrations,
    async close() {
      await orm.close(true);
      await reader.end();
      await worker.end();
      await owner.end();
      await embedded?.stop();
    },
  };
}
