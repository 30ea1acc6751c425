import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { AppError } from '../errors/app-error.ts';
import { canonicalDataDir } from './embedded-socket-dir.ts';

/**
 * One process at a time opens an embedded data folder. Two PGlite instances writing the same files
 * corrupt it (seen: two `crm chat` commands started together left a folder whose WAL ended before
 * a page's LSN — "PGlite failed to initialize properly" on every later open). The lock is a file
 * beside the folder (`.<name>.lock`: inside it would make a new folder non-empty for initdb and
 * the image unpack), created exclusively and naming its holder; a holder that died (no such
 * process, or a reused pid that started later) leaves a stale lock that the next opener replaces.
 */
export interface DataDirLockHolder {
  pid: number;
  /** What the holder runs, e.g. "crm import contacts leads.csv" (shown to whoever waits). */
  command: string;
  /** The holder's process start time (Linux: clock ticks since boot, /proc/PID/stat), to tell a reused pid. */
  startTicks: number | null;
  since: string;
}

export class DataDirBusyError extends AppError {
  constructor(
    readonly dataDir: string,
    readonly holder: DataDirLockHolder,
  ) {
    super(
      'DATABASE_UNAVAILABLE',
      `The embedded database in ${dataDir} is open in another crm process (pid ${holder.pid}: ${holder.command || 'crm'}). ` +
        'Two processes writing one data folder would corrupt it: wait for it to finish, stop it, or set CRM_DATA_DIR to another folder.',
    );
  }
}

export function isDataDirBusy(err: unknown): err is DataDirBusyError {
  return err instanceof DataDirBusyError;
}

export function lockFileOf(dataDir: string): string {
  // a symlinked path and the real one are one folder: one lock
  const abs = canonicalDataDir(dataDir);
  const beside = path.join(path.dirname(abs), `.${path.basename(abs)}.lock`);
  try {
    fs.mkdirSync(path.dirname(abs), { recursive: true });
    fs.accessSync(path.dirname(abs), fs.constants.W_OK);
    return beside;
  } catch {
    // a folder whose parent this user cannot write (a volume mounted at /data): the temp folder,
    // named after the folder's path, which every process of this user computes the same way
    return path.join(os.tmpdir(), `crm-data-${createHash('sha256').update(abs).digest('hex').slice(0, 16)}.lock`);
  }
}

function startTicksOf(pid: number): number | null {
  try {
    // field 22 of /proc/PID/stat, after the parenthesised command (which may contain spaces)
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(rest[19]);
    return Number.isFinite(ticks) ? ticks : null;
  } catch {
    return null;
  }
}

function alive(holder: DataDirLockHolder): boolean {
  try {
    process.kill(holder.pid, 0);
  } catch (err) {
    // EPERM: the process exists (another user's); ESRCH: gone
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  const ticks = startTicksOf(holder.pid);
  // a pid reused by a process that started after the lock was taken is not the holder
  return holder.startTicks === null || ticks === null || ticks === holder.startTicks;
}

function readHolder(file: string): DataDirLockHolder | null {
  try {
    const h = JSON.parse(fs.readFileSync(file, 'utf8')) as DataDirLockHolder;
    return Number.isInteger(h.pid) ? h : null;
  } catch {
    return null;
  }
}

/**
 * Take the data folder's lock, or throw DataDirBusyError naming the live process that holds it.
 * Returns the release function (idempotent; it removes the file only while this process holds it).
 */
export function lockDataDir(dataDir: string): () => void {
  const file = lockFileOf(dataDir);
  // the command words only ("crm import contacts"): options may carry a message or an email
  const words = process.argv.slice(2);
  const firstOption = words.findIndex((w) => w.startsWith('-'));
  const command = ['crm', ...(firstOption === -1 ? words : words.slice(0, firstOption)).slice(0, 3)].join(' ');
  const me: DataDirLockHolder = { pid: process.pid, command, startTicks: startTicksOf(process.pid), since: new Date().toISOString() };
  for (let attempt = 0; ; attempt++) {
    try {
      const fd = fs.openSync(file, 'wx', 0o600);
      fs.writeSync(fd, JSON.stringify(me));
      fs.closeSync(fd);
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST' || attempt > 5) throw err;
    }
    const holder = readHolder(file);
    // a lock being written this instant reads empty: treat as held and let the caller retry
    if (!holder) throw new DataDirBusyError(dataDir, { pid: 0, command: 'another crm process (starting)', startTicks: null, since: '' });
    if (alive(holder)) throw new DataDirBusyError(dataDir, holder);
    // stale: remove it only if it is still the same stale holder (another opener may have replaced it)
    const now = readHolder(file);
    if (now?.since === holder.since && now.pid === holder.pid) fs.rmSync(file, { force: true });
  }
  let released = false;
  return () => {
    if (released) return;
    released = true;
    if (readHolder(file)?.pid === process.pid) fs.rmSync(file, { force: true });
  };
}
