import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openHarness, type Harness } from '../testing/harness.ts';

/**
 * What a model sees, pinned: any change to a tool's name, description, schemas or annotations (or
 * to the prompts and resource templates) shows up as a reviewed diff of these files. Update with
 * `npx vitest run --project int mcp-servers -u`.
 */
describe('the crm-data model surface', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await openHarness('pglite');
  });
  afterAll(() => h.close());

  it('tools/list matches the snapshot', async () => {
    const c = await h.connect(h.f.manager);
    const { tools } = await c.client.listTools();
    expect(tools.map((t) => t.name)).toEqual([
      'search_contacts',
      'get_contact',
      'create_contact',
      'update_contact',
      'change_contact_status',
      'log_interaction',
      'get_contact_timeline',
      'list_interactions',
      'list_follow_ups',
      'create_follow_up',
      'complete_follow_up',
      'send_email',
      'find_duplicate_contacts',
      'merge_contacts',
      'import_contacts',
      'search_knowledge',
      'add_document',
      'delete_document',
      'list_approvals',
      'get_approval',
      'decide_approval',
      'request_approval',
      'get_current_user',
      'list_users',
    ]);
    for (const t of tools) {
      expect(t.name).toMatch(/^[a-z]+(_[a-z]+)+$/);
      expect(t.annotations).toEqual({
        title: t.title,
        readOnlyHint: expect.any(Boolean),
        destructiveHint: expect.any(Boolean),
        idempotentHint: expect.any(Boolean),
        // send_email leaves the CRM (assistants file it for approval first)
        openWorldHint: t.name === 'send_email',
      });
      expect(t.inputSchema).toMatchObject({ type: 'object', additionalProperties: false });
      expect(t.outputSchema).toMatchObject({ type: 'object' });
    }
    await expect(`${JSON.stringify(tools, null, 2)}\n`).toMatchFileSnapshot('./__snapshots__/crm-data.tools-list.json');
  });

  it('prompts/list and resources/templates/list match the snapshot', async () => {
    const c = await h.connect(h.f.manager);
    const surface = {
      prompts: (await c.client.listPrompts()).prompts,
      resourceTemplates: (await c.client.listResourceTemplates()).resourceTemplates,
      capabilities: c.client.getServerCapabilities(),
      instructions: c.client.getInstructions(),
    };
    await expect(`${JSON.stringify(surface, null, 2)}\n`).toMatchFileSnapshot('./__snapshots__/crm-data.prompts-resources.json');
  });

  it('the combined "crm" server offers the same tools, resources and prompts (beside the other servers\' ones)', async () => {
    const single = await h.connect(h.f.manager);
    const combined = await h.connect(h.f.manager, { server: 'crm' });
    expect(combined.client.getServerVersion()?.name).toBe('crm');
    const tools = (await single.client.listTools()).tools;
    const templates = (await single.client.listResourceTemplates()).resourceTemplates;
    const ours = <T>(key: (x: T) => string, mine: T[]) => (x: T) => mine.some((m) => key(m) === key(x));
    expect((await combined.client.listTools()).tools.filter(ours((t) => t.name, tools))).toEqual(tools);
    const prompts = (await single.client.listPrompts()).prompts;
    expect((await combined.client.listPrompts()).prompts.filter(ours((p) => p.name, prompts))).toEqual(prompts);
    expect((await combined.client.listResourceTemplates()).resourceTemplates.filter(ours((t) => t.uriTemplate, templates))).toEqual(templates);
  });
});
