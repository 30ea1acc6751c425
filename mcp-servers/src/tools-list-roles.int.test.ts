import { testDbKinds } from '@crm/core/testing';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SERVER_MODULES } from './servers.ts';
import { failed, openHarness, type Harness } from './testing/harness.ts';
import { serveMcpHttp } from './testing/http-server.ts';

/** Workflow administration, tenant policy, tenant-wide scoring and knowledge writes: not a sales rep's. */
const NOT_A_REPS = ['create_workflow', 'activate_workflow', 'install_template', 'rotate_webhook_secret', 'list_workflows', 'update_tenant_settings', 'retrain_model', 'import_contacts', 'add_document', 'create_report_schedule'];
const EVERY_TOOL = SERVER_MODULES.flatMap((m) => m.tools.map((t) => t.contract.name));

// QA round 3: a sales rep's model saw the workflow and administration tools and learned
// PERMISSION_DENIED only by calling one; tools/list now shows each user what their role may call
describe.each(testDbKinds())('tools/list per role over Streamable HTTP (%s)', (kind) => {
  let h: Harness;
  let http: Awaited<ReturnType<typeof serveMcpHttp>>;
  beforeAll(async () => {
    h = await openHarness(kind);
    http = await serveMcpHttp(h.core, { server: 'crm' });
  }, 120_000);
  afterAll(async () => {
    await http.close();
    await h.close();
  });

  async function connect(apiKey: string) {
    const client = new Client({ name: 'roles-test', version: '1.0.0' });
    await client.connect(new StreamableHTTPClientTransport(new URL(http.url), { requestInit: { headers: { Authorization: `Bearer ${apiKey}` } } }));
    return client;
  }

  it("an admin's list has every tool; a sales rep's lacks the administration and workflow tools, which still answer PERMISSION_DENIED", async () => {
    const admin = await connect(h.f.apiKeys.admin);
    const rep = await connect(h.f.apiKeys.rep);
    try {
      const adminTools = (await admin.listTools()).tools.map((t) => t.name);
      expect(adminTools.sort()).toEqual([...EVERY_TOOL].sort());
      const repTools = (await rep.listTools()).tools.map((t) => t.name);
      for (const name of NOT_A_REPS) expect(repTools, name).not.toContain(name);
      // what a rep does all day stays
      for (const name of ['search_contacts', 'create_contact', 'update_contact', 'log_interaction', 'score_lead', 'search_knowledge', 'list_approvals', 'get_metrics']) {
        expect(repTools, name).toContain(name);
      }
      // a hidden tool called anyway: the domain's reason, not "unknown tool"
      const refused = failed((await rep.callTool({ name: 'create_workflow', arguments: { name: 'x', triggerType: 'MANUAL', steps: [] } })) as CallToolResult);
      expect(refused.code).toBe('PERMISSION_DENIED');
      const settings = failed((await rep.callTool({ name: 'update_tenant_settings', arguments: { workflowActivationRequiresApproval: true } })) as CallToolResult);
      expect(settings.code).toBe('PERMISSION_DENIED');
    } finally {
      await admin.close();
      await rep.close();
    }
  });

  it('each role sees exactly the tools whose grant it holds (manager and marketing differ)', async () => {
    const manager = await connect(h.f.apiKeys.manager);
    const marketing = await connect(h.f.apiKeys.marketing);
    try {
      const m = (await manager.listTools()).tools.map((t) => t.name);
      const mk = (await marketing.listTools()).tools.map((t) => t.name);
      // a manager reads workflows but does not write them; marketing writes them
      expect(m).toContain('list_workflows');
      expect(m).not.toContain('create_workflow');
      expect(mk).toContain('create_workflow');
      // only an ADMIN changes tenant settings; everyone reads them
      for (const list of [m, mk]) {
        expect(list).not.toContain('update_tenant_settings');
        expect(list).toContain('get_tenant_settings');
      }
      // a manager retrains (contacts:write on every record); marketing does not
      expect(m).toContain('retrain_model');
      expect(mk).not.toContain('retrain_model');
    } finally {
      await manager.close();
      await marketing.close();
    }
  });
});
