import { spawnSync } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const BIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../bin/crm.js');

// `crm config` reads the environment only: no database is opened.
describe('crm config', { timeout: 240_000 }, () => {
  const crm = (args: string[], env: Record<string, string> = {}) =>
    spawnSync(process.execPath, [BIN, 'config', ...args], {
      env: { ...process.env, CRM_DATA_DIR: path.join(os.tmpdir(), 'crm-config-unused'), DATABASE_URL: '', LOG_LEVEL: 'warn', ...env },
      encoding: 'utf8',
      timeout: 120_000,
    });

  it('check --json prints JSON (it printed a sentence), and an invalid variable is exit 65 with the variable named', () => {
    const ok = crm(['check', '--json']);
    expect(ok.status).toBe(0);
    expect(JSON.parse(ok.stdout)).toEqual({ valid: true });
    const bad = crm(['check', '--json'], { PORT: 'abc' });
    expect(bad.status).toBe(65);
    expect(bad.stdout).toBe('');
    expect(bad.stderr).toMatch(/PORT: must be a whole number/);
  });

  it('refuses an unknown action instead of showing the configuration', () => {
    const r = crm(['shwo']);
    expect(r.status).toBe(64);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/Unknown config action "shwo".*show, check or table/);
  });
});
