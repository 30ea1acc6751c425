import type { z } from 'zod';

/**
 * Faster JSON for response shapes that are hot (contact by id, contact lists): the same text
 * JSON.stringify writes, without its slow path. V8's JSON.stringify leaves its fast path for every
 * object with a `toJSON` method, i.e. every Date: a contact with its three dates took ~2x as long as
 * the same object with strings. These serializers write the object's keys themselves (each value
 * through JSON.stringify, a Date as its ISO string, exactly what Date#toJSON gives) — but only when
 * the object has exactly the schema's keys in the schema's order, as core's mappers build them;
 * anything else (an extra or missing key, another order) goes to JSON.stringify as before.
 */
export type JsonSerializer = (value: unknown) => string;

const json = (v: unknown): string | undefined => JSON.stringify(v);

/** A value as JSON.stringify writes it inside an object (undefined: the key is left out). */
function valueJson(v: unknown): string | undefined {
  if (v instanceof Date && v.toJSON === Date.prototype.toJSON) return Number.isFinite(v.getTime()) ? `"${v.toISOString()}"` : 'null';
  return json(v);
}

/** The serializer of a zod object schema's values (keys in `shape` order). */
export function objectSerializer(schema: z.ZodObject): JsonSerializer {
  const keys = Object.keys(schema.shape);
  const prefixes = keys.map((k, i) => `${i ? ',' : '{'}${JSON.stringify(k)}:`);
  return (value) => {
    if (!isPlainObject(value)) return JSON.stringify(value);
    const own = Object.keys(value);
    if (own.length !== keys.length) return JSON.stringify(value);
    let out = '';
    for (let i = 0; i < keys.length; i++) {
      if (own[i] !== keys[i]) return JSON.stringify(value);
      const v = valueJson(value[keys[i]!]);
      if (v === undefined) return JSON.stringify(value);
      out += prefixes[i] + v;
    }
    return keys.length ? `${out}}` : '{}';
  };
}

/**
 * The serializer of a page (`{ data, pagination, totalCount, totalCountExact }`, api-schemas'
 * pageOf) whose items `item` writes.
 */
export function pageSerializer(item: JsonSerializer): JsonSerializer {
  return (value) => {
    if (!isPlainObject(value)) return JSON.stringify(value);
    const own = Object.keys(value);
    const { data } = value;
    const complete = value.pagination !== undefined && value.totalCount !== undefined && value.totalCountExact !== undefined;
    if (own.length !== 4 || own[0] !== 'data' || own[1] !== 'pagination' || own[2] !== 'totalCount' || own[3] !== 'totalCountExact' || !Array.isArray(data) || !complete) {
      return JSON.stringify(value);
    }
    let items = '';
    for (let i = 0; i < data.length; i++) {
      const d: unknown = data[i];
      // JSON.stringify writes null for array holes and values it cannot write
      items += (i ? ',' : '') + (d === undefined || typeof d === 'function' || typeof d === 'symbol' ? 'null' : item(d));
    }
    const rest = JSON.stringify({ pagination: value.pagination, totalCount: value.totalCount, totalCountExact: value.totalCountExact });
    return `{"data":[${items}],${rest.slice(1)}`;
  };
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return false;
  const proto = Object.getPrototypeOf(v) as unknown;
  return (proto === Object.prototype || proto === null) && typeof (v as { toJSON?: unknown }).toJSON !== 'function';
}

const registered = new WeakMap<object, JsonSerializer>();

/** Use `serializer` for every route response documented with `schema` (this very object). */
export function registerSerializer(schema: z.ZodType, serializer: JsonSerializer): void {
  registered.set(schema, serializer);
}

export function serializerFor(schema: unknown): JsonSerializer | undefined {
  return schema !== null && typeof schema === 'object' ? registered.get(schema) : undefined;
}
