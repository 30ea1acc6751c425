import { AppError, objectShapeAt, SERVER_OWNED_FIELDS, type FieldIssue } from '@crm/core';
import type { FastifySchemaCompiler, FastifyTypeProvider } from 'fastify';
import { z } from 'zod';
import { serializerFor } from './json-serializer.ts';
import { OPTIONAL_BODY } from './openapi-document.ts';
import { namedMetadata, withNamedSchemas } from './openapi-schemas.ts';

/**
 * Routes declare zod schemas (core's shared ones): they validate params, query and body, type the
 * handlers, and become the OpenAPI document's JSON Schema. Responses are documented, not
 * re-validated: core's services already return their schemas' shapes.
 */
export interface ZodTypeProvider extends FastifyTypeProvider {
  validator: this['schema'] extends z.ZodType ? z.output<this['schema']> : unknown;
  serializer: unknown;
}

const PART: Record<string, string> = { body: 'body', querystring: 'query', params: 'params', headers: 'headers' };

/** Fields a route does not take because another route changes them: where to go instead. */
const ELSEWHERE: Record<string, Record<string, string>> = {
  'PATCH /api/v1/contacts/:id': { status: 'is changed with POST /api/v1/contacts/{id}/status ({"status", "reason"}: audited, and the outcome date is kept)' },
};

/** zod issues → field issues with dotted paths; an unknown key names the key itself and what the object accepts. */
export function issuesOf(error: z.ZodError, prefix: string, elsewhere: Record<string, string> = {}, schema?: z.ZodType): FieldIssue[] {
  const out: FieldIssue[] = [];
  // an object with unknown keys also fails its own refinements (PATCH {status} is not "no field given"): the unknown key is the issue
  const withUnknown = new Set(error.issues.filter((i) => i.code === 'unrecognized_keys').map((i) => i.path.join('.')));
  for (const issue of error.issues) {
    const base = [prefix, ...issue.path.map(String)].filter(Boolean).join('.');
    if (issue.code === 'custom' && withUnknown.has(issue.path.join('.'))) continue;
    if (issue.code === 'unrecognized_keys') {
      // `/what-if {"patch": …}` said only "is not a field of this request"; now also which ones are
      const shape = objectShapeAt(schema, issue.path);
      const accepted = Object.keys(shape ?? {});
      const unknown =
        shape && !accepted.length && prefix === 'query' && !issue.path.length
          ? 'is not a parameter of this route (it takes no query parameters)'
          : `is not a field of this request${accepted.length ? ` (accepted: ${accepted.join(', ')})` : ''}`;
      for (const key of issue.keys) out.push({ path: `${base}.${key}`, reason: SERVER_OWNED_FIELDS[key] ?? (issue.path.length ? undefined : elsewhere[key]) ?? unknown });
    } else {
      out.push({ path: base, reason: issue.message });
    }
  }
  return out;
}

/** NUL characters cannot be stored by PostgreSQL text: caught here with the field's name. */
function nulIssues(value: unknown, path: string, out: FieldIssue[] = [], depth = 0): FieldIssue[] {
  if (out.length >= 20 || depth > 32) return out;
  if (typeof value === 'string') {
    if (value.includes('\u0000')) out.push({ path, reason: 'must not contain NUL (\\u0000) characters' });
  } else if (Array.isArray(value)) {
    value.forEach((v, i) => nulIssues(v, `${path}.${i}`, out, depth + 1));
  } else if (value && typeof value === 'object' && !(value instanceof Date)) {
    for (const [k, v] of Object.entries(value)) {
      if (k.includes('\u0000')) out.push({ path: `${path}.${k}`, reason: 'must not contain NUL (\\u0000) characters' });
      nulIssues(v, `${path}.${k}`, out, depth + 1);
    }
  }
  return out;
}

export const zodValidatorCompiler: FastifySchemaCompiler<z.ZodType> = ({ schema, httpPart, method, url }) => {
  const prefix = PART[httpPart ?? 'body'] ?? 'body';
  const elsewhere = prefix === 'body' ? (ELSEWHERE[`${method} ${url}`] ?? {}) : {};
  // no body at all on a POST whose fields are all optional (curl -X POST …/complete) is an empty object
  const noBody = httpPart === 'body' || httpPart === undefined;
  return (data: unknown) => {
    const result = schema.safeParse(noBody && data == null ? {} : data);
    if (!result.success) return { error: AppError.validation(issuesOf(result.error, prefix, elsewhere, schema)) };
    const nul = nulIssues(data, prefix);
    if (nul.length) return { error: AppError.validation(nul) };
    return { value: result.data };
  };
};

/** JSON.stringify, or the faster serializer registered for a response schema (json-serializer.ts). */
export const jsonSerializerCompiler = ({ schema }: { schema: unknown }): ((data: unknown) => string) => serializerFor(schema) ?? ((data) => JSON.stringify(data));

const isZod = (s: unknown): s is z.ZodType => !!s && typeof s === 'object' && '_zod' in s;

/**
 * JSON Schema (2020-12, what OpenAPI 3.1 uses) of a zod schema; dates are ISO strings on the wire.
 * With `components` (the document's `components.schemas`), the named schemas (openapi-schemas.ts)
 * go there and are referenced with `$ref`.
 */
export function toJsonSchema(schema: z.ZodType, io: 'input' | 'output', components?: Record<string, unknown>): Record<string, unknown> {
  const json = z.toJSONSchema(schema, {
    io,
    ...(components ? { metadata: namedMetadata } : {}),
    target: 'draft-2020-12',
    unrepresentable: 'any',
    override: (ctx) => {
      const def = (ctx.zodSchema as unknown as { _zod: { def: { type: string } } })._zod.def;
      if (def.type === 'date') Object.assign(ctx.jsonSchema, { type: 'string', format: 'date-time' });
      if (def.type === 'custom') Object.assign(ctx.jsonSchema, { description: ctx.jsonSchema.description ?? 'binary data' });
    },
  }) as Record<string, unknown>;
  delete json.$schema;
  return components ? withNamedSchemas(json, components) : json;
}

/** @fastify/swagger's `transform`: zod schemas of a route → JSON Schema. */
export function openApiTransform({ schema, url, openapiObject }: { schema: Record<string, unknown> | undefined; url: string; openapiObject: { components?: { schemas?: Record<string, unknown> } } }) {
  if (!schema) return { schema, url };
  const components = ((openapiObject.components ??= {}).schemas ??= {});
  const out: Record<string, unknown> = { ...schema };
  // parameters stay inline: @fastify/swagger reads their properties one by one
  for (const part of ['querystring', 'params', 'headers']) {
    if (isZod(schema[part])) out[part] = toJsonSchema(schema[part], 'input');
  }
  if (isZod(schema.body)) out.body = toJsonSchema(schema.body, 'input', components);
  // the validator reads no body as {} (above): where {} passes, the body may be left out
  if (isZod(schema.body) && schema.body.safeParse({}).success) out[OPTIONAL_BODY] = true;
  // a body read by the handler (a streamed file) has no schema to validate, only one to document
  if (schema.documentedBody) {
    out.body = schema.documentedBody;
    delete out.documentedBody;
  }
  if (schema.response && typeof schema.response === 'object') {
    out.response = Object.fromEntries(
      Object.entries(schema.response as Record<string, unknown>).map(([status, s]) => [status, isZod(s) ? toJsonSchema(s, 'output', components) : s]),
    );
  }
  return { schema: out, url };
}
