/**
 * QA round 6 drove the API with a client generated from the OpenAPI document (openapi-typescript +
 * openapi-fetch, compiled with tsc). What the document said and what the server did differed:
 * bodies documented as required that the server does not need, dates documented as any value, an
 * Idempotency-Key no operation declared, CSV/HTML reports documented as JSON only, and no document
 * at /openapi.json. Each case below checks the document against the server's real answers.
 */
import { randomUUID } from 'node:crypto';
import { testDbKinds } from '@crm/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contactBody, openRestHarness, type RestHarness } from './rest-test.fixture.ts';

type Op = {
  parameters?: { name: string; in: string; required?: boolean; schema: Record<string, unknown> }[];
  requestBody?: { required?: boolean; content: Record<string, { schema: Record<string, unknown> }> };
  responses: Record<string, { content?: Record<string, unknown> }>;
};
type Doc = { paths: Record<string, Record<string, Op>> };

/** Path parameters the routes accept as well-formed (the ids need not exist). */
const PLACEHOLDER: Record<string, () => string> = {
  id: () => randomUUID(),
  workflowId: () => randomUUID(),
  key: () => 'hot-lead-alert',
  version: () => '1',
  stepId: () => 'step-1',
  threadId: () => 'thread-1',
  filename: () => 'a.txt',
};
const fill = (path: string) => path.replace(/\{(\w+)\}/g, (_, name: string) => PLACEHOLDER[name]?.() ?? randomUUID());
/** Routes whose body is not JSON (CSV, a signed webhook): not this check's business. */
const NOT_JSON = new Set(['/api/v1/contacts/import', '/api/v1/interactions/import', '/api/v1/workflows/{id}/webhook']);

describe.each(testDbKinds())('QA round 6: the OpenAPI document against the server on %s', { timeout: 300_000 }, (kind) => {
  let h: RestHarness;
  let doc: Doc;
  beforeAll(async () => {
    h = await openRestHarness(kind);
    doc = (await h.call(null, 'GET', '/api/v1/openapi.json')).json() as Doc;
  }, 120_000);
  afterAll(() => h.close());

  const operations = (): [string, string, Op][] =>
    Object.entries(doc.paths).flatMap(([path, item]) => Object.entries(item).filter(([, op]) => op && typeof op === 'object' && 'responses' in op).map(([m, op]) => [path, m, op] as [string, string, Op]));

  it('serves the document at /openapi.json too, without a credential (it was a bare Fastify 404)', async () => {
    const root = await h.call(null, 'GET', '/openapi.json');
    expect(root.statusCode).toBe(200);
    expect(root.headers['content-type']).toContain('application/json');
    expect(root.json()).toEqual(doc);
  });

  it('answers an unknown path outside /api/v1 with the error envelope and where things are (it was Fastify\'s bare 404)', async () => {
    for (const url of ['/', '/api', '/nope?x=1']) {
      const res = await h.call(null, 'GET', url);
      expect(res.statusCode, url).toBe(404);
      const { error } = res.json();
      expect(error).toMatchObject({ code: 'NOT_FOUND', path: url }); // the request's URL, as every envelope has it
      expect(error.message).toContain('/api/v1/openapi.json');
      expect(error.traceId).toEqual(expect.any(String));
    }
    // the API's own 404 is unchanged, and Swagger UI still serves its assets
    expect((await h.call('admin', 'GET', '/api/v1/nope')).json().error.message).toContain('No route GET /api/v1/nope');
    expect((await h.call(null, 'GET', '/docs/')).statusCode).toBe(200);
  });

  it('documents a body as optional exactly where the server takes a request with no body', async () => {
    const optional: string[] = [];
    for (const [path, method, op] of operations()) {
      if (!op.requestBody || NOT_JSON.has(path)) continue;
      const res = await h.call('admin', method.toUpperCase() as 'POST', fill(path));
      // what a missing body causes: "body: …" or a body field "is required" (a domain refusal of the
      // empty tenant, such as forecast's "needs 28 days of history", is not about the body's absence)
      const details = res.statusCode === 400 ? ((res.json().error.details ?? []) as { path: string; reason: string }[]) : [];
      const bodyIssues = details.filter((d) => d.path === 'body' || (d.path.startsWith('body.') && /required/.test(d.reason)));
      const label = `${method.toUpperCase()} ${path}`;
      if (op.requestBody.required === false) {
        optional.push(label);
        // accepted (or refused for the placeholder id), never for its missing body
        expect(bodyIssues, `${label}: ${res.body.slice(0, 300)}`).toEqual([]);
      } else {
        expect(res.statusCode, `${label}: ${res.body.slice(0, 300)}`).toBe(400);
        expect(details.filter((d) => d.path === 'body' || d.path.startsWith('body.')).length, `${label}: ${res.body.slice(0, 300)}`).toBeGreaterThan(0);
      }
    }
    // a generated client no longer demands `body: {}` on these (openapi-typescript typed them all as required)
    expect(optional).toEqual(
      expect.arrayContaining([
        'POST /api/v1/follow-ups/{id}/complete',
        'POST /api/v1/ai/lead-scoring/retrain',
        'POST /api/v1/insights',
        'POST /api/v1/predictions/forecast',
        'POST /api/v1/workflows/{id}/execute',
        'PATCH /api/v1/settings',
      ]),
    );
    expect(optional).not.toContain('PATCH /api/v1/contacts/{id}'); // {} is "at least one field must be given"
  });

  it('types every parameter and body field (dates were `{}`, so a generated client typed them unknown)', async () => {
    const untyped: string[] = [];
    const walk = (schema: unknown, at: string): void => {
      if (!schema || typeof schema !== 'object') return;
      const s = schema as Record<string, unknown>;
      for (const [name, field] of Object.entries((s.properties ?? {}) as Record<string, Record<string, unknown>>)) {
        if (!Object.keys(field).length) untyped.push(`${at}.${name}`);
        walk(field, `${at}.${name}`);
      }
      for (const key of ['items', 'anyOf', 'oneOf', 'allOf']) [s[key]].flat().forEach((x) => walk(x, at));
    };
    for (const [path, method, op] of operations()) {
      for (const p of op.parameters ?? []) if (!Object.keys(p.schema ?? {}).length) untyped.push(`${method} ${path} ${p.in} ${p.name}`);
      walk(op.requestBody?.content['application/json']?.schema, `${method} ${path} body`);
    }
    expect(untyped).toEqual([]);
    const createdAfter = doc.paths['/api/v1/contacts'].get.parameters!.find((p) => p.name === 'createdAfter')!;
    expect(createdAfter.schema).toMatchObject({ type: 'string' });
    expect(doc.paths['/api/v1/follow-ups'].post.requestBody!.content['application/json'].schema).toMatchObject({ properties: { dueAt: { type: 'string' } } });
    // a date alone is still taken, as the description says
    const contact = (await h.call('admin', 'POST', '/api/v1/contacts', contactBody('qa6-date'))).json().id as string;
    const due = await h.call('admin', 'POST', '/api/v1/follow-ups', { contactId: contact, title: 'Call', dueAt: '2030-01-15' });
    expect(due.statusCode, due.body).toBe(201);
  });

  it('declares Idempotency-Key on every JSON POST, and the declared header replays the first answer', async () => {
    for (const [path, method, op] of operations()) {
      if (method !== 'post') continue;
      const declared = (op.parameters ?? []).some((p) => p.in === 'header' && p.name === 'Idempotency-Key' && !p.required);
      expect(declared, `${method} ${path}`).toBe(!NOT_JSON.has(path));
    }
    const body = contactBody('qa6-idem');
    const headers = { 'Idempotency-Key': `qa6-${randomUUID()}` };
    const first = await h.call('admin', 'POST', '/api/v1/contacts', body, headers);
    const again = await h.call('admin', 'POST', '/api/v1/contacts', body, headers);
    expect(first.statusCode, first.body).toBe(201);
    expect(again.statusCode).toBe(201);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.json().id).toBe(first.json().id);
  });

  it("documents an API key's default name as a rule, not the time the document was built", async () => {
    const name = (doc.paths['/api/v1/api-keys'].post.requestBody!.content['application/json'].schema as { properties: Record<string, Record<string, unknown>> }).properties.name;
    expect(name.default).toBeUndefined();
    expect(name.description).toContain('key-<creation time');
    const users = (await h.call('admin', 'GET', '/api/v1/users')).json().data as { id: string; role: string }[];
    const before = Date.now();
    const created = await h.call('admin', 'POST', '/api/v1/api-keys', { userId: users.find((u) => u.role === 'SALES_REP')!.id });
    expect(created.statusCode, created.body).toBe(201);
    const stamp = /^key-(\d{4}-\d{2}-\d{2})-(\d{2}:\d{2}:\d{2})$/.exec(created.json().key.name as string);
    expect(stamp, created.body).not.toBeNull();
    expect(Date.parse(`${stamp![1]}T${stamp![2]}Z`)).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000);
  });

  it('documents the CSV and HTML answers of POST /reports that ?format= returns, and the chat\'s event stream', async () => {
    expect(Object.keys(doc.paths['/api/v1/reports'].post.responses['200'].content!).sort()).toEqual(['application/json', 'text/csv', 'text/html']);
    // the chat's server-sent events (Accept: text/event-stream)
    for (const path of ['/api/v1/chat', '/api/v1/chat/{threadId}/decisions']) {
      expect(Object.keys(doc.paths[path].post.responses['200'].content!)).toEqual(['application/json', 'text/event-stream']);
    }
    const stream = await h.server.inject({
      method: 'POST',
      url: '/api/v1/chat',
      headers: { authorization: `Bearer ${h.a.apiKeys.admin}`, accept: 'text/event-stream', 'content-type': 'application/json' },
      payload: { message: 'How many contacts are leads?' },
    });
    expect(stream.statusCode, stream.body.slice(0, 300)).toBe(200);
    expect(stream.headers['content-type']).toContain('text/event-stream');
    expect(stream.body).toContain('event: answer');
    for (const format of ['csv', 'html']) {
      const res = await h.call('admin', 'POST', `/api/v1/reports?format=${format}`, { type: 'SALES_PIPELINE' });
      expect(res.statusCode, res.body.slice(0, 200)).toBe(200);
      expect(res.headers['content-type']).toContain(`text/${format}`);
    }
  });
});
