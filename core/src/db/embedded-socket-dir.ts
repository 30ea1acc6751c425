import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { AppError } from '../errors/app-error.ts';

/** libpq's socket file name in its directory: host=<dir> port=5432 → <dir>/.s.PGSQL.5432. */
export const SOCKET_PORT = 5432;

/**
 * The data folder as every process names it: the real path when it (or, for a folder not made yet,
 * its parent) exists, so a symlinked path and the real one share one lock and one socket.
 */
export function canonicalDataDir(dataDir: string): string {
  const abs = path.resolve(dataDir);
  try {
    return fs.realpathSync(abs);
  } catch {
    try {
      return path.join(fs.realpathSync(path.dirname(abs)), path.basename(abs));
    } catch {
      return abs;
    }
  }
}

/**
 * Where the owner of a data folder serves it: the same directory for every owner of the folder
 * (per user: the uid is in the name), so processes connected through one owner reach the next one
 * at the same URL. `<tmp>/crm-db-<uid>-<16 hex of sha256(real path)>`.
 */
export function fixedSocketDir(dataDir: string): string {
  const uid = process.getuid?.() ?? 0;
  const hash = createHash('sha256').update(canonicalDataDir(dataDir)).digest('hex').slice(0, 16);
  return path.join(os.tmpdir(), `crm-db-${uid}-${hash}`);
}

/** The URL libpq, pg and MikroORM read for a socket directory: its percent-encoded absolute path as the host. */
export function socketUrl(socketDir: string): string {
  return `postgresql://postgres@${encodeURIComponent(socketDir)}:${SOCKET_PORT}/postgres`;
}

/**
 * The URL any owner of `dataDir` serves it at when that does not change from owner to owner: the
 * fixed socket directory, or a fixed loopback port (CRM_PGLITE_PORT > 0). Undefined for Windows
 * without a fixed port (each owner listens on a port of its own).
 */
export function fixedEmbeddedUrl(dataDir: string, port = 0): string | undefined {
  if (port > 0) return `postgresql://postgres@127.0.0.1:${port}/postgres`;
  if (process.platform === 'win32') return undefined;
  return socketUrl(fixedSocketDir(dataDir));
}

/**
 * Make (or accept) `dir` as a private socket directory: a real directory (not a symlink), owned by
 * this user, mode 0700. Another local user could have made the name first (the temp folder is
 * shared) to have this user's clients send their queries to a server of theirs: anything else is
 * refused with the reason, never repaired.
 */
export function ensurePrivateSocketDir(dir: string): void {
  try {
    fs.mkdirSync(dir, { mode: 0o700 });
    // the umask may have taken bits away, never added them; make it exactly 0700
    fs.chmodSync(dir, 0o700);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') {
      throw new AppError('DATABASE_UNAVAILABLE', `Cannot create the embedded database's socket directory ${dir}: ${(err as Error).message}`, { cause: err });
    }
  }
  const st = fs.lstatSync(dir);
  const refuse = (reason: string) =>
    new AppError('DATABASE_UNAVAILABLE', `The embedded database's socket directory ${dir} ${reason}; it must be a directory of this user with mode 0700 (remove it to have it made again)`, {
      details: [{ path: dir, reason }],
    });
  if (st.isSymbolicLink()) throw refuse('is a symbolic link');
  if (!st.isDirectory()) throw refuse('is not a directory');
  const uid = process.getuid?.();
  if (uid !== undefined && st.uid !== uid) throw refuse(`belongs to uid ${st.uid}, not this user (uid ${uid})`);
  const mode = st.mode & 0o777;
  if (mode !== 0o700) throw refuse(`has mode 0${mode.toString(8)}, not 0700`);
}
