import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createScratchDatabase, type ScratchDatabase } from '@crm/core/testing';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { CRM_BIN, startCrm, stopCrm, type CrmProcess } from '../testing/crm-process.ts';
import { followToCallback, freePort, McpRemoteHarness, openConsent, submitConsent, type RemoteRun } from '../testing/mcp-remote.ts';

const PASSWORD = 'a long enough secret';
const EMAIL = 'ada@remote.io';
const WAIT = { timeout: 240_000 };

const kinds = ['pglite', ...(process.env.TEST_DATABASE_URL ? ['postgres'] : [])] as const;

/**
 * A real, widely used MCP client end to end: `mcp-remote` (what Claude Desktop, Cursor and
 * Windsurf run for a remote server that needs OAuth) against the real `crm start`. The test is
 * the person at the browser: it reads the URL mcp-remote opens, signs in on the consent page over
 * plain HTTP and follows the redirect to mcp-remote's loopback callback; the MCP SDK's client
 * speaks to mcp-remote over stdio, as a desktop host does.
 */
describe.each(kinds)('mcp-remote signs in to the running gateway by OAuth (%s)', { timeout: 600_000 }, (kind) => {
  let dir: string;
  let scratch: ScratchDatabase | undefined;
  let crm: CrmProcess;
  let port = 0;
  let adminKey = '';
  let remote: McpRemoteHarness;
  const env = () => ({
    ...process.env,
    ...(kind === 'pglite' ? { CRM_DATA_DIR: path.join(dir, 'data'), DATABASE_URL: '' } : { DATABASE_URL: scratch!.url }),
    LOG_LEVEL: 'warn',
    CRM_API_KEY: '',
    CRM_PUBLIC_URL: `http://127.0.0.1:${port}`,
  });
  const cli = (args: string[], input?: string) => {
    const r = spawnSync(process.execPath, [CRM_BIN, ...args], { env: env(), encoding: 'utf8', timeout: 240_000, ...(input ? { input } : {}) });
    expect(r.status, r.stderr).toBe(0);
    return r.stdout;
  };
  const base = () => `http://127.0.0.1:${port}`;
  const mcpStatus = async (accessToken: string) =>
    (
      await fetch(`${base()}/mcp/crm`, {
        method: 'POST',
        headers: { authorization: `Bearer ${accessToken}`, 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'probe', version: '1' } } }),
      })
    ).status;

  /** Sign in on the page the bridge opened and let the browser land on its callback. */
  async function consent(url: URL) {
    const page = await openConsent(url);
    expect(page.status, page.html).toBe(200);
    const allowed = await submitConsent(page, url, { email: EMAIL, password: PASSWORD });
    expect(allowed.status, allowed.page.html).toBe(303);
    const callback = new URL(allowed.location!);
    expect(callback.origin + callback.pathname).toBe(url.searchParams.get('redirect_uri'));
    expect(callback.searchParams.get('state')).toBe(url.searchParams.get('state'));
    const landed = await followToCallback(allowed.location!);
    expect(landed.status, landed.text).toBe(200);
    expect(landed.text).toMatch(/Authorization successful/);
  }

  const search = (run: RemoteRun) => run.client.callTool({ name: 'search_contacts', arguments: { search: 'remote@bridge' } }, undefined, WAIT);

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'crm-mcp-remote-'));
    if (kind === 'postgres') scratch = await createScratchDatabase(process.env.TEST_DATABASE_URL!);
    port = await freePort();
    if (kind === 'postgres') cli(['migrate']);
    adminKey = /API key:\s+(crm_\S+)/.exec(cli(['tenant', 'create', '--name', 'Remote', '--slug', 'remote', '--admin-email', EMAIL]))![1]!;
    cli(['user', 'set-password', EMAIL, '--tenant', 'remote'], `${PASSWORD}\n`);
    crm = await startCrm(env(), { args: ['start', '--port', String(port), '--no-seed'] });
    const created = await fetch(`${base()}/api/v1/contacts`, {
      method: 'POST',
      headers: { authorization: `Bearer ${adminKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ firstName: 'Remote', lastName: 'Bridge', email: 'remote@bridge.io' }),
    });
    expect(created.status, await created.clone().text()).toBe(201);
    remote = new McpRemoteHarness(dir, `${base()}/mcp/crm`, await freePort());
  }, 600_000); // three crm processes on a loaded machine: a limit, not a target
  afterAll(async () => {
    await remote?.closeAll();
    if (crm) await stopCrm(crm.proc);
    await scratch?.drop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  }, 300_000);

  let first: RemoteRun;

  it('registers, opens the consent page, a wrong password authorises nothing, the right one connects; tools/list and tools/call go through', async () => {
    first = remote.start();
    const url = await remote.nextOpenedUrl(0, first);
    expect(url.origin + url.pathname).toBe(`${base()}/oauth/authorize`);
    expect(Object.fromEntries(url.searchParams)).toMatchObject({
      response_type: 'code',
      client_id: expect.stringMatching(/^mcp_/),
      code_challenge_method: 'S256',
      redirect_uri: `http://localhost:${remote.callbackPort}/oauth/callback`, // mcp-remote's default host,
      resource: `${base()}/mcp/crm`,
      scope: 'crm:read',
    });

    const page = await openConsent(url);
    expect(page.status).toBe(200);
    expect(page.html).toContain('MCP CLI Proxy'); // the name mcp-remote registered
    const wrong = await submitConsent(page, url, { email: EMAIL, password: 'not the password' });
    expect(wrong.status).toBe(401);
    expect(wrong.location).toBeNull();
    expect(remote.stored('tokens')).toBeUndefined();
    // the page shown again carries a fresh form: the right password on it is allowed
    const allowed = await submitConsent(wrong.page, url, { email: EMAIL, password: PASSWORD });
    expect(allowed.status, allowed.page.html).toBe(303);
    const landed = await followToCallback(allowed.location!);
    expect(landed.text).toMatch(/Authorization successful/);

    await first.connected;
    const tools = await first.client.listTools(undefined, WAIT);
    expect(tools.tools.map((t) => t.name)).toEqual(expect.arrayContaining(['search_contacts', 'create_contact']));
    const found = await search(first);
    expect(found.isError, JSON.stringify(found)).toBeFalsy();
    expect(JSON.stringify(found.structuredContent)).toContain('remote@bridge.io');

    const tokens = remote.stored('tokens')!;
    expect(tokens).toMatchObject({ token_type: 'Bearer', scope: 'crm:read', access_token: expect.any(String), refresh_token: expect.any(String) });
    expect(await mcpStatus(tokens.access_token as string)).toBe(200);
    const listed = JSON.parse(cli(['oauth', 'clients', 'list', '--json'])) as { id: string; name: string; activeGrants: number }[];
    expect(listed).toEqual([expect.objectContaining({ id: remote.stored('client_info')!.client_id, name: 'MCP CLI Proxy', activeGrants: 1 })]);
  });

  it('a write tool answered 403 insufficient_scope: mcp-remote asks again for crm:read crm:write, and the call goes through', async () => {
    const opened = remote.openedUrls().length;
    const logFrom = first.log().length;
    const call = first.client.callTool({ name: 'create_contact', arguments: { firstName: 'Stepped', lastName: 'Up', email: 'stepped@bridge.io' } }, undefined, WAIT);
    call.catch(() => {});
    const url = await remote.nextOpenedUrl(opened, first);
    expect(url.searchParams.get('scope')?.split(' ').sort(), first.log().slice(-8000)).toEqual(['crm:read', 'crm:write']);
    await consent(url);
    const created = await call;
    expect(created.isError, JSON.stringify(created)).toBeFalsy();
    expect(first.log().slice(logFrom)).toMatch(/Authorizing with the scope the server asked for: crm:read crm:write/); // the 403's step-up, kept
    expect(JSON.stringify(created.structuredContent)).toContain('stepped@bridge.io');
  });

  it('a second run reuses the stored tokens: no browser, no consent', async () => {
    await first.client.close();
    const opened = remote.openedUrls().length;
    const second = remote.start();
    await second.connected;
    expect((await search(second)).isError).toBeFalsy();
    expect(remote.openedUrls()).toHaveLength(opened);
    first = second;
  });

  it('the MCP Inspector CLI (no OAuth of its own) calls a tool through mcp-remote on the stored tokens', async () => {
    const opened = remote.openedUrls().length;
    const listed = (await remote.inspectorCli(['--method', 'tools/list'])) as { tools: { name: string }[] };
    expect(listed.tools.map((t) => t.name)).toContain('search_contacts');
    const called = (await remote.inspectorCli(['--method', 'tools/call', '--tool-name', 'search_contacts', '--tool-arg', 'search=stepped@bridge'])) as { isError?: boolean; structuredContent?: unknown };
    expect(called.isError).toBeFalsy();
    expect(JSON.stringify(called.structuredContent)).toContain('stepped@bridge.io'); // the contact the step-up wrote
    expect(remote.openedUrls()).toHaveLength(opened);
  });

  it('after /oauth/revoke the old token gets 401, and mcp-remote signs in again on the next call', async () => {
    const before = remote.stored('tokens')!;
    const clientId = remote.stored('client_info')!.client_id as string;
    const revoked = await fetch(`${base()}/oauth/revoke`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token: before.refresh_token as string, token_type_hint: 'refresh_token', client_id: clientId }),
    });
    expect(revoked.status).toBe(200);
    // on PostgreSQL the running gateway learns of it by notification: wait for that, not for a time
    await vi.waitFor(async () => expect(await mcpStatus(before.access_token as string)).toBe(401), { timeout: 60_000, interval: 100 });

    const opened = remote.openedUrls().length;
    const logFrom = first.log().length;
    const call = search(first);
    call.catch(() => {});
    const url = await remote.nextOpenedUrl(opened, first);
    expect(url.searchParams.get('client_id')).toBe(clientId); // the registration itself is still good
    await consent(url);
    const found = await call;
    expect(found.isError, JSON.stringify(found)).toBeFalsy();
    // the gateway's 401 as mcp-remote logged it (checked once the call is answered: it may open the browser before logging)
    expect(first.log().slice(logFrom)).toMatch(/Remote server requires authorization/);
    expect(remote.stored('tokens')!.access_token).not.toBe(before.access_token);
  });

  it('after `crm oauth clients revoke` mcp-remote registers again, signs in, and the call goes through', async () => {
    const oldClient = remote.stored('client_info')!.client_id as string;
    const before = remote.stored('tokens')!;
    cli(['oauth', 'clients', 'revoke', oldClient]);
    await vi.waitFor(async () => expect(await mcpStatus(before.access_token as string)).toBe(401), { timeout: 60_000, interval: 100 });

    const opened = remote.openedUrls().length;
    const call = search(first);
    call.catch(() => {});
    const url = await remote.nextOpenedUrl(opened, first);
    expect(url.searchParams.get('client_id')).not.toBe(oldClient);
    await consent(url);
    const found = await call;
    expect(found.isError, JSON.stringify(found)).toBeFalsy();
    expect(remote.stored('client_info')!.client_id).toBe(url.searchParams.get('client_id'));
  });

  it('with --static-oauth-client-metadata naming both scopes, one consent covers reads and writes', async () => {
    const both = new McpRemoteHarness(path.join(dir, 'both'), `${base()}/mcp/crm`, await freePort(), ['--static-oauth-client-metadata', '{"scope":"crm:read crm:write"}']);
    try {
      const run = both.start();
      const url = await both.nextOpenedUrl(0, run);
      expect(url.searchParams.get('scope')).toBe('crm:read crm:write');
      await consent(url);
      await run.connected;
      const created = await run.client.callTool({ name: 'create_contact', arguments: { firstName: 'Both', lastName: 'Scopes', email: 'both@bridge.io' } }, undefined, WAIT);
      expect(created.isError, JSON.stringify(created)).toBeFalsy();
      expect(both.openedUrls()).toHaveLength(1);
    } finally {
      await both.closeAll();
    }
  });
});
