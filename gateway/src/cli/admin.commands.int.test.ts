import { spawnSync } from 'node:child_process';
import { databaseOf } from '@crm/core/testing';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCrmCore, openDatabase, silentLogger } from '@crm/core';
import { firstRunHint } from './first-run.ts';

const BIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../bin/crm.js');

// The real `crm` binary on a fresh embedded database: a new install's first steps, in order.
describe('crm tenant / user / apikey', { timeout: 600_000 }, () => {
  let dir: string;
  const env = (extra: Record<string, string> = {}) => ({ ...process.env, CRM_DATA_DIR: path.join(dir, 'data'), DATABASE_URL: '', LOG_LEVEL: 'warn', CRM_API_KEY: '', ...extra });
  const crm = (args: string[], extra?: Record<string, string>) =>
    spawnSync(process.execPath, [BIN, ...args], { env: env(extra), encoding: 'utf8', timeout: 240_000 });
  const json = (args: string[], extra?: Record<string, string>) => {
    const r = crm([...args, '--json'], extra);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    return JSON.parse(r.stdout);
  };
  let adminKey = '';
  let samKey = '';

  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'crm-admin-'));
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('on an empty database says how to create the first tenant', () => {
    const r = crm(['user', 'list']);
    expect(r.status).toBe(77);
    expect(r.stderr).toMatch(/crm tenant create --name NAME --slug SLUG --admin-email EMAIL/);
    expect(firstRunHint()).toContain('npx crm tenant create --name "Acme Inc" --slug acme --admin-email you@acme.io');
  });

  it('creates a tenant and prints its first admin key once; a taken slug is a CONFLICT', () => {
    const r = crm(['tenant', 'create', '--name', 'Acme Inc', '--slug', 'acme', '--admin-email', 'ada@acme.io', '--admin-name', 'Ada Lovelace']);
    expect(r.status).toBe(0);
    adminKey = /API key:\s+(crm_\S+)/.exec(r.stdout)![1];
    expect(r.stdout).toMatch(/shown once/);
    const dup = crm(['tenant', 'create', '--name', 'Other', '--slug', 'acme', '--admin-email', 'x@y.io']);
    expect(dup.status).toBe(73); // conflicts are not bad data
    expect(dup.stderr).toMatch(/CONFLICT: Tenant slug acme is taken \(slug: already exists\)/);
  });

  it('refuses bad input naming the field', () => {
    const r = crm(['tenant', 'create', '--slug', 'acme2', '--admin-email', 'ada@acme.io']);
    expect(r.status).toBe(65);
    expect(r.stderr.trim()).toBe('crm tenant: VALIDATION_FAILED: Missing --name (e.g. --name "Acme Inc") (name: required)');
    const role = crm(['user', 'add', '--email', 'z@acme.io', '--name', 'Z', '--role', 'BOSS'], { CRM_API_KEY: adminKey });
    expect(role.status).toBe(65);
    expect(role.stderr).toMatch(/VALIDATION_FAILED.*role/);
  });

  it('adds and lists users as the admin (by CRM_API_KEY), then manages keys', () => {
    const added = json(['user', 'add', '--email', 'sam@acme.io', '--name', 'Sam Lee', '--role', 'SALES_REP'], { CRM_API_KEY: adminKey });
    samKey = added.apiKey;
    expect(added.user).toMatchObject({ email: 'sam@acme.io', role: 'SALES_REP', status: 'active' });
    const users = json(['user', 'list']);
    expect(users.map((u: { email: string }) => u.email)).toEqual(['ada@acme.io', 'sam@acme.io']);

    const ci = json(['apikey', 'create', '--for', 'sam@acme.io', '--name', 'ci', '--expires', '30d']);
    expect(ci.key).toMatchObject({ email: 'sam@acme.io', name: 'ci', status: 'active' });
    expect(new Date(ci.key.expiresAt).getTime()).toBeGreaterThan(Date.now() + 29 * 86_400_000);
    const revoked = crm(['apikey', 'revoke', ci.key.id]);
    expect(revoked.status).toBe(0);
    // a revoked key no longer authenticates
    const denied = crm(['user', 'list'], { CRM_API_KEY: ci.apiKey });
    expect(denied.status).toBe(77);
    expect(denied.stderr).toMatch(/UNAUTHENTICATED: This API key was revoked/);
    const keys = json(['apikey', 'list', '--all']);
    expect(keys.find((k: { id: string }) => k.id === ci.key.id)).toMatchObject({ status: 'revoked' });
    expect(JSON.stringify(keys)).not.toContain(ci.apiKey);
  });

  it('re-roles and deactivates a user; a deactivated user\'s key is refused', () => {
    expect(crm(['user', 'set-role', 'sam@acme.io', 'SALES_MANAGER']).stdout).toMatch(/now SALES_MANAGER/);
    expect(crm(['user', 'deactivate', 'sam@acme.io']).status).toBe(0);
    const r = crm(['apikey', 'list'], { CRM_API_KEY: samKey });
    expect(r.status).toBe(77);
    expect(r.stderr).toMatch(/deactivated/);
  });
  it('lists outbox events that exhausted their attempts and replays them (crm outbox)', async () => {
    expect(crm(['outbox', 'failed']).stdout).toMatch(/No failed events/);
    const bad = crm(['outbox', 'retry', 'nope']);
    expect(bad.status).toBe(65);
    expect(bad.stderr).toMatch(/VALIDATION_FAILED: .*"nope" is not an event id/);
    expect(crm(['outbox', 'retry']).stderr).toMatch(/give the ids of the events to replay/);
    expect(crm(['outbox', 'failed', '--tenant', 'nowhere']).status).toBe(66);
    // park one event as a consumer that failed every attempt would have left it
    const db = await openDatabase({ config: { dataDir: path.join(dir, 'data'), pglitePort: 0, poolMax: 2 }, logger: silentLogger() });
    const core = createCrmCore({ db, logger: silentLogger() });
    const contact = await core.contacts.create(await core.users.actorByEmail('ada@acme.io', 'acme'), { firstName: 'Dead', lastName: 'Letter', email: 'dl@acme.io' });
    const id = await databaseOf(db).asWorker(async (c) => {
      const r = await c.query(`UPDATE outbox_events SET attempts = 10, dispatched_at = NULL, last_error = 'scoring: boom'
        WHERE aggregate_id = $1 AND type = 'contact.created' RETURNING id`, [contact.id]);
      return r.rows[0].id as string;
    });
    await core.outbox.stop();
    await db.close();
    const listed = json(['outbox', 'failed', '--tenant', 'acme']);
    expect(listed).toEqual([expect.objectContaining({ id, attempts: 10, lastError: 'scoring: boom' })]);
    expect(crm(['outbox', 'failed']).stdout).toContain(`last error: scoring: boom`);
    const unknown = crm(['outbox', 'retry', '00000000-0000-4000-8000-000000000000']);
    expect(unknown.status).toBe(66);
    expect(unknown.stderr).toMatch(/not a failed event/);
    expect(json(['outbox', 'retry', id])).toEqual({ requeued: [id], notFailed: [] });
    expect(json(['outbox', 'failed'])).toEqual([]);
  });
});
