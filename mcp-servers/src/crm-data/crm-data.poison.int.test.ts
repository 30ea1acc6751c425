import { testDbKinds } from '@crm/core/testing';
import { CallToolResultSchema, ErrorCode, McpError } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseToolError } from '../framework/tool-result.ts';
import { openHarness, type Connected, type Harness } from '../testing/harness.ts';

const nested = (levels: number) => {
  let v: unknown = 'leaf';
  for (let i = 0; i < levels; i++) v = { a: v };
  return v;
};

describe.each(testDbKinds())('poison input through MCP on %s', (kind) => {
  let h: Harness;
  let mcp: Connected;
  let contactId: string;
  const count = async (table: string) =>
    Number((await h.t.db.readAsTenant(h.f.tenantId, [{ sql: `SELECT count(*) AS n FROM ${table}` }]))[0][0].n);

  beforeAll(async () => {
    h = await openHarness(kind);
    mcp = await h.connect(h.f.manager);
    contactId = (await h.core.contacts.create(h.f.manager, { firstName: 'P', lastName: 'Oison', email: 'p@oison.io' })).id;
  });
  afterAll(() => h.close());

  it.each([
    ['create_contact', () => ({ firstName: 'Deep', lastName: 'X', email: 'deep@x.io', customFields: { nest: nested(3_000) } }), /^customFields\.nest/],
    ['create_contact', () => ({ firstName: 'Half \uD800', lastName: 'X', email: 'half@x.io' }), /^firstName/],
    ['log_interaction', () => ({ contactId, type: 'EMAIL', channel: 'EMAIL', direction: 'INBOUND', metadata: { m: nested(50) } }), /^metadata\.m/],
    ['log_interaction', () => ({ contactId, type: 'EMAIL', channel: 'EMAIL', direction: 'INBOUND', metadata: { big: 'z'.repeat(5_000_000) } }), /^metadata/],
    ['log_interaction', () => ({ contactId, type: 'EMAIL', channel: 'EMAIL', direction: 'INBOUND', occurredAt: '2025-02-30' }), /^occurredAt/],
    ['log_interaction', () => ({ contactId, type: 'EMAIL', channel: 'EMAIL', direction: 'INBOUND', occurredAt: '0000-01-01' }), /^occurredAt/],
    ['create_follow_up', () => ({ contactId, title: 'Call', dueAt: '2025-02-30' }), /^dueAt/],
  ])('%s refuses poison with VALIDATION_FAILED naming the field, writing nothing', async (tool, args, field) => {
    const before = [await count('contacts'), await count('interactions'), await count('follow_ups'), await count('outbox_events')];
    const res = await mcp.call(tool, args() as Record<string, unknown>);
    expect(res.isError).toBe(true);
    const err = parseToolError(res)!;
    expect(err.code).toBe('VALIDATION_FAILED');
    const paths = Array.isArray(err.details) ? err.details.map((d) => d.path) : [];
    expect(paths.some((p) => field.test(p)), JSON.stringify(err)).toBe(true);
    expect([await count('contacts'), await count('interactions'), await count('follow_ups'), await count('outbox_events')]).toEqual(before);
    // and the contact is still readable by everyone afterwards
    expect((await mcp.call('get_contact', { id: contactId })).isError).toBeFalsy();
  });

  it('answers malformed tools/call params with JSON-RPC -32602', async () => {
    for (const params of [{ name: 'get_contact', arguments: 'not an object' }, { name: 42 }, {}]) {
      const err = await mcp.client.request({ method: 'tools/call', params: params as never }, CallToolResultSchema).catch((e: unknown) => e);
      expect(err, JSON.stringify(params)).toBeInstanceOf(McpError);
      expect((err as McpError).code, JSON.stringify(params)).toBe(ErrorCode.InvalidParams);
    }
  });
});
