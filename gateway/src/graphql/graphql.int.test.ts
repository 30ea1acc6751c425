import { testDbKinds } from '@crm/core/testing';
import Fastify from 'fastify';
import { app } from '../app.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contactBody, openRestHarness, workflowBody, type RestHarness, type Who } from '../http/api/rest-test.fixture.ts';
import { MAX_QUERY_COST, MAX_QUERY_DEPTH } from './graphql.limits.ts';
import type { TenantFixture } from '@crm/core/testing';

interface GqlError {
  message: string;
  path?: string[];
  extensions: { code: string; details?: unknown };
}
interface GqlBody {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- response shapes are what the assertions check
  data: Record<string, any> | null;
  errors?: GqlError[];
}

describe.each(testDbKinds())('GraphQL /graphql on %s', (kind) => {
  let h: RestHarness;
  const gql = async (who: Who | null, query: string, variables?: Record<string, unknown>, tenant?: TenantFixture) => {
    const res = await h.call(who, 'POST', '/graphql', { query, ...(variables ? { variables } : {}) }, {}, tenant);
    return { status: res.statusCode, body: res.json() as GqlBody, headers: res.headers };
  };

  beforeAll(async () => {
    h = await openRestHarness(kind);
  });
  afterAll(() => h.close());

  const CREATE = `mutation($input: CreateContactInput!) { createContact(input: $input) { contact { id fullName email leadScore status assignedTo { id role } } } }`;

  it('creates, updates, reads and lists contacts with interactions', async () => {
    const created = await gql('rep', CREATE, { input: { ...contactBody('g1'), company: 'Acme', status: 'PROSPECT' } });
    expect(created.status, JSON.stringify(created.body)).toBe(200);
    const contact = created.body.data!.createContact.contact;
    expect(contact).toMatchObject({ fullName: 'Test Person g1', status: 'PROSPECT', assignedTo: { id: h.a.rep.userId, role: 'SALES_REP' } });

    const logged = await gql('rep', `mutation($input: LogInteractionInput!) { logInteraction(input: $input) { interaction { id type direction contactId } } }`, {
      input: { contactId: contact.id, type: 'MEETING', channel: 'IN_PERSON', direction: 'OUTBOUND', subject: 'Demo', content: 'Showed the product', duration: 30 },
    });
    expect(logged.body.errors).toBeUndefined();
    expect(logged.body.data!.logInteraction.interaction).toMatchObject({ type: 'MEETING', direction: 'OUTBOUND', contactId: contact.id });

    const updated = await gql('rep', `mutation { updateContact(id: "${contact.id}", input: { position: "CTO", phone: null }) { contact { position phone } } }`);
    expect(updated.body.data!.updateContact.contact).toEqual({ position: 'CTO', phone: null });

    const read = await gql('rep', `query($id: ID!) { contact(id: $id) { id company interactions(first: 5, type: MEETING) { edges { node { subject duration } } pageInfo { hasNextPage } } recentActivity { type } } }`, { id: contact.id });
    expect(read.body.data!.contact).toMatchObject({ id: contact.id, company: 'Acme', interactions: { edges: [{ node: { subject: 'Demo', duration: 30 } }], pageInfo: { hasNextPage: false } }, recentActivity: [{ type: 'MEETING' }] });

    for (const n of [2, 3]) await gql('admin', CREATE, { input: { ...contactBody(`g${n}`), company: 'Acme' } });
    const LIST = `query($after: String) { contacts(first: 2, after: $after, filter: { search: "acme" }, sort: { field: LAST_NAME, direction: ASC }) { totalCount edges { cursor node { lastName } } pageInfo { hasNextPage endCursor } } }`;
    const page1 = await gql('manager', LIST);
    expect(page1.body.data!.contacts.totalCount).toBe(3);
    expect(page1.body.data!.contacts.edges.map((e: { node: { lastName: string } }) => e.node.lastName)).toEqual(['Person g1', 'Person g2']);
    expect(page1.body.data!.contacts.pageInfo.hasNextPage).toBe(true);
    const page2 = await gql('manager', LIST, { after: page1.body.data!.contacts.pageInfo.endCursor });
    expect(page2.body.data!.contacts.edges.map((e: { node: { lastName: string } }) => e.node.lastName)).toEqual(['Person g3']);
    expect(page2.body.data!.contacts.pageInfo.hasNextPage).toBe(false);
  });

  it('scores a contact and generates insights', async () => {
    const id = (await gql('admin', CREATE, { input: contactBody('score') })).body.data!.createContact.contact.id;
    const scored = await gql('manager', `mutation { scoreContact(contactId: "${id}") { contactId score confidence factors { name weight impact } recommendation nextActions } }`);
    expect(scored.body.errors).toBeUndefined();
    const s = scored.body.data!.scoreContact;
    expect(s.contactId).toBe(id);
    expect(s.score).toBeGreaterThanOrEqual(0);
    expect(s.score).toBeLessThanOrEqual(100);
    expect(s.factors.length).toBeGreaterThan(0);
    expect(typeof s.recommendation).toBe('string');

    const insights = await gql('admin', `mutation { generateInsights(input: { metrics: ["new_contacts"] }) { insights { id type title confidence impact } trends { metric direction } recommendations { action } } }`);
    expect(insights.body.errors).toBeUndefined();
    expect(Array.isArray(insights.body.data!.generateInsights.insights)).toBe(true);
    expect(insights.body.data!.generateInsights.trends.every((t: { metric: string }) => t.metric === 'new_contacts')).toBe(true);
    // the fixture's contacts are all from today: no analysis has the history it needs, and the answer says so
    const young = await gql('admin', `mutation { generateInsights(input: {}) { insights { type } note } }`);
    expect(young.body.errors).toBeUndefined();
    expect(young.body.data!.generateInsights.insights).toEqual([]);
    expect(young.body.data!.generateInsights.note).toMatch(/^Only 0 days of activity in the period/);

    const analytics = await gql('admin', `query { analytics(dateRange: { start: "2026-01-01T00:00:00Z", end: "2026-03-01T00:00:00Z" }, metrics: [PIPELINE], groupBy: [SOURCE]) { dateRange { start } scope metrics { group name value trend } groups { dimension rows } } }`);
    expect(analytics.body.errors).toBeUndefined();
    expect(analytics.body.data!.analytics.dateRange.start).toBe('2026-01-01T00:00:00.000Z');
    expect(analytics.body.data!.analytics.scope).toBe('ALL');
    expect(analytics.body.data!.analytics.metrics.length).toBeGreaterThan(0);
    expect(analytics.body.data!.analytics.metrics.every((m: { group: string }) => m.group === 'pipeline')).toBe(true);
    expect(analytics.body.data!.analytics.groups[0].dimension).toBe('SOURCE');
    // ownerId: one user's numbers; a rep may name only themself; not a UUID is named
    const q = `query($o: ID) { analytics(dateRange: { start: "2026-01-01T00:00:00Z", end: "2026-03-01T00:00:00Z" }, metrics: [ACTIVITY], groupBy: [OWNER], ownerId: $o) { scope groups { rows } } }`;
    const ofRep = await gql('manager', q, { o: h.a.rep.userId });
    expect(ofRep.body.errors).toBeUndefined();
    expect(ofRep.body.data!.analytics.scope).toBe('OWNER');
    expect((await gql('rep', q, { o: h.a.rep.userId })).body.data!.analytics.scope).toBe('OWN');
    expect((await gql('rep', q, { o: h.a.otherRep.userId })).body.errors![0].extensions.code).toBe('PERMISSION_DENIED');
    expect((await gql('manager', q, { o: 'me' })).body.errors![0].extensions.code).toBe('VALIDATION_FAILED');
  });

  it('creates and executes workflows and lists their executions', async () => {
    const wf = workflowBody();
    const created = await gql('marketing', `mutation($input: CreateWorkflowInput!) { createWorkflow(input: $input) { workflow { id name version isActive steps executionStats { total } } } }`, { input: wf });
    expect(created.body.errors).toBeUndefined();
    const workflow = created.body.data!.createWorkflow.workflow;
    expect(workflow).toMatchObject({ name: wf.name, version: 1, isActive: false, executionStats: { total: 0 } });

    const run = await gql('admin', `mutation($id: ID!) { executeWorkflow(workflowId: $id, input: { input: { reason: "test" } }) { execution { id workflowId status triggerType input } } }`, { id: workflow.id });
    expect(run.body.errors).toBeUndefined();
    expect(run.body.data!.executeWorkflow.execution).toMatchObject({ workflowId: workflow.id, status: 'PENDING', triggerType: 'MANUAL', input: { reason: 'test' } });

    const list = await gql('manager', `query($id: ID!) { workflowExecutions(workflowId: $id, status: PENDING, limit: 10) { id status } workflow(id: $id) { name } }`, { id: workflow.id });
    expect(list.body.data).toEqual({ workflowExecutions: [{ id: run.body.data!.executeWorkflow.execution.id, status: 'PENDING' }], workflow: { name: wf.name } });
  });

  it('leaves permissions to core: a rep cannot create workflows or edit another rep’s contact', async () => {
    const denied = await gql('rep', `mutation($input: CreateWorkflowInput!) { createWorkflow(input: $input) { workflow { id } } }`, { input: workflowBody() });
    expect(denied.status).toBe(200);
    expect(denied.body.data).toBeNull();
    expect(denied.body.errors![0]).toMatchObject({ path: ['createWorkflow'], extensions: { code: 'PERMISSION_DENIED' } });

    const others = (await gql('otherRep', CREATE, { input: contactBody('other') })).body.data!.createContact.contact.id;
    const edit = await gql('rep', `mutation { updateContact(id: "${others}", input: { company: "Mine now" }) { contact { id } } }`);
    expect(edit.body.errors![0]!.extensions.code).toBe('PERMISSION_DENIED');
    const workflows = await gql('rep', `query { workflows { id } }`);
    expect(workflows.body.errors![0]!.extensions.code).toBe('PERMISSION_DENIED');
  });

  it("answers NOT_FOUND for another tenant's ids", async () => {
    const bContact = (await gql('admin', CREATE, { input: contactBody('tenant-b') }, h.b)).body.data!.createContact.contact.id;
    const bWorkflow = (await gql('admin', `mutation($input: CreateWorkflowInput!) { createWorkflow(input: $input) { workflow { id } } }`, { input: workflowBody() }, h.b)).body.data!.createWorkflow.workflow.id;
    const read = await gql('admin', `query { contact(id: "${bContact}") { id } }`);
    expect(read.body.errors![0]).toMatchObject({ path: ['contact'], extensions: { code: 'NOT_FOUND' } });
    expect(read.body.data).toEqual({ contact: null });
    for (const query of [
      `mutation { updateContact(id: "${bContact}", input: { company: "x" }) { contact { id } } }`,
      `mutation { scoreContact(contactId: "${bContact}") { score } }`,
      `mutation { executeWorkflow(workflowId: "${bWorkflow}", input: {}) { execution { id } } }`,
      `query { workflowExecutions(workflowId: "${bWorkflow}") { id } }`,
      `mutation { logInteraction(input: { contactId: "${bContact}", type: EMAIL, channel: EMAIL, direction: INBOUND }) { interaction { id } } }`,
    ]) {
      const res = await gql('admin', query);
      expect(res.body.errors?.[0]?.extensions.code, query).toBe('NOT_FOUND');
    }
  });

  it('names the field of a validation error and refuses fields a client may not set', async () => {
    const bad = await gql('admin', CREATE, { input: { firstName: 'A', lastName: 'B', email: 'not-an-email' } });
    expect(bad.status).toBe(200);
    expect(bad.body.errors![0]!.extensions).toMatchObject({ code: 'VALIDATION_FAILED', details: [{ path: 'email', reason: 'must be a valid email address' }] });

    const massAssign = await gql('admin', CREATE, { input: { ...contactBody('mass'), leadScore: 99, tenantId: h.b.tenantId } });
    expect(massAssign.status, JSON.stringify(massAssign.body)).toBe(400);
    expect(massAssign.body.errors![0]!.extensions.code).toBe('VALIDATION_FAILED');
    expect(massAssign.body.errors!.map((e) => e.message).join(' ')).toMatch(/leadScore/);

    const page = await gql('admin', `query { contacts(first: 101) { totalCount } }`);
    expect(page.body.errors![0]!.extensions).toMatchObject({ code: 'VALIDATION_FAILED', details: [{ path: 'first', reason: 'must be between 1 and 100' }] });

    const badDate = await gql('admin', `query { contacts(filter: { createdAfter: "yesterday-ish" }) { totalCount } }`);
    expect(badDate.status).toBe(400);
    expect(badDate.body.errors![0]!.extensions.code).toBe('VALIDATION_FAILED');
    expect(badDate.body.errors![0]!.message).toMatch(/DateTime/);
    await gql('admin', CREATE, { input: contactBody('since') });
    const since = await gql('admin', `query($d: DateTime) { contacts(filter: { createdAfter: $d }) { totalCount } }`, { d: '2000-01-01T00:00:00Z' });
    expect(since.body.data!.contacts.totalCount).toBeGreaterThan(0);

    const syntax = await gql('admin', `query { contacts(first: 1) { totalCount `);
    expect(syntax.status).toBe(400);
    expect(syntax.body.errors![0]!.extensions.code).toBe('VALIDATION_FAILED');

    const badWorkflow = await gql('admin', `mutation { createWorkflow(input: { name: "x", trigger: { type: "NOPE" }, steps: [] }) { workflow { id } } }`);
    expect(badWorkflow.body.errors![0]!.extensions.code).toBe('VALIDATION_FAILED');
    expect(JSON.stringify(badWorkflow.body.errors![0]!.extensions.details)).toMatch(/trigger|steps/);
    expect(JSON.stringify([bad.body, massAssign.body, badWorkflow.body])).not.toMatch(/ at .*\.ts|SELECT|INSERT/);
  });

  it('refuses queries past the depth and cost limits with a clear error, before running them', async () => {
    // Interaction.contact closes a cycle, so depth is up to the client: nest it until the limit
    const nest = (levels: number) => {
      let q = 'id';
      for (let i = 0; i < levels; i++) q = `interactions(first: 1) { edges { node { contact { ${q} } } } }`;
      return `query { contact(id: "${h.a.admin.userId}") { ${q} } }`; // 1 + 4 per level + the leaf
    };
    const allowed = Math.floor((MAX_QUERY_DEPTH - 2) / 4);
    const ok = await gql('admin', nest(allowed));
    expect(ok.body.errors?.[0]?.extensions.code).toBe('NOT_FOUND'); // executed: the id is not a contact
    const deep = await gql('admin', nest(allowed + 1));
    expect(deep.status).toBe(400);
    expect(deep.body.data).toBeNull();
    expect(deep.body.errors![0]!.message).toMatch(/too deep/);
    expect(deep.body.errors![0]!.extensions).toMatchObject({ code: 'VALIDATION_FAILED', details: [{ path: 'query', reason: expect.stringMatching(/^depth \d+ exceeds/) }] });

    // the same depth hidden in fragments is counted too
    const viaFragments = `query { ...A } fragment A on Query { contacts { edges { node { ...B } } } } fragment B on Contact { interactions { edges { node { contact { ...C } } } } } fragment C on Contact { interactions { edges { node { contact { id } } } } }`;
    expect(viaFragments.length).toBeGreaterThan(0);
    expect((await gql('admin', viaFragments)).body.errors?.[0]?.extensions.code).toBe('VALIDATION_FAILED');

    // cost: page sizes multiply what is nested below them (variables included)
    const EXPENSIVE = `query($n: Int) { contacts(first: 100) { edges { node { interactions(first: $n) { edges { node { id subject } } } } } } }`;
    const costly = await gql('admin', EXPENSIVE, { n: 100 });
    expect(costly.status).toBe(400);
    expect(costly.body.errors![0]!.message).toMatch(new RegExp(`too expensive: cost \\d+ exceeds ${MAX_QUERY_COST}`));
    expect(costly.body.errors![0]!.extensions.code).toBe('VALIDATION_FAILED');
    expect((await gql('admin', EXPENSIVE, { n: 5 })).body.errors).toBeUndefined();
  });

  it('answers 401 without a credential and serves introspection to callers', async () => {
    const anon = await gql(null, `{ contacts { totalCount } }`);
    expect(anon.status).toBe(401);
    expect(anon.headers['www-authenticate']).toMatch(/Bearer/);
    expect(anon.body.errors![0]!.extensions.code).toBe('UNAUTHENTICATED');
    const bad = await h.server.inject({ method: 'POST', url: '/graphql', headers: { authorization: 'Bearer crm_nope' }, payload: { query: '{ contacts { totalCount } }' } });
    expect(bad.statusCode).toBe(401);
    const intro = await gql('rep', `{ __schema { queryType { name } mutationType { fields { name } } } }`);
    expect(intro.body.data!.__schema.mutationType.fields.map((f: { name: string }) => f.name)).toEqual(expect.arrayContaining(['createContact', 'scoreContact', 'generateInsights', 'createWorkflow', 'executeWorkflow']));
    expect((await h.server.inject({ method: 'GET', url: '/graphiql' })).statusCode).not.toBe(200);
  });

  // a client that batches (Apollo's BatchHttpLink) got "Graphql validation error" and no hint why; then a 400 saying batches were not supported
  it('answers a batch (a JSON array) with one result per operation, each under the same limits and permissions', async () => {
    const res = await h.call('rep', 'POST', '/graphql', [
      { query: '{ contacts(first: 1) { totalCount } }' },
      { query: 'query($id: ID!) { contact(id: $id) { id } }', variables: { id: '00000000-0000-4000-8000-000000000000' } },
      { query: `{ contacts(first: 1) { edges { node { ${'interactions(first: 1) { edges { node { contact { '.repeat(6)}id${' } } } }'.repeat(6)} } } } }` },
    ] as never);
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json() as GqlBody[];
    expect(body).toHaveLength(3);
    expect(body[0]!.data).toEqual({ contacts: { totalCount: expect.any(Number) } });
    expect(body[1]!.errors![0]!.extensions.code).toBe('NOT_FOUND');
    // the depth limit applies to each operation of a batch
    expect(body[2]!.errors![0]!.extensions.code).toBe('VALIDATION_FAILED');

    const tooMany = await h.call('rep', 'POST', '/graphql', Array.from({ length: 11 }, () => ({ query: '{ __typename }' })) as never);
    expect(tooMany.statusCode).toBe(400);
    expect((tooMany.json() as GqlBody).errors![0]).toMatchObject({ message: expect.stringMatching(/1 to 10 operations; this one has 11/), extensions: { code: 'VALIDATION_FAILED' } });
    const notObjects = await h.call('rep', 'POST', '/graphql', [{ query: '{ __typename }' }, 'x'] as never);
    expect(notObjects.statusCode).toBe(400);
    expect((notObjects.json() as GqlBody).errors![0]!.extensions.details).toEqual([{ path: 'body.1', reason: expect.stringMatching(/object/) }]);
  });
});

describe.each(testDbKinds())('GraphQL over GET and under the rate limit on %s', (kind) => {
  let h: RestHarness;
  beforeAll(async () => {
    h = await openRestHarness(kind, { rateLimit: { perKey: 3, perTenant: 100, windowMs: 60_000 } });
  });
  afterAll(() => h.close());

  it('serves GraphiQL at /graphiql only when switched on (GRAPHQL_GRAPHIQL)', async () => {
    const withIde = Fastify();
    await withIde.register(app, { core: h.core, version: 'test', graphiql: true });
    try {
      const page = await withIde.inject({ method: 'GET', url: '/graphiql' });
      expect(page.statusCode).toBe(200);
      expect(page.headers['content-type']).toMatch(/text\/html/);
      const config = await withIde.inject({ method: 'GET', url: '/graphiql/config.js' });
      expect(config.body).toContain("GRAPHQL_ENDPOINT = '/graphql'");
    } finally {
      await withIde.close();
    }
  });

  it('serves queries over GET, refuses mutations there, then answers 429 with Retry-After', async () => {
    const get = await h.call('admin', 'GET', `/graphql?query=${encodeURIComponent('{ contacts(first: 1) { totalCount } }')}`);
    expect(get.statusCode, get.body).toBe(200);
    expect(get.json()).toEqual({ data: { contacts: { totalCount: 0 } } });

    const mutation = await h.call('admin', 'GET', `/graphql?query=${encodeURIComponent('mutation { scoreContact(contactId: "x") { score } }')}`);
    expect(mutation.statusCode).toBe(405);
    expect(mutation.json().errors[0].extensions.code).toBe('VALIDATION_FAILED');

    await h.call('admin', 'POST', '/graphql', { query: '{ contacts { totalCount } }' });
    const limited = await h.call('admin', 'POST', '/graphql', { query: '{ contacts { totalCount } }' });
    expect(limited.statusCode).toBe(429);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    expect(limited.json()).toMatchObject({ data: null, errors: [{ extensions: { code: 'RATE_LIMIT_EXCEEDED', retryAfter: expect.any(Number) } }] });
  });

  it('counts every operation of a batch against the rate limit (3 per key here)', async () => {
    const q = { query: '{ contacts(first: 1) { totalCount } }' };
    const three = await h.call('manager', 'POST', '/graphql', [q, q, q] as never);
    expect(three.statusCode, three.body).toBe(200);
    expect(three.json()).toHaveLength(3);
    expect((await h.call('manager', 'POST', '/graphql', q)).statusCode).toBe(429);
    const four = await h.call('rep', 'POST', '/graphql', [q, q, q, q] as never);
    expect(four.statusCode).toBe(429);
    expect(four.json()).toMatchObject({ errors: [{ extensions: { code: 'RATE_LIMIT_EXCEEDED' } }] });
  });
});
