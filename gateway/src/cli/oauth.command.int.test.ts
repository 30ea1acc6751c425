import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createCrmCore, openDatabase, silentLogger } from '@crm/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const BIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../bin/crm.js');

// The real `crm` binary lists and revokes the OAuth clients MCP clients registered.
describe('crm oauth clients list|revoke', { timeout: 600_000 }, () => {
  let dir: string;
  let clientId = '';
  const env = { ...process.env, DATABASE_URL: '', LOG_LEVEL: 'warn', CRM_API_KEY: '' };
  const crm = (args: string[]) => spawnSync(process.execPath, [BIN, ...args], { env: { ...env, CRM_DATA_DIR: path.join(dir, 'data') }, encoding: 'utf8', timeout: 240_000 });
  const withCore = async <T>(fn: (core: ReturnType<typeof createCrmCore>) => Promise<T>): Promise<T> => {
    const db = await openDatabase({ config: { dataDir: path.join(dir, 'data'), pglitePort: 0, poolMax: 4 }, logger: silentLogger() });
    const core = createCrmCore({ db, logger: silentLogger(), knowledge: { indexInteractions: false } });
    try {
      return await fn(core);
    } finally {
      await core.outbox.stop();
      await db.close();
    }
  };

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'crm-oauth-'));
    clientId = await withCore(async (core) => (await core.oauth.registerClient({ client_name: 'Claude Code', redirect_uris: ['http://localhost:54321/callback'], token_endpoint_auth_method: 'none' })).client.id);
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('lists the registered client, revokes it, and names what is wrong', async () => {
    const list = crm(['oauth', 'clients', 'list', '--json']);
    expect(list.status, list.stderr).toBe(0);
    expect(JSON.parse(list.stdout)).toEqual([expect.objectContaining({ id: clientId, name: 'Claude Code', status: 'active', auth: 'none', redirectUris: 'http://localhost:54321/callback', activeGrants: 0 })]);
    const table = crm(['oauth', 'clients', 'list']);
    expect(table.stdout).toContain(clientId);
    expect(table.stdout).toContain('Claude Code');

    const revoked = crm(['oauth', 'clients', 'revoke', clientId]);
    expect(revoked.status, revoked.stderr).toBe(0);
    expect(revoked.stdout).toMatch(new RegExp(`OAuth client ${clientId} \\("Claude Code"\\) revoked`));
    expect(JSON.parse(crm(['oauth', 'clients', 'list', '--json']).stdout)).toEqual([]);
    expect(JSON.parse(crm(['oauth', 'clients', 'list', '--all', '--json']).stdout)).toEqual([expect.objectContaining({ id: clientId, status: 'revoked' })]);
    expect(await withCore(async (core) => core.oauth.client(clientId))).toBeUndefined();

    const unknown = crm(['oauth', 'clients', 'revoke', 'mcp_does_not_exist']);
    expect(unknown.status).toBe(66);
    expect(unknown.stderr).toMatch(/OAuth client mcp_does_not_exist not found/);
    const noId = crm(['oauth', 'clients', 'revoke']);
    expect(noId.status).toBe(65);
    expect(noId.stderr).toMatch(/Missing ID/);
    const badVerb = crm(['oauth', 'clients', 'delete']);
    expect(badVerb.status).toBe(64);
    expect(badVerb.stderr).toMatch(/list, revoke/);
  });
});
