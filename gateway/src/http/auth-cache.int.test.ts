import { spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import net from 'node:net';
import { createScratchDatabase, type ScratchDatabase } from '@crm/core/testing';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { CRM_BIN, startCrm, stopCrm, type CrmProcess } from '../testing/crm-process.ts';

const base = process.env.TEST_DATABASE_URL;

// `crm start` on PostgreSQL keeps resolved API keys in memory; a key revoked or a user changed by
// another process (here the CLI) must be refused by the running gateway all the same.
describe.skipIf(!base)('the running gateway and API keys changed by another process', { timeout: 300_000 }, () => {
  let scratch: ScratchDatabase | undefined;
  let url = '';
  let crm: CrmProcess;
  let port = 0;
  // tokens name the gateway's URL as issuer: the CLI that signs them must know it
  const env = () => ({ ...process.env, DATABASE_URL: url, LOG_LEVEL: 'warn', CRM_API_KEY: '', AUTH_CACHE_SECONDS: '3600', CRM_PUBLIC_URL: `http://127.0.0.1:${port}` });
  const cli = (args: string[], extra: Record<string, string> = {}) => {
    const r = spawnSync(process.execPath, [CRM_BIN, ...args], { env: { ...env(), ...extra }, encoding: 'utf8', timeout: 120_000 });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    return r.stdout;
  };
  const get = (key: string) => fetch(`${crm.url}/api/v1/contacts?limit=1`, { headers: { authorization: `Bearer ${key}` } });
  let adminKey = '';

  beforeAll(async () => {
    scratch = await createScratchDatabase(base!);
    url = scratch.url;
    cli(['migrate']);
    adminKey = /API key:\s+(crm_\S+)/.exec(cli(['tenant', 'create', '--name', 'Keys', '--slug', 'keys', '--admin-email', 'ada@keys.io']))![1]!;
    port = await new Promise<number>((resolve) => {
      const probe = net.createServer().listen(0, '127.0.0.1', () => {
        const { port: free } = probe.address() as net.AddressInfo;
        probe.close(() => resolve(free));
      });
    });
    crm = await startCrm(env(), { args: ['start', '--port', String(port), '--no-seed'] });
  });
  afterAll(async () => {
    if (crm) await stopCrm(crm.proc);
    await scratch?.drop();
  });

  it('reports the cache as a running service', async () => {
    const health = (await (await fetch(`${crm.url}/health`)).json()) as { checks: { services: { name: string; status: string }[] } };
    expect(health.checks.services.find((s) => s.name === 'auth-cache')).toEqual({ name: 'auth-cache', status: 'running' });
  });

  it('refuses a key revoked with `crm apikey revoke`, and follows a role change and a deactivation made with `crm user` (keys and tokens)', async () => {
    const added = JSON.parse(cli(['user', 'add', '--email', 'sam@keys.io', '--name', 'Sam', '--role', 'SALES_REP', '--json'], { CRM_API_KEY: adminKey })) as { apiKey: string; user: { id: string } };
    const workflows = async (key: string) => (await fetch(`${crm.url}/api/v1/workflows`, { headers: { authorization: `Bearer ${key}` } })).status;
    expect((await get(added.apiKey)).status).toBe(200);
    expect((await get(added.apiKey)).status).toBe(200); // now from memory
    expect(await workflows(added.apiKey)).toBe(403); // a rep may not read workflows, a manager may
    // a token of the local issuer names the same user: its role is read (and kept) the same way
    const jwt = (JSON.parse(cli(['token', 'create', '--email', 'sam@keys.io', '--tenant', 'keys', '--json'])) as { accessToken: string }).accessToken;
    expect(await workflows(jwt)).toBe(403);
    expect(await workflows(jwt)).toBe(403);

    cli(['user', 'set-role', 'sam@keys.io', 'SALES_MANAGER'], { CRM_API_KEY: adminKey });
    await vi.waitFor(async () => expect(await workflows(added.apiKey)).toBe(200), { timeout: 30_000, interval: 100 });
    await vi.waitFor(async () => expect(await workflows(jwt)).toBe(200), { timeout: 30_000, interval: 100 });

    const keys = JSON.parse(cli(['apikey', 'list', '--json'], { CRM_API_KEY: added.apiKey })) as { id: string; status: string }[];
    cli(['apikey', 'revoke', keys[0]!.id], { CRM_API_KEY: adminKey });
    await vi.waitFor(async () => expect((await get(added.apiKey)).status).toBe(401), { timeout: 30_000, interval: 100 });
    const body = (await (await get(added.apiKey)).json()) as { error: { code: string; message: string } };
    expect(body.error).toMatchObject({ code: 'UNAUTHENTICATED', message: 'This API key was revoked' });
    // the admin's own key is untouched
    expect((await get(adminKey)).status).toBe(200);
    // the token outlives the key until the user is deactivated
    expect((await get(jwt)).status).toBe(200);
    cli(['user', 'deactivate', 'sam@keys.io'], { CRM_API_KEY: adminKey });
    await vi.waitFor(async () => expect((await get(jwt)).status).toBe(401), { timeout: 30_000, interval: 100 });
  });

  it('refuses the tokens of an OAuth client revoked with `crm oauth clients revoke` (access tokens are checked against their grant, kept in memory)', async () => {
    cli(['user', 'add', '--email', 'oli@keys.io', '--name', 'Oli', '--role', 'SALES_REP', '--json'], { CRM_API_KEY: adminKey });
    const set = spawnSync(process.execPath, [CRM_BIN, 'user', 'set-password', 'oli@keys.io', '--tenant', 'keys'], { env: env(), encoding: 'utf8', timeout: 120_000, input: 'a long enough secret\n' });
    expect(set.status, set.stderr).toBe(0);
    const redirect = 'http://127.0.0.1:53682/callback';
    const reg = (await (await fetch(`${crm.url}/oauth/register`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ client_name: 'Cached', redirect_uris: [redirect], grant_types: ['authorization_code', 'refresh_token'], token_endpoint_auth_method: 'none' }) })).json()) as { client_id: string };
    const verifier = randomBytes(32).toString('base64url');
    const authorize = new URL(`${crm.url}/oauth/authorize`);
    for (const [k, v] of Object.entries({ response_type: 'code', client_id: reg.client_id, redirect_uri: redirect, code_challenge: createHash('sha256').update(verifier).digest('base64url'), code_challenge_method: 'S256', resource: `${crm.url}/mcp`, scope: 'crm:read' })) authorize.searchParams.set(k, v);
    const page = await fetch(authorize);
    const form = new URLSearchParams();
    for (const m of (await page.text()).matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)) form.set(m[1]!, m[2]!.replace(/&amp;/g, '&'));
    form.set('email', 'oli@keys.io');
    form.set('password', 'a long enough secret');
    form.set('decision', 'allow');
    const consent = await fetch(`${crm.url}/oauth/authorize`, { method: 'POST', body: form, headers: { cookie: page.headers.get('set-cookie')!.split(';')[0]!, 'content-type': 'application/x-www-form-urlencoded' }, redirect: 'manual' });
    expect(consent.status).toBe(303);
    const code = new URL(consent.headers.get('location')!).searchParams.get('code')!;
    const tokens = (await (
      await fetch(`${crm.url}/oauth/token`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ grant_type: 'authorization_code', code, code_verifier: verifier, redirect_uri: redirect, client_id: reg.client_id }) })
    ).json()) as { access_token: string };
    const mcp = async () =>
      (
        await fetch(`${crm.url}/mcp/crm`, {
          method: 'POST',
          headers: { authorization: `Bearer ${tokens.access_token}`, 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
          body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'x', version: '1' } } }),
        })
      ).status;
    expect(await mcp()).toBe(200);
    expect(await mcp()).toBe(200); // the grant's state now from memory
    expect(cli(['oauth', 'clients', 'list'])).toContain(reg.client_id);
    cli(['oauth', 'clients', 'revoke', reg.client_id]);
    await vi.waitFor(async () => expect(await mcp()).toBe(401), { timeout: 30_000, interval: 100 });
  });
});
