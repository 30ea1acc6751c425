import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openAgentHarness, type AgentHarness } from '../testing/agent-harness.ts';
import { loadToolset } from './toolset.ts';

describe('toolset over the in-process MCP transport', () => {
  let h: AgentHarness;
  beforeAll(async () => {
    h = await openAgentHarness('pglite');
    await h.core.contacts.create(h.f.rep, { firstName: 'Dana', lastName: 'Whitfield', email: 'dana@northwind.test', company: 'Northwind', assignedTo: h.f.rep.userId });
  });
  afterAll(() => h.close());

  it('loads every server module\'s tools with a kind from their annotations', async () => {
    const client = await h.mcpClientFactory(h.f.rep);
    const toolset = await loadToolset(client);
    expect(toolset.info.get('search_contacts')?.kind).toBe('read');
    expect(toolset.info.get('log_interaction')?.kind).toBe('write');
    expect(toolset.info.get('merge_contacts')?.kind).toBe('destructive');
    expect(toolset.info.has('score_lead')).toBe(true);
    await client.close();
  });

  it('returns structured data with crm:// provenance', async () => {
    const client = await h.mcpClientFactory(h.f.rep);
    const toolset = await loadToolset(client);
    const result = await toolset.call({ id: 'c1', name: 'search_contacts', args: { search: 'Dana' } });
    expect(result.ok).toBe(true);
    const contacts = (result.data as { contacts: { id: string; email: string }[] }).contacts;
    expect(contacts.map((c) => c.email)).toEqual(['dana@northwind.test']);
    expect(result.sources).toEqual([`crm://contacts/${contacts[0].id}`]);
    // the server's one-line summary, not the serialised result (which the model gets once, as data)
    expect(result.summary).toMatch(/^1 contact\(s\) match/);
    expect(result.summary).not.toContain('structuredContent');
    expect(result.summary).not.toContain('dana@northwind.test');
    await client.close();
  });

  it('turns domain errors into error results the agent can read (the tools enforce RBAC)', async () => {
    const client = await h.mcpClientFactory(h.f.otherRep);
    const toolset = await loadToolset(client);
    const dana = (await h.core.contacts.list(h.f.rep, { search: 'Dana' })).data[0];
    const denied = await toolset.call({ id: 'c2', name: 'log_interaction', args: { contactId: dana.id, type: 'PHONE_CALL', channel: 'PHONE', direction: 'OUTBOUND', content: 'hi' } });
    expect(denied.ok).toBe(false);
    expect(denied.error?.code, denied.summary).toBe('PERMISSION_DENIED');
    const invalid = await toolset.call({ id: 'c3', name: 'get_contact', args: { id: 'not-a-uuid' } });
    expect(invalid.error?.code).toBe('VALIDATION_FAILED');
    const missing = await toolset.call({ id: 'c4', name: 'no_such_tool', args: {} });
    expect(missing.error?.code).toBe('NOT_FOUND');
    await client.close();
  });
});
