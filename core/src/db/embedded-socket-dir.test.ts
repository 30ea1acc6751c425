import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { AppError } from '../errors/app-error.ts';
import { lockFileOf } from './data-dir-lock.ts';
import { canonicalDataDir, ensurePrivateSocketDir, fixedEmbeddedUrl, fixedSocketDir } from './embedded-socket-dir.ts';

function refusal(dir: string): AppError {
  try {
    ensurePrivateSocketDir(dir);
  } catch (err) {
    return err as AppError;
  }
  throw new Error(`${dir} was accepted`);
}

// Every owner of a data folder serves it in the same socket directory, so the processes connected
// through one owner reach the next at the same URL. The temp folder is shared by every local user:
// a directory there that is not this user's private one must never carry the socket.
describe('the fixed socket directory of an embedded data folder', () => {
  const root = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'crm-sockdir-')));
  afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

  it('is one per user and folder, the same through a symlinked path (and so is the lock)', () => {
    const data = path.join(root, 'data');
    fs.mkdirSync(data);
    fs.symlinkSync(data, path.join(root, 'link'));
    const dir = fixedSocketDir(data);
    expect(path.dirname(dir)).toBe(os.tmpdir());
    expect(path.basename(dir)).toMatch(new RegExp(`^crm-db-${process.getuid?.() ?? 0}-[0-9a-f]{16}$`));
    expect(fixedSocketDir(path.join(root, 'link'))).toBe(dir);
    expect(fixedSocketDir(path.join(root, 'other'))).not.toBe(dir);
    expect(lockFileOf(path.join(root, 'link'))).toBe(lockFileOf(data));
    // a folder not made yet is named by its parent's real path
    expect(canonicalDataDir(path.join(root, 'link', '..', 'new'))).toBe(path.join(root, 'new'));
  });

  it('gives the URL pg reads as a socket (or the fixed loopback port), none for a port each owner picks', () => {
    const data = path.join(root, 'data');
    expect(fixedEmbeddedUrl(data)).toBe(`postgresql://postgres@${encodeURIComponent(fixedSocketDir(data))}:5432/postgres`);
    expect(fixedEmbeddedUrl(data, 6543)).toBe('postgresql://postgres@127.0.0.1:6543/postgres');
  });

  it("is made 0700 when missing and accepted as it is when it is this user's private directory", () => {
    const dir = path.join(root, 'made');
    ensurePrivateSocketDir(dir);
    expect(fs.lstatSync(dir).mode & 0o777).toBe(0o700);
    ensurePrivateSocketDir(dir);
  });

  it('refuses a symbolic link, even to a private directory of this user', () => {
    const target = path.join(root, 'target');
    fs.mkdirSync(target, { mode: 0o700 });
    fs.symlinkSync(target, path.join(root, 'sym'));
    const err = refusal(path.join(root, 'sym'));
    expect(err.code).toBe('DATABASE_UNAVAILABLE');
    expect(err.message).toMatch(/socket directory .*sym is a symbolic link; it must be a directory of this user with mode 0700/);
    expect(err.details).toEqual([{ path: path.join(root, 'sym'), reason: 'is a symbolic link' }]);
  });

  it('refuses a directory others may enter or write, and never repairs it', () => {
    const dir = path.join(root, 'open');
    fs.mkdirSync(dir);
    fs.chmodSync(dir, 0o755);
    expect(refusal(dir).message).toMatch(/has mode 0755, not 0700/);
    fs.chmodSync(dir, 0o777);
    expect(refusal(dir).message).toMatch(/has mode 0777, not 0700/);
    expect(fs.lstatSync(dir).mode & 0o777).toBe(0o777);
  });

  it('refuses a file in its place', () => {
    const file = path.join(root, 'file');
    fs.writeFileSync(file, '');
    expect(refusal(file).message).toMatch(/is not a directory/);
  });

  it.skipIf(process.getuid?.() !== 0)("refuses another user's directory (made first to catch this user's queries)", () => {
    const dir = path.join(root, 'theirs');
    fs.mkdirSync(dir, { mode: 0o700 });
    fs.chownSync(dir, 65534, 65534);
    expect(refusal(dir).message).toMatch(/belongs to uid 65534, not this user \(uid 0\)/);
  });
});
