import type { Actor, CrmCore } from '@crm/core';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { AjvJsonSchemaValidator } from '@modelcontextprotocol/sdk/validation/ajv';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createServerByName } from '../servers.ts';
import { leanSchema, leanToolEntry } from './lean-schema.ts';

/** What the SDK's McpServer lists for a zod schema (zod's own conversion, draft-07). */
const sdkJson = (schema: z.ZodType, io: 'input' | 'output') => z.toJSONSchema(schema, { target: 'draft-7', io }) as Record<string, unknown>;
const accepts = (schema: Record<string, unknown>) => {
  const validate = new AjvJsonSchemaValidator().getValidator(schema);
  return (value: unknown) => validate(value).valid;
};

const Contact = z.object({
  id: z.uuid(),
  status: z.enum(['LEAD', 'CUSTOMER']),
  owner: z.uuid().nullable(),
  stage: z.enum(['open', 'won']).nullable(),
  seen: z.iso.datetime().nullable(),
  visits: z.number().int(),
  tags: z.array(z.string().max(20)).max(5).default([]),
  custom: z.record(z.string(), z.unknown()),
});

describe('lean JSON Schemas for tools/list', () => {
  it('drops what zod adds and no client needs, and decides these inputs as the SDK-listed input schema does', () => {
    const input = z.object({ contact: Contact }).strict();
    const before = sdkJson(input, 'input');
    const after = leanSchema(before, 'input');
    const text = JSON.stringify(after);
    expect(text.length).toBeLessThan(JSON.stringify(before).length / 2);
    expect(after).not.toHaveProperty('$schema');
    expect(text).not.toMatch(/"pattern"|"propertyNames"|9007199254740991|"\$ref"/);
    const props = (after.properties as { contact: { properties: Record<string, unknown> } }).contact.properties;
    // inputs keep zod's shape of a nullable field (tool adapters read inputs, not all take type lists)
    expect(props.owner).toEqual({ anyOf: [{ type: 'string', format: 'uuid' }, { type: 'null' }] });
    expect(props.status).toEqual({ type: 'string', enum: ['LEAD', 'CUSTOMER'] });
    expect(props.custom).toEqual({ type: 'object' });
    expect(props.tags).toMatchObject({ default: [], maxItems: 5, items: { maxLength: 20 } }); // a caller's limits stay in inputs
    const [old, lean] = [accepts(before), accepts(after)];
    const good = { id: '2b7c7f7e-8a64-4a8e-9a5e-0d5b4e3f2a10', status: 'LEAD', owner: null, stage: 'won', seen: '2026-11-30T10:00:00Z', visits: 3, tags: ['a'], custom: { x: 1 } };
    const probes = [
      good,
      { ...good, owner: 'not-a-uuid' },
      { ...good, stage: null },
      { ...good, stage: 'lost' },
      { ...good, seen: '30.11.2026' },
      { ...good, seen: null },
      { ...good, visits: 2.5 },
      { ...good, tags: ['x'.repeat(21)] },
      { ...good, extra: true },
      { ...good, status: null },
    ];
    for (const probe of probes) expect(lean({ contact: probe }), JSON.stringify(probe)).toBe(old({ contact: probe }));
  });

  it('an output schema accepts every answer the listed one did, drops defaults and limits, and shares a repeated sub-schema once', () => {
    const output = z.object({ primary: Contact, duplicate: Contact, contacts: z.array(Contact) });
    const before = sdkJson(output, 'output');
    const after = leanSchema(before, 'output');
    expect(JSON.stringify(after).length).toBeLessThan(JSON.stringify(before).length / 3);
    expect(after.properties).toEqual({ primary: { $ref: '#/$defs/primary' }, duplicate: { $ref: '#/$defs/primary' }, contacts: { type: 'array', items: { $ref: '#/$defs/primary' } } });
    const shared = (after.$defs as { primary: { properties: Record<string, unknown> } }).primary.properties;
    expect(shared.status).toEqual({ enum: ['LEAD', 'CUSTOMER'] });
    expect(shared.owner).toEqual({ type: ['string', 'null'], format: 'uuid' });
    expect(shared.stage).toEqual({ enum: ['open', 'won', null] });
    expect(shared.tags).toEqual({ type: 'array', items: { type: 'string' } });
    const [old, lean] = [accepts(before), accepts(after)];
    const c = { id: '2b7c7f7e-8a64-4a8e-9a5e-0d5b4e3f2a10', status: 'CUSTOMER', owner: null, stage: null, seen: null, visits: 1, tags: [], custom: {} };
    const answer = { primary: c, duplicate: { ...c, stage: 'open' }, contacts: [c, c] };
    expect(old(answer)).toBe(true);
    expect(lean(answer)).toBe(true);
    for (const wrong of [{ ...answer, primary: { ...c, status: 'GONE' } }, { ...answer, contacts: [{ ...c, id: 7 }] }, { ...answer, duplicate: { ...c, visits: 'many' } }]) {
      expect(lean(wrong), JSON.stringify(wrong)).toBe(false);
    }
  });

  it("an output field's description that the entry's input schema already gives is said once; the default execution is left out", () => {
    const said = 'Job title; seniority is read from it';
    const entry = leanToolEntry({
      name: 'update_x',
      inputSchema: sdkJson(z.object({ position: z.string().describe(said) }), 'input'),
      outputSchema: sdkJson(z.object({ position: z.string().describe(said), score: z.number().describe('0-100') }), 'output'),
      execution: { taskSupport: 'forbidden' },
    });
    expect(entry).toEqual({
      name: 'update_x',
      inputSchema: { type: 'object', properties: { position: { type: 'string', description: said } }, required: ['position'] },
      outputSchema: { type: 'object', properties: { position: { type: 'string' }, score: { type: 'number', description: '0-100' } }, required: ['position', 'score'] },
    });
  });

  it("the combined server's list: every schema compiles in the SDK client's validator, means the same in draft-07 and 2020-12, and an ADMIN's list stays lean", async () => {
    const actor: Actor = { tenantId: '00000000-0000-4000-8000-000000000001', userId: '00000000-0000-4000-8000-000000000002', role: 'ADMIN' };
    const server = createServerByName('crm', { core: {} as CrmCore, actor, changeFeed: { subscribe: () => () => {}, close: async () => {} } });
    const client = new Client({ name: 'lean-test', version: '1' });
    const [a, b] = InMemoryTransport.createLinkedPair();
    await Promise.all([server.connect(b), client.connect(a)]);
    const { tools } = await client.listTools(); // the client compiles every output schema here
    for (const t of tools) expect((client as unknown as { getToolOutputValidator(n: string): unknown }).getToolOutputValidator(t.name), t.name).toBeDefined();
    const problems: string[] = [];
    const walk = (node: unknown, at: string) => {
      if (Array.isArray(node)) return node.forEach((v, i) => walk(v, `${at}/${i}`));
      if (!node || typeof node !== 'object') return;
      const n = node as Record<string, unknown>;
      if (Array.isArray(n.items)) problems.push(`${at}: tuple items`);
      if ('$ref' in n && Object.keys(n).length > 1) problems.push(`${at}: $ref with siblings`);
      if ('$schema' in n || 'definitions' in n) problems.push(`${at}: draft-07 only keyword`);
      if ('format' in n && 'pattern' in n) problems.push(`${at}: pattern beside format`);
      for (const [k, v] of Object.entries(n)) if (k !== 'enum' && k !== 'const' && k !== 'default') walk(v, `${at}/${k}`);
    };
    for (const t of tools) {
      walk(t.inputSchema, `${t.name}/input`);
      walk(t.outputSchema, `${t.name}/output`);
      expect(JSON.stringify(t.inputSchema), t.name).not.toContain('$ref');
    }
    expect(problems).toEqual([]);
    // 249 KB as the SDK listed it (2026-11-30); 143 KB since
    expect(JSON.stringify({ tools }).length).toBeLessThan(150_000);
    await client.close();
    await server.close();
  });
});
