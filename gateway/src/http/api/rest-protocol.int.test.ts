import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contactBody, openRestHarness, type RestHarness } from './rest-test.fixture.ts';

// What an integrator's HTTP client gets for the protocol mistakes people make: a body sent as
// text, a trailing slash, the wrong method. PGlite only: nothing here depends on the database.
describe('REST protocol edges', () => {
  let h: RestHarness;
  let id: string;
  beforeAll(async () => {
    h = await openRestHarness('pglite');
    id = (await h.call('manager', 'POST', '/api/v1/contacts', contactBody('edge'))).json().id;
  });
  afterAll(() => h.close());

  const count = async () => (await h.call('manager', 'GET', '/api/v1/contacts?limit=1')).json().totalCount as number;

  it('a JSON body sent as text/plain is 415 saying to send application/json (it was "body: expected object, received string"), and nothing is created', async () => {
    const before = await count();
    for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'application/xml']) {
      const res = await h.call('manager', 'POST', '/api/v1/contacts', JSON.stringify(contactBody('plain')), { 'content-type': type });
      expect(res.statusCode, type).toBe(415);
      const { error } = res.json();
      expect(error.message).toBe(`Unsupported Media Type ${type}: send the body as JSON with "Content-Type: application/json"`);
      expect(error.details).toEqual([{ path: 'headers.content-type', reason: 'must be application/json' }]);
    }
    expect(await count()).toBe(before);
  });

  it('a trailing slash reaches the same route (GET /contacts/ was read as a contact with an empty id)', async () => {
    const list = await h.call('manager', 'GET', '/api/v1/contacts/?limit=1');
    expect(list.statusCode, list.body).toBe(200);
    expect(list.json().pagination.limit).toBe(1);
    const one = await h.call('manager', 'GET', `/api/v1/contacts/${id}/`);
    expect(one.statusCode, one.body).toBe(200);
    expect(one.json().id).toBe(id);
    // an MCP client configured with …/mcp/crm/ reaches the server (it was Fastify's plain 404)
    const mcp = await h.call('manager', 'POST', '/mcp/crm/', '{"jsonrpc":', { 'content-type': 'application/json', accept: 'application/json, text/event-stream' });
    expect(mcp.statusCode).toBe(400);
    expect(mcp.json().error.code).toBe(-32700);
    const patched = await h.call('manager', 'PATCH', `/api/v1/contacts/${id}/`, { company: 'Slash Ltd' });
    expect(patched.statusCode, patched.body).toBe(200);
    expect(patched.json().company).toBe('Slash Ltd');
  });

  it('a method a path does not accept is 405 with Allow (it was 404 "No route"); an unknown path stays 404', async () => {
    const put = await h.call('manager', 'PUT', '/api/v1/contacts', contactBody('put'));
    expect(put.statusCode, put.body).toBe(405);
    expect(put.headers.allow).toBe('GET, HEAD, POST');
    expect(put.json().error.message).toBe('PUT is not allowed on /api/v1/contacts; it accepts GET, HEAD, POST');
    const del = await h.call('manager', 'DELETE', '/api/v1/contacts?x=1');
    expect(del.statusCode).toBe(405);
    const post = await h.call('manager', 'POST', `/api/v1/contacts/${id}`, { company: 'x' });
    expect(post.statusCode).toBe(405);
    expect(post.headers.allow).toBe('DELETE, GET, HEAD, PATCH');
    const options = await h.call('manager', 'OPTIONS', '/api/v1/contacts');
    expect(options.statusCode).toBe(204);
    expect(options.headers.allow).toBe('GET, HEAD, POST');
    const unknown = await h.call('manager', 'GET', '/api/v1/nope');
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json().error.code).toBe('NOT_FOUND');
    // a credential is still needed before anything is said about the path
    expect((await h.call(null, 'PUT', '/api/v1/contacts', {})).statusCode).toBe(401);
  });

  it('a POST whose fields are all optional needs no body (curl -X POST without -d was "body: expected object, received null")', async () => {
    const due = new Date(Date.now() + 86_400_000).toISOString();
    const followUp = (await h.call('manager', 'POST', '/api/v1/follow-ups', { contactId: id, title: 'Call back', dueAt: due })).json();
    const done = await h.call('manager', 'POST', `/api/v1/follow-ups/${followUp.id}/complete`);
    expect(done.statusCode, done.body).toBe(200);
    expect(done.json().done).toBe(true);
    const insights = await h.call('manager', 'POST', '/api/v1/insights');
    expect(insights.statusCode, insights.body).toBe(200);
    // a body with required fields still names them
    const missing = await h.call('manager', 'POST', '/api/v1/contacts');
    expect(missing.statusCode).toBe(400);
    expect(missing.json().error.details).toEqual(expect.arrayContaining([expect.objectContaining({ path: 'body.firstName' }), expect.objectContaining({ path: 'body.email' })]));
  });

  it('"Content-Type: application/json" with no body is no body (it was 400 "Body cannot be empty when content-type is set to application/json")', async () => {
    const json = { 'content-type': 'application/json' };
    const insights = await h.call('manager', 'POST', '/api/v1/insights', '', json);
    expect(insights.statusCode, insights.body).toBe(200);
    const blank = await h.call('manager', 'POST', '/api/v1/insights', '  \n', json);
    expect(blank.statusCode, blank.body).toBe(200);
    // a route with required fields names them; broken JSON is still refused
    const missing = await h.call('manager', 'POST', '/api/v1/contacts', '', json);
    expect(missing.statusCode).toBe(400);
    expect(missing.json().error.details).toEqual(expect.arrayContaining([expect.objectContaining({ path: 'body.firstName' })]));
    const broken = await h.call('manager', 'POST', '/api/v1/contacts', '{"firstName":', json);
    expect(broken.statusCode).toBe(400);
    expect(broken.json().error.code).toBe('VALIDATION_FAILED');
    // prototype poisoning is refused as before
    const poisoned = await h.call('manager', 'POST', '/api/v1/contacts', '{"__proto__":{"x":1},"firstName":"A"}', json);
    expect(poisoned.statusCode).toBe(400);
  });

  it('a lead-score range whose minimum is above its maximum is refused naming the field (it answered an empty page)', async () => {
    const res = await h.call('manager', 'GET', '/api/v1/contacts?leadScoreMin=50&leadScoreMax=10');
    expect(res.statusCode).toBe(400);
    expect(res.json().error.details).toEqual([{ path: 'query.leadScoreMax', reason: 'must be at least leadScoreMin (50)' }]);
    expect((await h.call('manager', 'GET', '/api/v1/contacts?leadScoreMin=10&leadScoreMax=10')).statusCode).toBe(200);
    // text, or a parameter given twice, in a number field
    for (const q of ['page=abc', 'page=1&page=2']) {
      expect((await h.call('manager', 'GET', `/api/v1/contacts?${q}`)).json().error.details, q).toEqual([{ path: 'query.page', reason: 'must be a number' }]);
    }
  });

  it('a PATCH that changes nothing writes nothing: same updatedAt, no empty audit row (it wrote {"before":{},"after":{}} and an event)', async () => {
    const first = await h.call('admin', 'PATCH', `/api/v1/contacts/${id}`, { position: 'Buyer', phone: null });
    expect(first.statusCode, first.body).toBe(200);
    const audits = async () => (await h.call('admin', 'GET', `/api/v1/audit-log?entityId=${id}&limit=100`)).json().totalCount as number;
    const before = await audits();
    const again = await h.call('admin', 'PATCH', `/api/v1/contacts/${id}`, { position: 'Buyer', phone: null });
    expect(again.statusCode, again.body).toBe(200);
    expect(again.json()).toEqual(first.json());
    expect(await audits()).toBe(before);
  });

  it("a service's issue about a query parameter it received under another name is located at the parameter (/metrics said dateRange.start)", async () => {
    const res = await h.call('manager', 'GET', '/api/v1/metrics?start=2026-12-01&end=2026-01-01');
    expect(res.statusCode).toBe(400);
    expect(res.json().error.message).toBe('Invalid input — query.start: start must be before end');
    expect(res.json().error.details).toEqual([{ path: 'query.start', reason: 'start must be before end' }]);
  });

  it('a required parameter left out is "is required" (it was "Invalid input: expected string, received undefined")', async () => {
    const res = await h.call('manager', 'GET', '/api/v1/knowledge/search?q=seo');
    expect(res.statusCode).toBe(400);
    expect(res.json().error.details).toEqual([
      { path: 'query.query', reason: 'is required' },
      { path: 'query.q', reason: expect.stringMatching(/^is not a field of this request \(accepted: query, .+\)$/) },
    ]);
  });

  it('a GET that takes no query parameters refuses one (GET /reports/schedules?limit=5 answered every schedule)', async () => {
    for (const url of ['/api/v1/reports/schedules?limit=5', '/api/v1/workflows/templates?page=2', `/api/v1/contacts/${id}?fields=email`, '/api/v1/settings?x=1']) {
      const res = await h.call('admin', 'GET', url);
      expect(res.statusCode, url).toBe(400);
      const name = url.split('?')[1].split('=')[0];
      expect(res.json().error.details, url).toEqual([{ path: `query.${name}`, reason: 'is not a parameter of this route (it takes no query parameters)' }]);
    }
    expect((await h.call('admin', 'GET', '/api/v1/reports/schedules')).statusCode).toBe(200);
    expect((await h.call('admin', 'GET', `/api/v1/contacts/${id}`)).statusCode).toBe(200);
  });

  it('an unknown field says which ones the request takes (what-if {"patch"} said only "is not a field of this request")', async () => {
    const res = await h.call('manager', 'POST', `/api/v1/ai/lead-scoring/contacts/${id}/what-if`, { patch: { status: 'PROSPECT' } });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.details).toEqual([{ path: 'body.patch', reason: 'is not a field of this request (accepted: actions, count)' }]);
    // nested objects list their own fields
    const nested = await h.call('manager', 'POST', '/api/v1/contacts', { ...contactBody('nested'), metadata: { campaign: 'x' } });
    expect(nested.json().error.details).toEqual([{ path: 'body.metadata.campaign', reason: 'is not a field of this request (accepted: ipAddress, userAgent, referrer, campaignId, leadMagnet)' }]);
  });

  it('an unknown field is the one issue of a PATCH (it also said "at least one field must be given")', async () => {
    const res = await h.call('manager', 'PATCH', `/api/v1/contacts/${id}`, { status: 'CUSTOMER' });
    expect(res.statusCode).toBe(400);
    // and it says where a status change goes instead
    expect(res.json().error.details).toEqual([{ path: 'body.status', reason: expect.stringContaining('is changed with POST /api/v1/contacts/{id}/status') }]);
    expect((await h.call('manager', 'PATCH', `/api/v1/contacts/${id}`, {})).json().error.details).toEqual([{ path: 'body', reason: 'at least one field must be given' }]);
  });

  it('a body over the limit is 413 naming the limit and its setting (it said only "Request body is too large")', async () => {
    const limit = h.server.initialConfig.bodyLimit!;
    const res = await h.call('manager', 'POST', '/api/v1/contacts', { ...contactBody('big'), company: 'x'.repeat(limit) });
    expect(res.statusCode).toBe(413);
    expect(res.json().error.message).toBe(`Request body is too large: at most ${limit} bytes (HTTP_BODY_LIMIT_BYTES)`);
  });
});
