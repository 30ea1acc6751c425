import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createCrmCore, openDatabase, silentLogger } from '@crm/core';
import Fastify from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { app } from '../app.ts';
import { authOptions } from '../auth/auth.config.ts';
import { AuthEnv } from '@crm/core';

const BIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../bin/crm.js');
const PUBLIC_URL = 'http://crm.test:3000';

// The real `crm` binary mints tokens and sets passwords; a gateway over the same database accepts them.
describe('crm token create / crm user set-password', { timeout: 600_000 }, () => {
  let dir: string;
  const env = { ...process.env, DATABASE_URL: '', LOG_LEVEL: 'warn', CRM_API_KEY: '', CRM_PUBLIC_URL: PUBLIC_URL };
  const crm = (args: string[], input?: string) => spawnSync(process.execPath, [BIN, ...args], { env: { ...env, CRM_DATA_DIR: path.join(dir, 'data') }, encoding: 'utf8', timeout: 240_000, input });
  let access = '';

  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'crm-token-'));
    expect(crm(['tenant', 'create', '--name', 'Acme', '--slug', 'acme', '--admin-email', 'ada@acme.io']).status).toBe(0);
    expect(crm(['user', 'add', '--email', 'sam@acme.io', '--name', 'Sam', '--role', 'SALES_REP', '--tenant', 'acme']).status).toBe(0);
    expect(crm(['user', 'add', '--email', 'rae@acme.io', '--name', 'Rae', '--role', 'SALES_REP', '--tenant', 'acme']).status).toBe(0);
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('prints a bearer token for the first user with the role, and refuses bad input naming the field', () => {
    const r = crm(['token', 'create', '--role', 'SALES_REP']);
    expect(r.status).toBe(0);
    access = r.stdout.trim();
    expect(access).toMatch(/^eyJ[\w-]+\.[\w-]+\.[\w-]+$/);
    expect(r.stderr).toMatch(/sam@acme\.io \(SALES_REP, acme\), audience http:\/\/crm\.test:3000\/api, valid 15 min/);
    const bad = crm(['token', 'create', '--role', 'BOSS']);
    expect(bad.status).toBe(65);
    expect(bad.stderr).toMatch(/VALIDATION_FAILED.*role/);
    const mismatch = crm(['token', 'create', '--role', 'ADMIN', '--email', 'rae@acme.io']);
    expect(mismatch.status).toBe(65);
    const none = crm(['token', 'create', '--role', 'MARKETING_MANAGER']);
    expect(none.status).toBe(66);
  });

  it('sets a password from stdin, refusing a short one', () => {
    const short = crm(['user', 'set-password', 'rae@acme.io', '--tenant', 'acme'], 'short\n');
    expect(short.status).toBe(65);
    expect(short.stderr).toMatch(/password.*at least 12/);
    const ok = crm(['user', 'set-password', 'rae@acme.io', '--tenant', 'acme'], 'a long enough secret\n');
    expect(ok.status).toBe(0);
    expect(ok.stdout).toMatch(/Password set for rae@acme\.io/);
  });

  it('a gateway on that database accepts the printed token and the password login', async () => {
    const db = await openDatabase({ config: { dataDir: path.join(dir, 'data'), pglitePort: 0, poolMax: 4 }, logger: silentLogger() });
    const core = createCrmCore({ db, logger: silentLogger(), knowledge: { indexInteractions: false } });
    const server = Fastify();
    try {
      await server.register(app, { core, version: 'test', auth: authOptions(AuthEnv.parse({ CRM_PUBLIC_URL: PUBLIC_URL }), { host: '127.0.0.1', port: 3000 }) });
      const me = await server.inject({ method: 'GET', url: '/auth/me', headers: { authorization: `Bearer ${access}` } });
      expect(me.statusCode).toBe(200);
      expect(me.json().data).toMatchObject({ email: 'sam@acme.io', role: 'SALES_REP' });
      const login = await server.inject({ method: 'POST', url: '/auth/login', payload: { email: 'rae@acme.io', password: 'a long enough secret' } });
      expect(login.statusCode).toBe(200);
      expect(login.json().data.user.email).toBe('rae@acme.io');
    } finally {
      await server.close();
      await core.outbox.stop();
      await db.close();
    }
  });
});
