import { testDbKinds } from '@crm/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openHarness, type Harness } from './testing/harness.ts';

// Claude Desktop and the MCP Inspector call resources/list on connect: one template a role may not
// read (workflows, for a sales rep) must drop out of the list, not fail the whole listing.
describe.each(testDbKinds())('resources/list on the combined crm server for every role on %s', (kind) => {
  let h: Harness;
  beforeAll(async () => {
    h = await openHarness(kind);
  });
  afterAll(() => h.close());

  it.each(['admin', 'manager', 'rep', 'marketing'] as const)('%s gets a listing', async (who) => {
    const c = await h.connect(h.f[who], { server: 'crm' });
    const { resources } = await c.client.listResources();
    expect(resources.map((r) => r.uri)).toContain('crm://follow-ups/due');
  });

  it("a sales rep's listing leaves out the workflows it may not read", async () => {
    const admin = await h.connect(h.f.admin, { server: 'crm' });
    const installed = await admin.call('install_template', { key: 'hot-lead-alert' });
    expect(installed.isError).toBeFalsy();
    expect((await admin.client.listResources()).resources.some((r) => r.uri.startsWith('crm://workflows/'))).toBe(true);
    const rep = await h.connect(h.f.rep, { server: 'crm' });
    expect((await rep.client.listResources()).resources.some((r) => r.uri.startsWith('crm://workflows/'))).toBe(false);
  });
});
