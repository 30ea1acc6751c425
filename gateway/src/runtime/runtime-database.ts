import { openDatabase, DEFAULT_DB_TIMEOUTS, fixedEmbeddedUrl, isAppError, isDataDirBusy, type CrmConfig, type Logger } from '@crm/core';
import { readRunningServer, writeRunningServer, type RunningServer } from './running-server.ts';

/** How long a one-shot command waits for a connection to a running `crm start`'s embedded database. */
export const SHARED_EMBEDDED_CONNECT_TIMEOUT_MS = 60_000;

type OpenedDatabase = Awaited<ReturnType<typeof openDatabase>>;

/** The database of a runtime, and this process's part in serving an embedded one. */
export interface RuntimeDatabase {
  db: OpenedDatabase;
  /** True when this process serves the embedded database (it opened the folder, or took it over). */
  readonly ownsEmbedded: boolean;
  /** True when it connects through another process's embedded database and takes the folder over when that one stops. */
  readonly takesOver: boolean;
  /** Calls `fn` when this process takes the embedded database over. */
  onTakeOver(fn: () => void): void;
  /** Advertise this process as the embedded database's owner in server.json (now, or once it takes over); returns the withdrawal. */
  advertise(info: Pick<RunningServer, 'httpUrl' | 'command'>): () => void;
  /** Withdraw what `advertise` wrote (before stopping): processes connected through this one then take the folder over once it is closed. */
  withdraw(): void;
}

/**
 * Open the runtime's database: DATABASE_URL, else the embedded folder — through the process that
 * owns it when there is one (taking it over when that one stops), else opened here, waiting while
 * a one-shot command holds it.
 */
export async function openRuntimeDatabase(config: CrmConfig, options: { logger: Logger; server?: boolean }): Promise<RuntimeDatabase> {
  const { logger } = options;

  let ownsEmbedded = !config.database.url;
  const database = { ...config.database };
  let timeouts = config.dbTimeouts;
  /** The owner this process connects through (undefined: it owns the folder, or runs on DATABASE_URL). */
  let ownerPid: number | undefined;
  let takesOver = false;
  const takeOverListeners: (() => void)[] = [];
  let advertised: Pick<RunningServer, 'httpUrl' | 'command'> | undefined;
  let unadvertise = () => {};
  const advertiseNow = () => {
    if (!advertised || !ownsEmbedded || config.database.url) return;
    unadvertise = writeRunningServer(config, { pid: process.pid, databaseUrl: db.url, ...advertised });
  };
  /** Connect through the process that owns the embedded database (`crm start`, a stdio `crm mcp`) when there is one. */
  const throughOwner = (): boolean => {
    const owner = readRunningServer(config);
    if (!owner) return false;
    database.url = owner.databaseUrl;
    ownsEmbedded = false;
    ownerPid = owner.pid;
    // when the owner stops, this process may take the folder over: only where the next owner serves at the same URL
    takesOver = owner.databaseUrl === fixedEmbeddedUrl(config.database.dataDir, config.database.pglitePort);
    logger.debug({ pid: owner.pid, command: owner.command ?? 'crm start' }, 'using the embedded database of a running crm process');
    // the owner's PGlite serves one connection at a time and may be busy for seconds (loading the
    // demo knowledge base): a command (or stdio MCP server) waits for its turn instead of failing
    // after the HTTP default — unless DB_CONNECT_TIMEOUT_MS says otherwise
    if (!options.server && timeouts.connectTimeoutMs === DEFAULT_DB_TIMEOUTS.connectTimeoutMs) timeouts = { ...timeouts, connectTimeoutMs: SHARED_EMBEDDED_CONNECT_TIMEOUT_MS };
    return true;
  };
  if (!database.url) throughOwner();
  const db = await openOrWait();
  async function openOrWait() {
    for (let said = false; ; ) {
      try {
        const takeOver = ownerPid !== undefined ? { ownerPid, onTakeOver: tookOver } : undefined;
        return await openDatabase({ config: database, logger, timeouts, ...(takeOver ? { takeOver } : {}) });
      } catch (err) {
        if (ownerPid !== undefined && isAppError(err) && err.code === 'DATABASE_UNAVAILABLE' && !readRunningServer(config)) {
          // the owner stopped between saying where it is and our connecting: open the folder (or wait for it) instead
          database.url = undefined;
          ownsEmbedded = true;
          ownerPid = undefined;
          takesOver = false;
          timeouts = config.dbTimeouts;
          continue;
        }
        if (!isDataDirBusy(err)) throw err;
        // another process has the folder open. A `crm start` or `crm mcp` that is still starting
        // soon says where its socket is: connect through it then. Anything else (an import, a
        // chat command) is waited for: two processes writing one data folder would corrupt it.
        if (throughOwner()) continue;
        if (!said) {
          said = true;
          // stderr: stdout carries results (and, for `crm mcp`, the protocol)
          process.stderr.write(`Waiting for ${err.holder.command} (pid ${err.holder.pid}) to finish with the embedded database in ${err.dataDir}… (Ctrl+C to give up)\n`);
          logger.info({ holder: err.holder }, 'waiting for the embedded database');
        }
        await new Promise((r) => setTimeout(r, 250));
      }
    }
  }
  function tookOver() {
    ownsEmbedded = true;
    takesOver = false;
    advertiseNow();
    for (const fn of takeOverListeners) {
      try {
        fn();
      } catch (err) {
        logger.error({ err }, 'a duty of the embedded database owner did not start after the takeover');
      }
    }
  }
  return {
    db,
    get ownsEmbedded() {
      return ownsEmbedded;
    },
    get takesOver() {
      return takesOver;
    },
    onTakeOver(fn) {
      takeOverListeners.push(fn);
    },
    advertise(info) {
      advertised = info;
      advertiseNow();
      return () => {
        advertised = undefined;
        unadvertise();
      };
    },
    withdraw: () => unadvertise(),
  };
}
