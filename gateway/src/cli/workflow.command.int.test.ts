import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const BIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../bin/crm.js');

// The real `crm workflow` binary on a fresh embedded database with one tenant.
describe('crm workflow', { timeout: 600_000 }, () => {
  let dir: string;
  const crm = (args: string[]) =>
    spawnSync(process.execPath, [BIN, ...args], {
      env: { ...process.env, CRM_DATA_DIR: path.join(dir, 'data'), DATABASE_URL: '', LOG_LEVEL: 'warn', CRM_API_KEY: '' },
      encoding: 'utf8',
      timeout: 240_000,
    });
  const json = (args: string[]) => {
    const r = crm([...args, '--json']);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    return JSON.parse(r.stdout);
  };

  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'crm-workflow-'));
    expect(crm(['tenant', 'create', '--name', 'Acme', '--slug', 'acme', '--admin-email', 'ada@acme.io']).status).toBe(0);
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('lists templates, installs one, activates it and lists it', () => {
    const templates = json(['workflow', 'templates']);
    expect(templates.map((t: { key: string }) => t.key)).toContain('new-customer-onboarding');
    const installed = json(['workflow', 'install', 'new-customer-onboarding']);
    expect(installed).toMatchObject({ name: 'New Customer Onboarding', isActive: false });
    expect(json(['workflow', 'activate', installed.id])).toMatchObject({ id: installed.id, isActive: true });
    expect(json(['workflow', 'list']).map((w: { id: string }) => w.id)).toEqual([installed.id]);
    expect(crm(['workflow', 'list']).stdout).toContain('New Customer Onboarding');
  });

  it('refuses an unknown action or a missing argument with one clear line', () => {
    const unknown = crm(['workflow', 'bogus']);
    expect(unknown.status).toBe(64); // an unknown action is bad usage
    expect(unknown.stderr).toMatch(/Unknown workflow action "bogus"/);
    const missing = crm(['workflow', 'activate']);
    expect(missing.status).toBe(65);
    expect(missing.stderr).toMatch(/ID/);
    const badOutput = crm(['workflow', 'complete-step', '00000000-0000-4000-8000-000000000000', 'hook', '--output', '{not json']);
    expect(badOutput.status).toBe(65);
    expect(badOutput.stderr).toMatch(/output/);
    expect(badOutput.stderr).toMatch(/must be JSON/);
    // --input of run is JSON too: a typo was an 'Unexpected error' with exit 70 (internal)
    const wf = json(['workflow', 'install', 'webinar-follow-up']);
    const badInput = crm(['workflow', 'run', wf.id, '--input', '{plan: gold}']);
    expect(badInput.status).toBe(65);
    expect(badInput.stderr).toMatch(/input: must be JSON/);
    const notObject = crm(['workflow', 'run', wf.id, '--input', '[1]']);
    expect(notObject.status).toBe(65);
    expect(notObject.stderr).toMatch(/input: must be a JSON object/);
    expect(json(['workflow', 'executions', '--workflow', wf.id])).toEqual([]);
  });
});
