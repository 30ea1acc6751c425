import { analyticsScope, can, grantOf, type Actor } from '@crm/core';
import { testDbKinds } from '@crm/core/testing';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contactBody, openRestHarness, workflowBody, type RestHarness, type Who } from './rest-test.fixture.ts';

const ROLES: Who[] = ['admin', 'manager', 'rep', 'marketing'];

describe.each(testDbKinds())('REST authorisation and tenancy on %s', (kind) => {
  let h: RestHarness;
  /** Records of tenant B that tenant A must never reach. */
  const b: Record<string, string> = {};
  let managersContact: string;
  let repsContact: string;

  beforeAll(async () => {
    h = await openRestHarness(kind);
    managersContact = (await h.call('manager', 'POST', '/api/v1/contacts', contactBody('mgr'))).json().id;
    repsContact = (await h.call('rep', 'POST', '/api/v1/contacts', contactBody('rep'))).json().id;
    const B = h.b;
    b.contact = (await h.call('admin', 'POST', '/api/v1/contacts', contactBody('b'), {}, B)).json().id;
    b.followUp = (await h.call('admin', 'POST', '/api/v1/follow-ups', { contactId: b.contact, title: 'B', dueAt: '2031-01-01T00:00:00Z' }, {}, B)).json().id;
    b.workflow = (await h.call('admin', 'POST', '/api/v1/workflows', workflowBody(), {}, B)).json().id;
    b.execution = (await h.call('admin', 'POST', `/api/v1/workflows/${b.workflow}/execute`, {}, {}, B)).json().id;
    const doc = await h.call('admin', 'POST', '/api/v1/knowledge/documents', { filename: 'b.md', content: '# Tenant B handbook\n\nOur refund policy is private to tenant B.' }, {}, B);
    expect(doc.statusCode, doc.body).toBe(201);
    b.document = doc.json().document.id;
    b.user = B.rep.userId!;
    b.apiKey = (await h.call('admin', 'GET', '/api/v1/api-keys', undefined, {}, B)).json().data[0].id;
  });
  afterAll(() => h.close());

  const actorOf = (who: Who): Actor => ({ admin: h.a.admin, manager: h.a.manager, rep: h.a.rep, otherRep: h.a.otherRep, marketing: h.a.marketing })[who];
  const analytics = (a: Actor) => {
    try {
      analyticsScope(a);
      return true;
    } catch {
      return false;
    }
  };

  /** A representative route set; `allowed` asks core's RBAC, never a copy of it. */
  const matrix: { name: string; allowed: (a: Actor) => boolean; ok: number; run: (who: Who) => Promise<{ statusCode: number }> }[] = [
    { name: 'GET /contacts', allowed: (a) => grantOf(a, 'contacts:read') !== 'none', ok: 200, run: (w) => h.call(w, 'GET', '/api/v1/contacts') },
    { name: 'POST /contacts', allowed: (a) => grantOf(a, 'contacts:write') !== 'none', ok: 201, run: (w) => h.call(w, 'POST', '/api/v1/contacts', contactBody(w)) },
    { name: "PATCH a manager's contact", allowed: (a) => can(a, 'contacts:write', h.a.manager.userId), ok: 200, run: (w) => h.call(w, 'PATCH', `/api/v1/contacts/${managersContact}`, { company: `By ${w}` }) },
    { name: "PATCH the rep's contact", allowed: (a) => can(a, 'contacts:write', h.a.rep.userId), ok: 200, run: (w) => h.call(w, 'PATCH', `/api/v1/contacts/${repsContact}`, { company: `By ${w}` }) },
    {
      name: "POST /interactions on a manager's contact",
      allowed: (a) => can(a, 'interactions:write', h.a.manager.userId),
      ok: 201,
      run: (w) => h.call(w, 'POST', '/api/v1/interactions', { contactId: managersContact, type: 'EMAIL', channel: 'EMAIL', direction: 'OUTBOUND' }),
    },
    { name: 'GET /workflows', allowed: (a) => grantOf(a, 'workflows:read') !== 'none', ok: 200, run: (w) => h.call(w, 'GET', '/api/v1/workflows') },
    { name: 'POST /workflows', allowed: (a) => grantOf(a, 'workflows:write') === 'all', ok: 201, run: (w) => h.call(w, 'POST', '/api/v1/workflows', workflowBody()) },
    { name: 'GET /metrics', allowed: analytics, ok: 200, run: (w) => h.call(w, 'GET', '/api/v1/metrics?groups=pipeline') },
    { name: 'GET /audit-log', allowed: (a) => grantOf(a, 'audit:read') === 'all', ok: 200, run: (w) => h.call(w, 'GET', '/api/v1/audit-log') },
    { name: 'POST /users', allowed: (a) => grantOf(a, 'users:write') === 'all', ok: 201, run: (w) => h.call(w, 'POST', '/api/v1/users', { email: `u-${w}-${Date.now()}@x.test`, name: 'U', role: 'SALES_REP' }) },
    { name: 'GET /users', allowed: () => true, ok: 200, run: (w) => h.call(w, 'GET', '/api/v1/users') },
    {
      name: 'POST /knowledge/documents',
      allowed: (a) => grantOf(a, 'contacts:write') === 'all' || grantOf(a, 'workflows:write') === 'all',
      ok: 201,
      run: (w) => h.call(w, 'POST', '/api/v1/knowledge/documents', { filename: `${w}-${Date.now()}.md`, content: `# Notes of ${w}\n\nQuarterly planning notes written by the ${w} team.` }),
    },
    { name: 'POST /ai/lead-scoring/retrain', allowed: (a) => grantOf(a, 'contacts:write') === 'all', ok: 200, run: (w) => h.call(w, 'POST', '/api/v1/ai/lead-scoring/retrain', {}) },
  ];

  for (const who of ROLES) {
    it(`${who}: every route answers what core's permissions say`, async () => {
      const seen: Record<string, number> = {};
      const expected: Record<string, number> = {};
      for (const row of matrix) {
        seen[row.name] = (await row.run(who)).statusCode;
        expected[row.name] = row.allowed(actorOf(who)) ? row.ok : 403;
      }
      expect(seen).toEqual(expected);
    });
  }

  it("tenant A using tenant B's ids gets 404 on every route with an id", async () => {
    const routes: [string, string, unknown?][] = [
      ['GET', `/api/v1/contacts/${b.contact}`],
      ['PATCH', `/api/v1/contacts/${b.contact}`, { company: 'x' }],
      ['DELETE', `/api/v1/contacts/${b.contact}`],
      ['POST', `/api/v1/contacts/${b.contact}/status`, { status: 'CUSTOMER' }],
      ['GET', `/api/v1/contacts/${b.contact}/interactions`],
      ['GET', `/api/v1/contacts/${b.contact}/journey`],
      ['GET', `/api/v1/interactions?contactId=${b.contact}`],
      ['POST', '/api/v1/interactions', { contactId: b.contact, type: 'EMAIL', channel: 'EMAIL', direction: 'INBOUND' }],
      ['POST', '/api/v1/follow-ups', { contactId: b.contact, title: 'x', dueAt: '2031-01-01T00:00:00Z' }],
      ['POST', `/api/v1/follow-ups/${b.followUp}/complete`, {}],
      ['POST', '/api/v1/ai/lead-scoring', { contactId: b.contact }],
      ['GET', `/api/v1/ai/lead-scoring/contacts/${b.contact}`],
      ['POST', `/api/v1/ai/lead-scoring/contacts/${b.contact}/what-if`, {}],
      ['POST', '/api/v1/contacts/merge', { primaryId: b.contact, duplicateId: managersContact }],
      ['GET', `/api/v1/workflows/${b.workflow}`],
      ['PUT', `/api/v1/workflows/${b.workflow}`, workflowBody()],
      ['GET', `/api/v1/workflows/${b.workflow}/versions/1`],
      ['POST', `/api/v1/workflows/${b.workflow}/activate`],
      ['POST', `/api/v1/workflows/${b.workflow}/deactivate`],
      ['POST', `/api/v1/workflows/${b.workflow}/webhook-secret`],
      ['POST', `/api/v1/workflows/${b.workflow}/dry-run`, {}],
      ['POST', `/api/v1/workflows/${b.workflow}/execute`, {}],
      ['GET', `/api/v1/workflows/${b.workflow}/executions`],
      ['GET', `/api/v1/triggers/${b.workflow}`],
      ['GET', `/api/v1/executions/${b.execution}`],
      ['GET', `/api/v1/knowledge/documents/${b.document}`],
      ['DELETE', `/api/v1/knowledge/documents/${b.document}`],
      ['GET', `/api/v1/users/${b.user}`],
      ['PUT', `/api/v1/users/${b.user}/role`, { role: 'SALES_MANAGER' }],
      ['POST', `/api/v1/users/${b.user}/deactivate`],
      ['DELETE', `/api/v1/api-keys/${b.apiKey}`],
      ['POST', `/api/v1/api-keys/${b.apiKey}/rotate`, {}],
    ];
    const statuses = Object.fromEntries(await Promise.all(routes.map(async ([m, url, body]) => [`${m} ${url}`, (await h.call('admin', m as never, url, body)).statusCode])));
    expect(statuses).toEqual(Object.fromEntries(routes.map(([m, url]) => [`${m} ${url}`, 404])));
    // and tenant B's records are untouched
    expect((await h.call('admin', 'GET', `/api/v1/contacts/${b.contact}`, undefined, {}, h.b)).json().status).toBe('LEAD');
  });

  it('property-based fuzz over the routes\' inputs: never a 5xx, always the envelope on errors', async () => {
    const json = fc.oneof(
      fc.jsonValue({ maxDepth: 3 }),
      fc.dictionary(
        fc.constantFrom('firstName', 'lastName', 'email', 'tenantId', 'leadScore', 'status', 'contactId', 'type', 'query', 'name', 'steps', 'trigger', 'dateRange', 'limit', 'input', 'customFields', 'metadata', 'subject', 'dueAt', 'occurredAt'),
        fc.oneof(
          fc.jsonValue({ maxDepth: 2 }),
          // lone surrogates, NUL, impossible dates and year 0: what broke the database's JSON and date input before
          fc.constantFrom('\uD800', 'a\uDC00b', '\u0000', '2025-02-30', '0000-01-01', ' '),
          fc.dictionary(fc.string({ maxLength: 5 }), fc.constantFrom('\uD800', 'a\uDC00b', '\u0000', 1e308), { maxKeys: 2 }),
        ),
      ),
    );
    const segment = fc.oneof(fc.uuid(), fc.string({ maxLength: 40 }), fc.constantFrom(b.contact, managersContact, '%00', '..', 'null'));
    const query = fc.dictionary(fc.constantFrom('page', 'limit', 'search', 'status', 'leadScoreMin', 'start', 'end', 'type', 'contactId', 'scope', 'format', 'groups', 'direction', 'from', 'to', 'ownerId', 'includeInactive'), fc.string({ maxLength: 30 }), { maxKeys: 4 });
    const templates = [
      ['GET', '/api/v1/contacts'],
      ['POST', '/api/v1/contacts'],
      ['GET', '/api/v1/contacts/:id'],
      ['PATCH', '/api/v1/contacts/:id'],
      ['DELETE', '/api/v1/contacts/:id'],
      ['POST', '/api/v1/contacts/:id/status'],
      ['GET', '/api/v1/contacts/:id/interactions'],
      ['POST', '/api/v1/interactions'],
      ['GET', '/api/v1/follow-ups'],
      ['POST', '/api/v1/follow-ups'],
      ['POST', '/api/v1/follow-ups/:id/complete'],
      ['POST', '/api/v1/workflows/:id/execute'],
      ['POST', '/api/v1/ai/lead-scoring'],
      ['GET', '/api/v1/metrics'],
      ['GET', '/api/v1/analytics/daily'],
      ['POST', '/api/v1/insights'],
      ['POST', '/api/v1/predictions/forecast'],
      ['POST', '/api/v1/reports'],
      ['POST', '/api/v1/workflows'],
      ['PUT', '/api/v1/workflows/:id'],
      ['POST', '/api/v1/workflows/:id/dry-run'],
      ['GET', '/api/v1/executions'],
      ['GET', '/api/v1/interactions'],
      ['GET', '/api/v1/triggers'],
      ['GET', '/api/v1/mailbox'],
      ['GET', '/api/v1/mailbox/:id'],
      ['POST', '/api/v1/knowledge/search'],
      ['POST', '/api/v1/knowledge/documents'],
      ['GET', '/api/v1/users/:id'],
      ['POST', '/api/v1/api-keys'],
      ['GET', '/api/v1/audit-log'],
    ] as const;
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...templates), segment, query, json, fc.constantFrom<Who>(...ROLES), async ([method, path], id, q, body, who) => {
        const url = `${path.replace(':id', encodeURIComponent(id))}?${new URLSearchParams(q).toString()}`;
        const res = await h.call(who, method, url, method === 'GET' || method === 'DELETE' ? undefined : body);
        expect(res.statusCode, `${method} ${url} ${JSON.stringify(body)} → ${res.body}`).toBeLessThan(500);
        if (res.statusCode >= 400) expect(res.json().error.code).toEqual(expect.any(String));
      }),
      { numRuns: Number(process.env.FUZZ_RUNS ?? 300) },
    );
  });
});
