import { Approval, Contact, CreateFollowUpInput, CreateWorkflowInput, FollowUp, Interaction, LogInteractionInput, StepAttempt, Workflow, WorkflowDefinition, WorkflowExecution } from '@crm/core';
import { z } from 'zod';

/**
 * The OpenAPI document's named schemas (`components.schemas`): a client generated from it gets a
 * `Contact` type instead of one anonymous shape per route (QA round 6: 440 KB, all inline). The
 * names live here, not in core's `.meta({ id })`, because core's schemas also build the MCP
 * tools' JSON Schemas, which must not change.
 */
const NAMES = new Map<z.ZodType, string>([
  [Contact, 'Contact'],
  [Interaction, 'Interaction'],
  [LogInteractionInput, 'LogInteractionInput'],
  [FollowUp, 'FollowUp'],
  [CreateFollowUpInput, 'CreateFollowUpInput'],
  [Workflow, 'Workflow'],
  [WorkflowDefinition, 'WorkflowDefinition'],
  [CreateWorkflowInput, 'CreateWorkflowInput'],
  [WorkflowExecution, 'WorkflowExecution'],
  [StepAttempt, 'StepAttempt'],
  [Approval, 'Approval'],
]);

/** Names a gateway schema for the document (`named(z.object(…), 'ErrorEnvelope')`); returns it unchanged. */
export function named<T extends z.ZodType>(schema: T, name: string): T {
  const had = [...NAMES].find(([s, n]) => n === name && s !== schema);
  if (had) throw new Error(`OpenAPI schema name ${name} is already taken by another schema`);
  NAMES.set(schema, name);
  return schema;
}

/**
 * zod's metadata registry as toJSONSchema reads it (only `get`): each schema's own metadata
 * (descriptions) plus the document's name as `id`, which makes zod put it under `$defs`.
 */
export const namedMetadata = {
  get(schema: z.ZodType) {
    const meta = z.globalRegistry.get(schema);
    const id = NAMES.get(schema);
    return id ? { ...meta, id } : meta;
  },
} as unknown as typeof z.globalRegistry;

export const COMPONENT_REF = '#/components/schemas/';

type Json = Record<string, unknown>;

/** `$ref: "#/$defs/X"` → `$ref: "#/components/schemas/X"` everywhere below `node` (in place). */
function rewriteRefs(node: unknown): void {
  if (Array.isArray(node)) return node.forEach(rewriteRefs);
  if (!node || typeof node !== 'object') return;
  const o = node as Json;
  if (typeof o.$ref === 'string' && o.$ref.startsWith('#/$defs/')) o.$ref = COMPONENT_REF + o.$ref.slice('#/$defs/'.length);
  for (const v of Object.values(o)) rewriteRefs(v);
}

/**
 * A route's body or response schema, converted with `namedMetadata`: zod put its named parts under
 * `$defs`; they move to `components` (the document's `components.schemas`, written on first use)
 * and the `$ref`s follow. A `$defs` left inside an operation would resolve against the document's
 * root, and a name that would mean two different shapes is an error here, not a wrong client later.
 */
export function withNamedSchemas(json: Json, components: Json): Json {
  const defs = (json.$defs ?? {}) as Record<string, Json>;
  delete json.$defs;
  rewriteRefs(json);
  for (const [name, def] of Object.entries(defs)) {
    if (![...NAMES.values()].includes(name)) throw new Error(`OpenAPI: ${name} is not a named schema (a cyclic zod schema needs a name in openapi-schemas.ts)`);
    rewriteRefs(def);
    const existing = components[name];
    if (existing && JSON.stringify(existing) !== JSON.stringify(def)) {
      throw new Error(`OpenAPI schema ${name} has two shapes (its input and output JSON Schemas differ?): name the other one separately`);
    }
    components[name] = def;
  }
  return json;
}
