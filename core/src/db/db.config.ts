import { z } from 'zod';

/**
 * Timeouts and recovery settings of the database connections (merged by the runtime into the
 * one config). Without them a stalled server hangs every request forever.
 */
export const DbEnv = z.object({
  DB_CONNECT_TIMEOUT_MS: z.coerce
    .number()
    .int()
    .min(100)
    .default(5_000)
    .describe('How long opening (or waiting for) a database connection may take before the request fails with 503; e.g. 5000 (while this is at its default, commands beside a running crm start wait up to 60 s for its busy embedded database)'),
  DB_STATEMENT_TIMEOUT_MS: z.coerce
    .number()
    .int()
    .min(100)
    .default(30_000)
    .describe('Server-side statement_timeout of every interactive transaction and read; e.g. 30000'),
  DB_QUERY_TIMEOUT_MS: z.coerce
    .number()
    .int()
    .min(100)
    .default(35_000)
    .describe('Client-side limit on waiting for any query answer (catches a stalled network, where the server cannot time out); e.g. 35000'),
  DB_RETRY_AFTER_SECONDS: z.coerce
    .number()
    .int()
    .min(1)
    .default(5)
    .describe('Retry-After sent with 503 DATABASE_UNAVAILABLE; e.g. 5'),
  DB_LISTEN_RETRY_MAX_MS: z.coerce
    .number()
    .int()
    .min(100)
    .default(30_000)
    .describe('Longest pause between attempts to re-open the LISTEN connection after the database went away; e.g. 30000'),
});
export type DbEnv = z.infer<typeof DbEnv>;

export interface DbTimeouts {
  connectTimeoutMs: number;
  statementTimeoutMs: number;
  queryTimeoutMs: number;
  retryAfterSeconds: number;
  listenRetryMaxMs: number;
}

export const DEFAULT_DB_TIMEOUTS: DbTimeouts = dbTimeoutsFrom(DbEnv.parse({}));

export function dbTimeoutsFrom(env: DbEnv): DbTimeouts {
  return {
    connectTimeoutMs: env.DB_CONNECT_TIMEOUT_MS,
    statementTimeoutMs: env.DB_STATEMENT_TIMEOUT_MS,
    queryTimeoutMs: env.DB_QUERY_TIMEOUT_MS,
    retryAfterSeconds: env.DB_RETRY_AFTER_SECONDS,
    listenRetryMaxMs: env.DB_LISTEN_RETRY_MAX_MS,
  };
}
