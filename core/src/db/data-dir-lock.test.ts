import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DataDirBusyError, isDataDirBusy, lockDataDir, lockFileOf } from './data-dir-lock.ts';

describe('one process per embedded data folder (lockDataDir)', () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'crm-lock-'));
  afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

  it('a second open while the first holds the folder is refused naming the holder; release frees it', () => {
    const dir = path.join(root, 'a');
    const release = lockDataDir(dir);
    // beside the folder, not in it (a new folder must stay empty for initdb and the image unpack)
    expect(fs.existsSync(lockFileOf(dir))).toBe(true);
    expect(path.dirname(lockFileOf(dir))).toBe(root);
    let err: unknown;
    try {
      lockDataDir(dir);
    } catch (e) {
      err = e;
    }
    expect(isDataDirBusy(err)).toBe(true);
    expect((err as DataDirBusyError).holder.pid).toBe(process.pid);
    expect((err as DataDirBusyError).code).toBe('DATABASE_UNAVAILABLE');
    expect((err as Error).message).toMatch(/open in another crm process \(pid \d+: crm.*\)\. Two processes writing one data folder would corrupt it/);
    release();
    release(); // twice is harmless
    expect(fs.existsSync(lockFileOf(dir))).toBe(false);
    lockDataDir(dir)();
  });

  it('a lock left by a process that died (or whose pid was reused later) is taken over', () => {
    const dir = path.join(root, 'b');
    // a pid that is not running: above the kernel's default pid_max
    fs.writeFileSync(lockFileOf(dir), JSON.stringify({ pid: 4_194_305, command: 'crm chat', startTicks: null, since: '2026-01-01T00:00:00Z' }));
    const release = lockDataDir(dir);
    expect(JSON.parse(fs.readFileSync(lockFileOf(dir), 'utf8')).pid).toBe(process.pid);
    release();
    // this very pid, but a start time that is not this process's: a reused pid
    fs.writeFileSync(lockFileOf(dir), JSON.stringify({ pid: process.pid, command: 'crm chat', startTicks: 1, since: '2026-01-01T00:00:00Z' }));
    if (fs.existsSync(`/proc/${process.pid}/stat`)) lockDataDir(dir)();
  });
});
