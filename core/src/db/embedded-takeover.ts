import net from 'node:net';
import path from 'node:path';
import type { Logger } from '../logger.ts';
import { isDataDirBusy, lockDataDir } from './data-dir-lock.ts';
import type { EmbeddedPostgres } from './embedded-postgres.ts';
import { fixedSocketDir, SOCKET_PORT } from './embedded-socket-dir.ts';

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
  /**
   * Resolves true once a server (this process's or another's) accepts connections at the URL again,
   * false after `timeoutMs` (for a call that could not connect while the folder changes hands).
   */
  reachable(timeoutMs: number): Promise<boolean>;
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

  const target = options.port > 0 ? { host: '127.0.0.1', port: options.port } : { path: path.join(fixedSocketDir(options.dataDir), `.s.PGSQL.${SOCKET_PORT}`) };
  const accepts = () =>
    new Promise<boolean>((resolve) => {
      const socket = net.connect(target);
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
  // one probe loop for every call waiting at once
  let probing: Promise<boolean> | undefined;
  const probe = async (timeoutMs: number) => {
    const end = Date.now() + timeoutMs;
    while (!closed) {
      if (await accepts()) return true;
      if (Date.now() >= end) return false;
      await new Promise((r) => setTimeout(r, 100));
    }
    return false;
  };

  return {
    get owning() {
      return embedded !== undefined;
    },
    reachable(timeoutMs) {
      probing ??= probe(timeoutMs).finally(() => (probing = undefined));
      return probing;
    },
    async close() {
      closed = true;
      clearTimeout(timer);
      await inFlight;
      await embedded?.stop();
    },
  };
}
