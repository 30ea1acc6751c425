import fs from 'node:fs';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm';
import { vector } from '@electric-sql/pglite-pgvector';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import { AppError } from '../errors/app-error.ts';
import { lockDataDir } from './data-dir-lock.ts';
import { ensurePrivateSocketDir, fixedSocketDir, SOCKET_PORT, socketUrl } from './embedded-socket-dir.ts';

export interface EmbeddedPostgres {
  url: string;
  /** The loopback TCP port, or the Unix socket's file name number (5432). */
  port: number;
  /** The private directory holding the Unix socket (undefined when served over TCP). */
  socketDir?: string;
  dataDir: string;
  /** True when this start created the database (a new data folder or memory), from the image or by initdb. */
  created: boolean;
  /** True when the new database was unpacked from `image`. */
  fromImage: boolean;
  /** A gzipped tarball of the data folder after a checkpoint (what `image` takes). */
  dumpImage(): Promise<Blob>;
  stop(): Promise<void>;
}

/**
 * PGlite (+ pgvector, pg_trgm) in a data folder, served over the Postgres wire protocol so the ORM,
 * pg pools, the checkpointer and other `crm` processes all speak to it like to a real server.
 * The protocol server has no authentication, so by default it listens on a Unix socket in a
 * directory only this user can enter (mode 0700 under the temp folder; the socket file itself 0600):
 * other local users and processes running as them cannot connect. The directory is the same for
 * every owner of the folder (see embedded-socket-dir.ts), so when the owner stops, the process that
 * takes the folder over serves it at the URL its clients already use; a directory that fails the
 * checks is not used (a fresh private one instead, where no one can take over). A TCP `port` (> 0, from
 * CRM_PGLITE_PORT) listens on 127.0.0.1 instead — reachable by every local user, for tools that
 * cannot use a socket — and Windows always uses TCP. `dataDir: 'memory://'` gives a throwaway
 * in-memory database (tests).
 */
export async function startEmbeddedPostgres(options: {
  dataDir: string;
  port?: number;
  maxConnections?: number;
  /** A migrated empty database (`dumpImage()`, see pglite-image.ts) to start a NEW database from instead of initdb. */
  image?: Blob;
  /** Called when `image` could not be loaded (the database is then created by initdb). */
  onBadImage?: (err: Error) => void;
  /** The folder's lock, already taken by the caller (a takeover); released on failure and at stop. */
  lock?: () => void;
  /** Fail rather than serve the socket at a private URL of its own when the fixed socket directory is refused (a takeover). */
  requireFixedSocket?: boolean;
  /** Called when the fixed socket directory is refused and a private one is used instead. */
  onSocketDirRefused?: (err: Error) => void;
}): Promise<EmbeddedPostgres> {
  const inMemory = options.dataDir.startsWith('memory://');
  // before anything touches the folder: one process at a time (DataDirBusyError names the holder)
  const unlock = inMemory ? () => {} : (options.lock ?? lockDataDir(options.dataDir));
  try {
    return await startLocked(options, inMemory, unlock);
  } catch (err) {
    unlock();
    throw err;
  }
}

async function startLocked(options: Parameters<typeof startEmbeddedPostgres>[0], inMemory: boolean, unlock: () => void): Promise<EmbeddedPostgres> {
  const created = inMemory || !fs.existsSync(path.join(options.dataDir, 'PG_VERSION'));
  // the database files are personal data: a new data folder is the user's alone
  if (!inMemory) fs.mkdirSync(options.dataDir, { recursive: true, mode: 0o700 });
  let opened: PGlite | undefined;
  let fromImage = false;
  const create = (image?: Blob) =>
    PGlite.create({
      dataDir: inMemory ? undefined : options.dataDir,
      extensions: { vector, pg_trgm },
      ...(image ? { loadDataDir: image } : {}),
    });
  if (created && options.image && (inMemory || fs.readdirSync(options.dataDir).length === 0)) {
    try {
      opened = await create(options.image);
      fromImage = true;
    } catch (err) {
      options.onBadImage?.(err as Error);
      // whatever the failed unpack left behind would stop initdb
      if (!inMemory) for (const f of fs.readdirSync(options.dataDir)) fs.rmSync(path.join(options.dataDir, f), { recursive: true, force: true });
    }
  }
  try {
    opened ??= await create();
  } catch (err) {
    throw new AppError(
      'DATABASE_UNAVAILABLE',
      `Cannot open the embedded database in ${options.dataDir}: ${(err as Error).message}. ` +
        'Is another crm process using it? Stop it or set CRM_DATA_DIR to another folder.',
      { cause: err },
    );
  }
  const db: PGlite = opened;
  const tcp = (options.port ?? 0) > 0 || process.platform === 'win32';
  let socketDir: string | undefined;
  try {
    socketDir = tcp ? undefined : inMemory ? privateSocketDir() : fixedSocketDirFor(options.dataDir, options);
  } catch (err) {
    await db.close();
    throw err;
  }
  const socketPath = socketDir ? path.join(socketDir, `.s.PGSQL.${SOCKET_PORT}`) : undefined;
  const removeSocketDir = () => {
    if (socketDir) fs.rmSync(socketDir, { recursive: true, force: true });
  };
  const server = new PGLiteSocketServer({
    db,
    ...(socketPath ? { path: socketPath } : { host: '127.0.0.1', port: options.port ?? 0 }),
    maxConnections: options.maxConnections ?? 100,
  });
  try {
    await server.start();
    if (socketPath) fs.chmodSync(socketPath, 0o600);
  } catch (err) {
    await server.stop().catch(() => {});
    await db.close();
    removeSocketDir();
    throw new AppError('DATABASE_UNAVAILABLE', `Cannot listen for the embedded database on ${socketPath ?? `port ${options.port}`}: ${(err as Error).message}`, {
      cause: err,
    });
  }
  const stop = async () => {
    try {
      await server.stop();
      await db.close();
    } finally {
      removeSocketDir();
      unlock();
    }
  };
  const dumpImage = async () => {
    await db.exec('CHECKPOINT');
    return db.dumpDataDir('gzip');
  };
  const common = { dataDir: options.dataDir, created, fromImage, dumpImage, stop };
  if (socketDir) {
    // libpq, pg and MikroORM all read a percent-encoded absolute path as the host: a socket directory
    return { url: socketUrl(socketDir), port: SOCKET_PORT, socketDir, ...common };
  }
  // The socket server does not expose its bound address in its public API.
  const address = (server as unknown as { server: { address(): AddressInfo } }).server.address();
  return { url: `postgresql://postgres@127.0.0.1:${address.port}/postgres`, port: address.port, ...common };
}

// mkdtemp creates the directory with mode 0700: only this user can reach the socket inside
const privateSocketDir = () => fs.mkdtempSync(path.join(os.tmpdir(), 'crm-db-'));

/** The folder's fixed socket directory, checked, with a socket a killed owner left removed (the caller holds the lock). */
function fixedSocketDirFor(dataDir: string, options: { requireFixedSocket?: boolean; onSocketDirRefused?: (err: Error) => void }): string {
  const dir = fixedSocketDir(dataDir);
  try {
    ensurePrivateSocketDir(dir);
  } catch (err) {
    if (options.requireFixedSocket) throw err;
    options.onSocketDirRefused?.(err as Error);
    return privateSocketDir();
  }
  // only the lock holder serves here: a socket file now is a dead owner's (SIGKILL)
  fs.rmSync(path.join(dir, `.s.PGSQL.${SOCKET_PORT}`), { force: true });
  return dir;
}
