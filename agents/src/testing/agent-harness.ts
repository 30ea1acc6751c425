import { createCrmCore, silentLogger, type CrmCore } from '@crm/core';
import { createTenantFixture, openTestDatabase, type TenantFixture, type TestDatabase, type TestDbKind } from '@crm/core/testing';
import { installApprovalExecutor } from '@crm/mcp-servers';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { inProcessMcpClientFactory, type McpClientFactory } from '../tools/mcp-client-factory.ts';

/**
 * A real database, core and tenant fixture, and an MCP client factory over the in-process
 * transport — the same shape the runtime hands the agents. Tests seed data through `core`;
 * the agents under test only ever get `mcpClientFactory`.
 */
export interface AgentHarness {
  t: TestDatabase;
  core: CrmCore;
  f: TenantFixture;
  mcpClientFactory: McpClientFactory;
  close(): Promise<void>;
}

export async function openAgentHarness(kind: TestDbKind): Promise<AgentHarness> {
  const t = await openTestDatabase(kind);
  const core = createCrmCore({ db: t.db, logger: silentLogger(), outbox: { pollMs: 50 } });
  const f = await createTenantFixture(core);
  // approved agent actions run in this process, as in the runtime
  installApprovalExecutor(core);
  const factory = inProcessMcpClientFactory({ core });
  const open = new Set<Client>();
  return {
    t,
    core,
    f,
    async mcpClientFactory(actor) {
      const client = await factory(actor);
      open.add(client);
      return client;
    },
    async close() {
      // An open in-memory session keeps a pooled connection busy; a failed test must not hang the drop.
      await Promise.all([...open].map((c) => c.close().catch(() => {})));
      await core.outbox.stop();
      await t.drop();
    },
  };
}
