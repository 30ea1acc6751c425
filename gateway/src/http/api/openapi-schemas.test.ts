import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { named } from './openapi-schemas.ts';
import { toJsonSchema } from './zod-route.ts';

describe('named schemas in the OpenAPI document', () => {
  const Item = named(z.object({ sku: z.string().describe('stock keeping unit') }), 'TestItem');
  const Order = named(z.object({ items: z.array(Item), note: z.string().optional() }), 'TestOrder');

  it('moves named parts to components and references them, nested ones too, keeping descriptions', () => {
    const components: Record<string, unknown> = {};
    const page = toJsonSchema(z.object({ data: z.array(Order) }), 'output', components);
    expect(page).toEqual(expect.objectContaining({ properties: { data: { type: 'array', items: { $ref: '#/components/schemas/TestOrder' } } } }));
    expect(page).not.toHaveProperty('$defs');
    expect(components.TestOrder).toMatchObject({ type: 'object', properties: { items: { type: 'array', items: { $ref: '#/components/schemas/TestItem' } } } });
    expect(components.TestItem).toEqual(expect.objectContaining({ properties: { sku: { type: 'string', description: 'stock keeping unit' } } }));
    expect(JSON.stringify(components)).not.toMatch(/"id":|\$defs/);
    // the named schema at the root is a $ref itself
    expect(toJsonSchema(Order, 'output', components)).toEqual({ $ref: '#/components/schemas/TestOrder' });
  });

  it('without components (parameters, other transports) everything stays inline', () => {
    expect(JSON.stringify(toJsonSchema(Order, 'output'))).not.toContain('$ref');
  });

  it('refuses one name for two shapes: a schema whose input and output differ', () => {
    const Defaulted = named(z.object({ n: z.number().default(1) }), 'TestDefaulted');
    const components: Record<string, unknown> = {};
    toJsonSchema(Defaulted, 'output', components);
    expect(() => toJsonSchema(Defaulted, 'input', components)).toThrow('OpenAPI schema TestDefaulted has two shapes');
  });

  it('refuses a name already given to another schema', () => {
    expect(() => named(z.object({}), 'TestItem')).toThrow('OpenAPI schema name TestItem is already taken');
  });
});
