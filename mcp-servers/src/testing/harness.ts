import { createCrmCore, silentLogger, type Actor, type CrmCore, type Logger } from '@crm/core';
import { createTenantFixture, openTestDatabase, type TenantFixture, type TestDatabase, type TestDbKind } from '@crm/core/testing';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { McpServerDeps } from '../framework/server-module.ts';
import { parseToolError } from '../framework/tool-result.ts';
import { createServerByName } from '../servers.ts';

/** A real database, core and tenant fixture; clients connect over the SDK's in-memory transport. */
export interface Harness {
  t: TestDatabase;
  core: CrmCore;
  f: TenantFixture;
  connect(actor: Actor, options?: { server?: string; deps?: Partial<McpServerDeps> }): Promise<Connected>;
  close(): Promise<void>;
}

export interface Connected {
  client: Client;
  server: McpServer;
  call(name: string, args?: Record<string, unknown>): Promise<CallToolResult>;
  close(): Promise<void>;
}

export async function openHarness(kind: TestDbKind, options: { narration?: Parameters<typeof createCrmCore>[0]['narration']; logger?: Logger } = {}): Promise<Harness> {
  const t = await openTestDatabase(kind);
  const core = createCrmCore({ db: t.db, logger: options.logger ?? silentLogger(), outbox: { pollMs: 50 }, narration: options.narration });
  const f = await createTenantFixture(core);
  const open: Connected[] = [];
  return {
    t,
    core,
    f,
    async connect(actor, options = {}) {
      const server = createServerByName(options.server ?? 'crm-data', { core, actor, ...options.deps });
      const client = new Client({ name: 'crm-test', version: '1.0.0' });
      const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
      await Promise.all([server.connect(serverSide), client.connect(clientSide)]);
      const connected: Connected = {
        client,
        server,
        call: (name, args = {}) => client.callTool({ name, arguments: args }) as Promise<CallToolResult>,
        async close() {
          await client.close();
          await server.close();
        },
      };
      open.push(connected);
      return connected;
    },
    async close() {
      await Promise.all(open.map((c) => c.close().catch(() => {})));
      await core.outbox.stop();
      await t.drop();
    },
  };
}

/** The structured result of a successful call (fails the test with the error otherwise). */
export function ok<T = Record<string, unknown>>(result: CallToolResult): T {
  if (result.isError) throw new Error(`tool failed: ${(result.content[0] as { text: string }).text}`);
  return result.structuredContent as T;
}

/** The domain error of a failed call (fails the test when the call succeeded). */
export function failed(result: CallToolResult) {
  const error = parseToolError(result);
  if (!error) throw new Error(`expected an error, got ${JSON.stringify(result.structuredContent)}`);
  return error;
}

/** Poll until `check` returns true (or throw after `timeoutMs`). */
export async function waitFor(check: () => boolean, timeoutMs = 5000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
