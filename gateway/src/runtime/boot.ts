import fs from 'node:fs';
import path from 'node:path';
import { AppError, createCrmCore, loadCoreConfig, loadScoringConfig, openDatabase, type CoreConfig, type CrmCore, type Logger } from '@crm/core';

/** Written by `crm start` so other `crm` commands reuse its embedded database instead of failing on the lock. */
interface RunningServer {
  pid: number;
  databaseUrl: string;
  httpUrl?: string;
}

function serverFile(config: CoreConfig): string {
  return path.join(config.database.dataDir, 'server.json');
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export function readRunningServer(config: CoreConfig): RunningServer | undefined {
  try {
    const info = JSON.parse(fs.readFileSync(serverFile(config), 'utf8')) as RunningServer;
    return info.pid !== process.pid && alive(info.pid) ? info : undefined;
  } catch {
    return undefined;
  }
}

export function writeRunningServer(config: CoreConfig, info: RunningServer): () => void {
  const file = serverFile(config);
  fs.writeFileSync(file, JSON.stringify(info, null, 2));
  return () => {
    try {
      const cur = JSON.parse(fs.readFileSync(file, 'utf8')) as RunningServer;
      if (cur.pid === process.pid) fs.unlinkSync(file);
    } catch {
      /* already gone */
    }
  };
}

export interface Booted {
  config: CoreConfig;
  core: CrmCore;
  /** True when this process owns the embedded database (no DATABASE_URL and no running `crm start`). */
  ownsEmbedded: boolean;
  close(): Promise<void>;
}

export async function bootCore(logger: Logger, env: NodeJS.ProcessEnv = process.env): Promise<Booted> {
  const config = loadCoreConfig(env);
  let ownsEmbedded = !config.database.url;
  if (!config.database.url) {
    const running = readRunningServer(config);
    if (running) {
      config.database.url = running.databaseUrl;
      ownsEmbedded = false;
      logger.debug({ pid: running.pid }, 'using the embedded database of the running crm start');
    }
  }
  const db = await openDatabase({ config: config.database, logger });
  const core = createCrmCore({ db, logger, scoring: loadScoringConfig(env) });
  return {
    config,
    core,
    ownsEmbedded,
    async close() {
      await core.outbox.stop();
      await db.close();
    },
  };
}

export function describeError(err: unknown): string {
  if (err instanceof AppError) {
    const details = Array.isArray(err.details)
      ? err.details
          .slice(0, 5)
          .map((d) => `${d.row ? `row ${d.row} ` : ''}${d.path}: ${d.reason}`)
          .join('; ')
      : '';
    return `${err.code}: ${err.message}${details && !err.message.includes(details) ? ` (${details})` : ''}`;
  }
  const e = err as NodeJS.ErrnoException;
  if (e?.code === 'ENOENT') return `File not found: ${e.path}`;
  if (e?.code === 'EACCES') return `Permission denied: ${e.path}`;
  return `Unexpected error: ${e?.message ?? String(err)}`;
}
