import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { AppError } from '../errors/app-error.ts';
import { zodIssues } from '../errors/zod-issues.ts';

export const LogLevel = z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']);

const postgresUrl = z.string().regex(/^postgres(ql)?:\/\//, 'must be a postgres:// or postgresql:// URL');

/** Database and logging variables (the part of the configuration every process needs). */
export const CoreEnv = z.object({
  DATABASE_URL: postgresUrl.optional(),
  /** Optional separate login for the non-owner app role; default: DATABASE_URL + SET ROLE crm_app. */
  DATABASE_APP_URL: postgresUrl.optional(),
  CRM_DATA_DIR: z.string().min(1).optional(),
  /** Port of the embedded PGlite socket server; 0 picks a free one. */
  CRM_PGLITE_PORT: z.coerce.number().int().min(0).max(65535).default(0),
  /** Folder of migrated empty-database images that new embedded data folders start from (pglite-image.ts). */
  CRM_PGLITE_IMAGE_CACHE: z.string().min(1).optional(),
  DB_POOL_MAX: z.coerce.number().int().min(1).max(200).default(10),
  /** Minutes between maintenance passes (VACUUM/ANALYZE) of the embedded database; 0 = never. */
  PGLITE_MAINTENANCE_MINUTES: z.coerce.number().min(0).max(10_080).default(30),
  LOG_LEVEL: LogLevel.default('info'),
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
});
export type CoreEnv = z.infer<typeof CoreEnv>;

export interface DatabaseConfig {
  /** Server URL; absent ⇒ embedded PGlite in dataDir. */
  url?: string;
  appUrl?: string;
  dataDir: string;
  pglitePort: number;
  /** Folder of migrated images a NEW embedded database starts from (and the first one is saved to). */
  imageCacheDir?: string;
  poolMax: number;
  /** Minutes between maintenance passes of the embedded PGlite (it has no autovacuum); 0 = off. */
  maintenanceMinutes?: number;
}

export interface CoreConfig {
  database: DatabaseConfig;
  logLevel: z.infer<typeof LogLevel>;
  env: CoreEnv['NODE_ENV'];
}

/** An empty variable (`DATABASE_URL=`) means unset, as shells and .env files use it. */
export function withoutEmpty(env: NodeJS.ProcessEnv): Record<string, string> {
  return Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => e[1] !== undefined && e[1].trim() !== ''));
}

/**
 * Where the embedded database lives when CRM_DATA_DIR is not set: a per-user folder, never the
 * working directory — MCP clients start stdio servers from wherever they like, and `npx crm` run
 * from another folder must find the same database.
 */
export function defaultDataDir(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform, home = os.homedir()): string {
  if (platform === 'win32') return path.join(env.LOCALAPPDATA || path.join(home, 'AppData', 'Local'), 'agentic-crm');
  if (platform === 'darwin') return path.join(home, 'Library', 'Application Support', 'agentic-crm');
  const base = env.XDG_DATA_HOME && path.isAbsolute(env.XDG_DATA_HOME) ? env.XDG_DATA_HOME : path.join(home, '.local', 'share');
  return path.join(base, 'agentic-crm');
}

export function toCoreConfig(e: CoreEnv, env: NodeJS.ProcessEnv = process.env): CoreConfig {
  return {
    database: {
      url: e.DATABASE_URL,
      appUrl: e.DATABASE_APP_URL,
      dataDir: e.CRM_DATA_DIR ? path.resolve(e.CRM_DATA_DIR) : defaultDataDir(env),
      pglitePort: e.CRM_PGLITE_PORT,
      imageCacheDir: e.CRM_PGLITE_IMAGE_CACHE ? path.resolve(e.CRM_PGLITE_IMAGE_CACHE) : undefined,
      poolMax: e.DB_POOL_MAX,
      maintenanceMinutes: e.PGLITE_MAINTENANCE_MINUTES,
    },
    logLevel: e.LOG_LEVEL,
    env: e.NODE_ENV,
  };
}

/** The database and logging part only; entry points use `loadConfig` (crm-config.ts) for everything. */
export function loadCoreConfig(env: NodeJS.ProcessEnv = process.env): CoreConfig {
  const parsed = CoreEnv.safeParse(withoutEmpty(env));
  if (!parsed.success) {
    const issues = zodIssues(parsed.error);
    throw AppError.validation(issues, `Invalid configuration: ${issues.map((i) => `${i.path}: ${i.reason}`).join('; ')}`);
  }
  return toCoreConfig(parsed.data, env);
}
