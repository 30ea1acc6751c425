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
import { contactBody, derefSchema, openRestHarness, type RestHarness } from './rest-test.fixture.ts';

type Op = {
  parameters?: { name: string; in: string; required?: boolean; schema: Record<string, unknown> }[];
  requestBody?: { required?: boolean; content: Record<string, { schema: Record<string, unknown> }> };
  responses: Record<string, { content?: Record<string, unknown> }>;
};
type Doc = { paths: Record<string, Record<string, Op>>; components: { schemas: Record<string, Record<string, unknown>> } };

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
    const named = new Set<unknown>(); // a named schema (Contact, …) is walked once, where it is first used
    const walk = (schema: unknown, at: string): void => {
      if (!schema || typeof schema !== 'object') return;
      const s = derefSchema<Record<string, unknown>>(doc, schema);
      if (s !== schema && named.has(s)) return;
      named.add(s);
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
    expect(derefSchema(doc, doc.paths['/api/v1/follow-ups'].post.requestBody!.content['application/json'].schema)).toMatchObject({ properties: { dueAt: { type: 'string' } } });
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

  it('names the shared schemas once under components.schemas and references them with $ref (every schema was inline, 440 KB)', async () => {
    const schemas = doc.components.schemas;
    const names = ['Contact', 'CreateContactInput', 'UpdateContactInput', 'Interaction', 'LogInteractionInput', 'FollowUp', 'CreateFollowUpInput', 'Workflow', 'WorkflowDefinition', 'CreateWorkflowInput', 'WorkflowExecution', 'StepAttempt', 'Approval', 'ErrorEnvelope', 'ErrorDetail', 'Pagination'];
    expect(Object.keys(schemas)).toEqual(expect.arrayContaining(names));
    for (const name of names) expect(schemas[name], name).toMatchObject({ type: 'object', properties: expect.any(Object) });
    const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
    const json = (op: Op, status: string) => (op.responses[status]?.content as Record<string, { schema: Record<string, unknown> }>)['application/json'].schema;
    const body = (op: Op) => op.requestBody!.content['application/json'].schema;
    const p = doc.paths;

    expect(json(p['/api/v1/contacts/{id}'].get, '200')).toEqual(ref('Contact'));
    const list = json(p['/api/v1/contacts'].get, '200') as { properties: Record<string, unknown> };
    expect(list.properties).toMatchObject({ data: { type: 'array', items: ref('Contact') }, pagination: ref('Pagination') });
    expect(body(p['/api/v1/contacts'].post)).toEqual(ref('CreateContactInput'));
    expect(json(p['/api/v1/contacts'].post, '201')).toEqual(ref('Contact'));
    expect(body(p['/api/v1/contacts/{id}'].patch)).toEqual(ref('UpdateContactInput'));
    expect(body(p['/api/v1/interactions'].post)).toEqual(ref('LogInteractionInput'));
    expect(json(p['/api/v1/interactions'].post, '201')).toEqual(ref('Interaction'));
    expect(json(p['/api/v1/interactions'].get, '200')).toMatchObject({ properties: { data: { items: ref('Interaction') } } });
    expect(body(p['/api/v1/follow-ups'].post)).toEqual(ref('CreateFollowUpInput'));
    expect(json(p['/api/v1/follow-ups'].post, '201')).toEqual(ref('FollowUp'));
    expect(json(p['/api/v1/workflows/{id}'].get, '200')).toEqual(ref('Workflow'));
    expect(body(p['/api/v1/workflows/{id}'].put)).toEqual(ref('WorkflowDefinition'));
    expect(body(p['/api/v1/workflows'].post)).toEqual(ref('CreateWorkflowInput'));
    expect(json(p['/api/v1/executions/{id}'].get, '200')).toEqual(ref('WorkflowExecution'));
    expect(schemas.WorkflowExecution.properties).toMatchObject({ steps: { items: ref('StepAttempt') } });
    expect(json(p['/api/v1/approvals/{id}'].get, '200')).toEqual(ref('Approval'));
    expect(JSON.stringify(schemas.ErrorEnvelope)).toContain(JSON.stringify(ref('ErrorDetail')));
    // every operation's errors, the inbound webhook's too
    for (const [path, method, op] of operations()) {
      for (const status of ['4XX', '5XX']) expect(json(op, status), `${method} ${path} ${status}`).toEqual(ref('ErrorEnvelope'));
    }

    // every $ref resolves, and no zod `$defs` is left inside an operation (it would resolve against the document's root)
    const text = JSON.stringify(doc);
    expect(text).not.toContain('"$defs"');
    const refs = new Set([...text.matchAll(/"\$ref":"([^"]+)"/g)].map((m) => m[1]));
    for (const r of refs) expect(schemas[r.replace('#/components/schemas/', '')], r).toBeDefined();
    expect(text.length).toBeLessThan(300_000);

    // the named Contact is what GET /contacts/{id} really answers, field for field
    const created = (await h.call('admin', 'POST', '/api/v1/contacts', contactBody('qa6-named'))).json() as { id: string };
    const got = (await h.call('admin', 'GET', `/api/v1/contacts/${created.id}`)).json() as Record<string, unknown>;
    const contact = schemas.Contact as { properties: Record<string, unknown>; required: string[] };
    expect(Object.keys(got).sort()).toEqual(Object.keys(contact.properties).sort());
    expect(contact.required).toEqual(expect.arrayContaining(['id', 'email', 'status']));
  });
});
