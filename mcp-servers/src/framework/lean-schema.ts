/**
 * tools/list's JSON Schemas without what zod's conversion adds and no client needs (the combined
 * server's list was ~250 KB for an ADMIN; an MCP client compiles a validator per output schema on
 * every list, and chat clients put the list into the model's context). An input schema accepts
 * what it did, but for a `format` being a little looser than zod's regex (any UUID version: the
 * server still checks zod's); an output schema accepts more (see the last points), never less:
 *
 * - `pattern` beside a `format` (zod writes its own regex for uuid, date-time, email: up to ~400
 *   bytes each; the format says the same to a reader, and the SDK client checks formats);
 * - integer bounds that are only JavaScript's safe-integer range, `propertyNames: {type: string}`
 *   (every JSON key is a string), `additionalProperties: {}` (the default), `$schema` (the keywords
 *   used mean the same in draft-07, which zod targets and the SDK client's Ajv uses, and in
 *   2020-12, which MCP assumes without one: no tuples, and a `$ref` has no siblings);
 * - in output schemas only: `anyOf: [X, {type: null}]` as X with `type: [t, "null"]` (X's other
 *   keywords apply to values of its own type only), an enum's `null` added to it; the `type` of a
 *   string enum or const (implied); `default` (an answer
 *   always carries the value), limits on what a caller may send (`pattern`, `minLength`,
 *   `maxLength`, `minItems`, `maxItems`), `additionalProperties: false` (the server strips unknown
 *   fields from answers itself), and a sub-schema repeated within the schema (≥ MIN_SHARED_BYTES)
 *   kept once under `$defs` and referred to by `$ref`. Input schemas keep their `anyOf`s and every
 *   `type`, and get no `$ref`: the agents' tool adapter (@langchain/mcp-adapters) and some models'
 *   schema converters read them, and not every one takes a list of types.
 */
type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type Node = { [k: string]: Json };

const SAFE = Number.MAX_SAFE_INTEGER;
const MIN_SHARED_BYTES = 160;
/** Keywords whose value is a map of sub-schemas, or a list of them, or one. */
const SCHEMA_MAPS = new Set(['properties', '$defs', 'definitions', 'patternProperties']);
const SCHEMA_LISTS = new Set(['anyOf', 'oneOf', 'allOf']);
const SCHEMA_ONE = new Set(['items', 'additionalProperties', 'not', 'propertyNames', 'contains', 'if', 'then', 'else']);
/** What an answer need not be told: limits on what a caller may send, and defaults the answer always fills. */
const OUTPUT_NOISE = ['default', 'pattern', 'minLength', 'maxLength', 'minItems', 'maxItems'];
/** Keywords whose presence makes merging `null` into a schema's `type` unsafe. */
const COMBINATORS = ['anyOf', 'oneOf', 'allOf', 'not', '$ref', 'const', 'if'];

const isNode = (v: unknown): v is Node => !!v && typeof v === 'object' && !Array.isArray(v);

function leanNode(node: Json, output: boolean): Json {
  if (!isNode(node)) return node;
  const out: Node = {};
  for (const [k, v] of Object.entries(node)) {
    if (SCHEMA_MAPS.has(k) && isNode(v)) out[k] = Object.fromEntries(Object.entries(v).map(([p, s]) => [p, leanNode(s, output)]));
    else if (SCHEMA_LISTS.has(k) && Array.isArray(v)) out[k] = v.map((s) => leanNode(s, output));
    else if (SCHEMA_ONE.has(k)) out[k] = leanNode(v, output);
    else out[k] = v;
  }
  if (typeof out.format === 'string') delete out.pattern;
  if (out.type === 'integer') {
    if (out.minimum === -SAFE) delete out.minimum;
    if (out.maximum === SAFE) delete out.maximum;
  }
  if (isNode(out.propertyNames) && Object.keys(out.propertyNames).length === 1 && out.propertyNames.type === 'string') delete out.propertyNames;
  if (isNode(out.additionalProperties) && !Object.keys(out.additionalProperties).length) delete out.additionalProperties;
  if (output) {
    for (const k of OUTPUT_NOISE) delete out[k];
    if (out.additionalProperties === false) delete out.additionalProperties;
  }
  return output ? impliedType(mergeNullable(out)) : out;
}

/** An enum or const of strings (and null) says its type itself. */
function impliedType(node: Node): Node {
  const values = Array.isArray(node.enum) ? node.enum : 'const' in node ? [node.const] : undefined;
  if (!values?.length || !values.every((v) => typeof v === 'string' || v === null)) return node;
  const types = new Set<string>(values.map((v) => (v === null ? 'null' : 'string')));
  const declared = Array.isArray(node.type) ? node.type : [node.type];
  if (declared.length !== types.size || !declared.every((t) => typeof t === 'string' && types.has(t))) return node;
  const { type: _type, ...rest } = node;
  return rest;
}

/** `{anyOf: [X, {type: "null"}]}` (either order, with the parent's own annotations) as X accepting null. */
function mergeNullable(node: Node): Node {
  const alts = node.anyOf;
  if (!Array.isArray(alts) || alts.length !== 2) return node;
  const nullAt = alts.findIndex((a) => isNode(a) && Object.keys(a).length === 1 && a.type === 'null');
  const other = alts[1 - nullAt];
  if (nullAt < 0 || !isNode(other) || COMBINATORS.some((k) => k in other)) return node;
  // an enum is a whole constraint (its type already implied by impliedType): null joins its values
  const typeless = other.type === undefined && Array.isArray(other.enum);
  if (typeof other.type !== 'string' && !typeless) return node;
  const { anyOf: _anyOf, ...rest } = node;
  if (Object.keys(rest).some((k) => k in other)) return node; // a keyword on both levels: leave as written
  const merged: Node = typeless ? { ...other } : { ...other, type: [other.type as string, 'null'] };
  if (Array.isArray(other.enum)) merged.enum = other.enum.includes(null) ? other.enum : [...other.enum, null];
  return { ...rest, ...merged };
}

/** Each sub-schema's canonical text, to find the repeated ones. */
function collect(node: Json, counts: Map<string, { count: number; name: string }>, name: string, root: boolean): void {
  if (!isNode(node)) return;
  if (!root) {
    const key = JSON.stringify(node);
    if (key.length >= MIN_SHARED_BYTES) {
      const seen = counts.get(key);
      if (seen) seen.count++;
      else counts.set(key, { count: 1, name });
    }
  }
  for (const [k, v] of Object.entries(node)) {
    if (SCHEMA_MAPS.has(k) && isNode(v)) for (const [p, s] of Object.entries(v)) collect(s, counts, p, false);
    else if (SCHEMA_LISTS.has(k) && Array.isArray(v)) for (const s of v) collect(s, counts, name, false);
    else if (k === 'items') collect(v, counts, `${name}Item`, false);
    else if (SCHEMA_ONE.has(k)) collect(v, counts, name, false);
  }
}

function replaceShared(node: Json, refs: Map<string, string>, root: boolean): Json {
  if (!isNode(node)) return node;
  if (!root) {
    const ref = refs.get(JSON.stringify(node));
    if (ref) return { $ref: `#/$defs/${ref}` };
  }
  const out: Node = {};
  for (const [k, v] of Object.entries(node)) {
    if (SCHEMA_MAPS.has(k) && isNode(v)) out[k] = Object.fromEntries(Object.entries(v).map(([p, s]) => [p, replaceShared(s, refs, false)]));
    else if (SCHEMA_LISTS.has(k) && Array.isArray(v)) out[k] = v.map((s) => replaceShared(s, refs, false));
    else if (SCHEMA_ONE.has(k)) out[k] = replaceShared(v, refs, false);
    else out[k] = v;
  }
  return out;
}

/**
 * Move every sub-schema that occurs more than once under `$defs`, largest first, until none is
 * repeated: a repeated sub-schema inside a repeated one is then shared through the outer
 * definition, and given its own only when it still occurs twice.
 */
function share(schema: Node): Node {
  if ('$defs' in schema || 'definitions' in schema || JSON.stringify(schema).includes('"$ref"')) return schema;
  let body = schema;
  const defs: Node = {};
  for (;;) {
    const counts = new Map<string, { count: number; name: string }>();
    collect(body, counts, 'root', true);
    for (const [id, d] of Object.entries(defs)) collect(d, counts, id, true);
    let best: [string, string] | undefined;
    for (const [key, c] of counts) if (c.count > 1 && (!best || key.length > best[0].length)) best = [key, c.name];
    if (!best) break;
    const [key, name] = best;
    const base = name.replace(/[^A-Za-z0-9_]/g, '_') || 'shared';
    let id = base;
    for (let i = 2; id in defs; i++) id = `${base}${i}`;
    const refs = new Map([[key, id]]);
    body = replaceShared(body, refs, true) as Node;
    for (const [other, d] of Object.entries(defs)) defs[other] = replaceShared(d, refs, true);
    defs[id] = JSON.parse(key) as Json;
  }
  return Object.keys(defs).length ? { ...body, $defs: defs } : body;
}

/** The schema a tools/list entry carries, lean (see the file's comment). */
export function leanSchema(schema: Record<string, unknown>, kind: 'input' | 'output'): Record<string, unknown> {
  const { $schema: _dialect, ...rest } = schema;
  const lean = leanNode(rest as Node, kind === 'output') as Node;
  return kind === 'output' ? share(lean) : lean;
}

function descriptions(node: Json, into: Set<string>): Set<string> {
  if (Array.isArray(node)) for (const v of node) descriptions(v, into);
  else if (isNode(node)) {
    for (const [k, v] of Object.entries(node)) {
      if (k === 'description' && typeof v === 'string') into.add(v);
      else if (k !== 'enum' && k !== 'const' && k !== 'default' && k !== 'required') descriptions(v, into);
    }
  }
  return into;
}

function withoutDescriptions(node: Json, known: Set<string>): Json {
  if (Array.isArray(node)) return node.map((v) => withoutDescriptions(v, known));
  if (!isNode(node)) return node;
  const out: Node = {};
  for (const [k, v] of Object.entries(node)) {
    if (k === 'description' && typeof v === 'string' && known.has(v)) continue;
    out[k] = k === 'enum' || k === 'const' || k === 'default' || k === 'required' ? v : withoutDescriptions(v, known);
  }
  return out;
}

export interface ListedTool {
  name: string;
  inputSchema?: Record<string, unknown>;
  outputSchema?: Record<string, unknown>;
  execution?: unknown;
  [k: string]: unknown;
}

/**
 * One tools/list entry, lean: both schemas (leanSchema), an output field's description dropped
 * where the same entry's input schema already says it (the record a write returns repeats the
 * fields it takes), and the SDK's `execution: {taskSupport: "forbidden"}` (the default) left out.
 */
export function leanToolEntry(entry: ListedTool): ListedTool {
  const { execution, inputSchema, outputSchema, ...rest } = entry;
  const out: ListedTool = { ...rest };
  if (inputSchema) out.inputSchema = leanSchema(inputSchema, 'input');
  if (outputSchema) {
    const said = descriptions(out.inputSchema as Json, new Set());
    out.outputSchema = leanSchema(withoutDescriptions(outputSchema as Json, said) as Node, 'output');
  }
  if (isNode(execution) && execution.taskSupport !== 'forbidden') out.execution = execution;
  return out;
}
