import type { Logger } from '../logger.ts';
import { isDataDirBusy, lockDataDir } from './data-dir-lock.ts';
import type { EmbeddedPostgres } from './embedded-postgres.ts';

export interface EmbeddedTakeoverOptions {
  dataDir: string;
  /** CRM_PGLITE_PORT (0: the fixed Unix socket). */
  port: number;
  /** The URL this process's pools use: the owner's, which a new owner must serve at too. */
  url: string;
  /** The owner this process connected through (for the log line). */
  ownerPid?: number;
  logger: Logger;
  /** Called once this process serves the folder. */
  onTakeOver?: (info: { fromPid?: number }) => void;
  /** Between looks at the lock (default 500 ms). */
  intervalMs?: number;
}

export interface EmbeddedTakeover {
  /** True once this process has taken the folder over and serves it. */
  readonly owning: boolean;
  /** Stop watching (waiting for a takeover in progress), then stop serving the folder if this process took it. */
  close(): Promise<void>;
}

/**
 * A process connected through the owner of an embedded data folder watches the folder's lock: when
 * the owner has gone (it released the lock, or died and left a stale one), the first watcher to win
 * `lockDataDir` opens PGlite and serves it at the same URL, so its own pools and every other
 * process's reconnect to it. The lock is the only gate: a watcher that loses sees the lock held and
 * keeps watching. PGlite loads only in the process that wins.
 */
export function watchEmbeddedOwner(options: EmbeddedTakeoverOptions): EmbeddedTakeover {
  const { logger } = options;
  const baseMs = options.intervalMs ?? 500;
  let lastPid = options.ownerPid;
  let embedded: EmbeddedPostgres | undefined;
  let closed = false;
  let delayMs = baseMs;
  let timer: NodeJS.Timeout | undefined;
  let inFlight: Promise<void> = Promise.resolve();

  const look = async () => {
    let unlock: () => void;
    try {
      unlock = lockDataDir(options.dataDir);
    } catch (err) {
      if (!isDataDirBusy(err)) throw err;
      // held: the owner (or whoever took it after the owner) serves it; remember whom, for the log line
      if (err.holder.pid > 0) lastPid = err.holder.pid;
      return;
    }
    if (closed) return unlock();
    const { startEmbeddedPostgres } = await import('./embedded-postgres.ts');
    const started = await startEmbeddedPostgres({ dataDir: options.dataDir, port: options.port, lock: unlock, requireFixedSocket: true });
    if (closed) return started.stop();
    if (started.url !== options.url) {
      await started.stop();
      throw new Error(`the embedded database would be served at ${started.url}, not at ${options.url} where this process connects`);
    }
    embedded = started;
    // stderr (the logger's destination): never stdout, which is the protocol of `crm mcp`
    logger.warn({ fromPid: lastPid, dataDir: options.dataDir }, `took over the embedded database from pid ${lastPid ?? 'unknown'}`);
    options.onTakeOver?.({ fromPid: lastPid });
  };

  const schedule = () => {
    if (closed || embedded) return;
    timer = setTimeout(() => {
      inFlight = look()
        .then(() => {
          delayMs = baseMs;
        })
        .catch((err: unknown) => {
          // the folder would not open (or its socket directory was refused): say so, look again later
          delayMs = Math.min(delayMs * 4, 30_000);
          logger.warn({ err, retryInMs: delayMs }, 'could not take over the embedded database after its owner stopped');
        })
        .finally(schedule);
    }, delayMs);
    // watching never keeps a process alive
    timer.unref();
  };
  schedule();

  return {
    get owning() {
      return embedded !== undefined;
    },
    async close() {
      closed = true;
      clearTimeout(timer);
      await inFlight;
      await embedded?.stop();
    },
  };
}
