import { testDbKinds } from '@crm/core/testing';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contactBody, openRestHarness, workflowBody, type RestHarness, type Who } from '../http/api/rest-test.fixture.ts';

const RUNS = Number(process.env.FUZZ_RUNS ?? 40);

/** Strings that have broken parsers before: impossible dates, year 0, lone surrogates, NUL, blanks. */
const nastyString = fc.oneof(
  fc.string(),
  fc.string({ unit: 'binary' }),
  fc.constantFrom('\uD800', 'a\uDC00b', '\u0000', '2025-02-30', '0000-01-01', '9999-12-31T23:59:59Z', '2024-02-29', '2026-11-30T25:00', 'NaN', '', ' ', '%', '_', '\\'),
);
const deepJson = fc.integer({ min: 5, max: 400 }).map((n) => {
  let v: unknown = 'x';
  for (let i = 0; i < n; i++) v = { a: v };
  return v;
});
const json = fc.oneof(fc.jsonValue({ maxDepth: 3 }), deepJson, nastyString);
const int = fc.oneof(fc.integer(), fc.constantFrom(0, -1, 2 ** 31 - 1, -(2 ** 31)));
const float = fc.oneof(fc.double({ noNaN: true, noDefaultInfinity: true }), fc.constantFrom(0, -1, 1e308, -1e308, 100.0000001));
const opt = <T,>(a: fc.Arbitrary<T>) => fc.option(a, { nil: undefined });

/**
 * Every query and mutation with variables of the right GraphQL types but hostile values. GraphQL's
 * own coercion refuses wrong types; what is fuzzed is what passes it: the services' checks.
 */
describe.each(testDbKinds())('property fuzz over GraphQL operations on %s', (kind) => {
  let h: RestHarness;
  let ids: string[];

  beforeAll(async () => {
    h = await openRestHarness(kind);
    const c = (await h.call('admin', 'POST', '/api/v1/contacts', contactBody('fuzz'))).json();
    const wf = (await h.call('admin', 'POST', '/api/v1/workflows', workflowBody('fuzz'))).json();
    ids = [c.id, wf.id, h.a.rep.userId, h.a.tenantId];
  });
  afterAll(() => h?.close());

  it('never answers 5xx or INTERNAL, whoever asks', async () => {
    const id = fc.oneof(fc.constantFrom(...ids), fc.uuid(), nastyString);
    const date = fc.oneof(nastyString, fc.date({ noInvalidDate: true }).map((d) => d.toISOString()));
    const who = fc.constantFrom<Who>('admin', 'manager', 'rep', 'marketing');
    const operations: [string, fc.Arbitrary<Record<string, unknown>>][] = [
      [
        `query($first: Int, $after: String, $search: String, $source: String, $ca: DateTime, $lcb: DateTime, $min: Float!, $max: Float!, $assigned: ID) {
           contacts(first: $first, after: $after, filter: { search: $search, source: $source, createdAfter: $ca, lastContactedBefore: $lcb, leadScoreRange: { min: $min, max: $max }, assignedTo: $assigned }) { totalCount edges { cursor node { id } } } }`,
        fc.record({ first: opt(int), after: opt(nastyString), search: opt(nastyString), source: opt(nastyString), ca: opt(date), lcb: opt(date), min: float, max: float, assigned: opt(id) }, { requiredKeys: ['min', 'max'] }),
      ],
      [`query($id: ID!) { contact(id: $id) { id interactions(first: 3) { edges { node { id } } } } }`, fc.record({ id })],
      [`query($s: DateTime!, $e: DateTime!) { analytics(dateRange: { start: $s, end: $e }, metrics: [PIPELINE, ACTIVITY]) { dateRange { start } } }`, fc.record({ s: date, e: date })],
      [`query($id: ID!, $limit: Int) { workflowExecutions(workflowId: $id, limit: $limit) { id } }`, fc.record({ id, limit: opt(int) }, { requiredKeys: ['id'] })],
      [`query($first: Int) { workflows(first: $first) { id } }`, fc.record({ first: opt(int) })],
      [
        `mutation($input: CreateContactInput!) { createContact(input: $input) { contact { id } } }`,
        fc.record({
          input: fc.record(
            { firstName: nastyString, lastName: nastyString, email: fc.oneof(nastyString, fc.emailAddress()), phone: opt(nastyString), company: opt(nastyString), customFields: opt(json), assignedTo: opt(id) },
            { requiredKeys: ['firstName', 'lastName', 'email'] },
          ),
        }),
      ],
      [
        `mutation($id: ID!, $input: UpdateContactInput!) { updateContact(id: $id, input: $input) { contact { id } } }`,
        fc.record({ id, input: fc.record({ firstName: opt(nastyString), email: opt(nastyString), customFields: opt(json), assignedTo: opt(id) }, { requiredKeys: [] }) }),
      ],
      [
        `mutation($input: LogInteractionInput!) { logInteraction(input: $input) { interaction { id } } }`,
        fc.record({
          input: fc.record(
            { contactId: id, type: fc.constant('EMAIL'), channel: fc.constant('EMAIL'), direction: fc.constant('INBOUND'), subject: opt(nastyString), content: opt(nastyString), duration: opt(int), scheduledFollowUp: opt(date), occurredAt: opt(date), tags: opt(fc.array(nastyString, { maxLength: 3 })) },
            { requiredKeys: ['contactId', 'type', 'channel', 'direction'] },
          ),
        }),
      ],
      [`mutation($id: ID!) { scoreContact(contactId: $id) { score } }`, fc.record({ id })],
      [
        `mutation($seg: String, $s: DateTime!, $e: DateTime!) { generateInsights(input: { customerSegment: $seg, timePeriod: { start: $s, end: $e } }) { insights { id } } }`,
        fc.record({ seg: opt(nastyString), s: date, e: date }, { requiredKeys: ['s', 'e'] }),
      ],
      [
        `mutation($input: CreateWorkflowInput!) { createWorkflow(input: $input) { workflow { id } } }`,
        fc.record({ input: fc.record({ name: nastyString, trigger: json, steps: json, variables: opt(json), ownerId: opt(id) }, { requiredKeys: ['name', 'trigger', 'steps'] }) }),
      ],
      [`mutation($id: ID!, $input: WorkflowExecutionInput!) { executeWorkflow(workflowId: $id, input: $input) { execution { id } } }`, fc.record({ id, input: fc.record({ contactId: opt(id), input: opt(json) }, { requiredKeys: [] }) })],
    ];
    const failures: string[] = [];
    for (const [query, variables] of operations) {
      await fc.assert(
        fc.asyncProperty(variables, who, async (vars, caller) => {
          const res = await h.call(caller, 'POST', '/graphql', { query, variables: vars });
          const body = res.json() as { errors?: { extensions?: { code?: string } }[] };
          if (res.statusCode >= 500 || body.errors?.some((e) => e.extensions?.code === 'INTERNAL')) {
            failures.push(`${res.statusCode} ${query.slice(0, 60).replace(/\s+/g, ' ')} ${JSON.stringify(vars).slice(0, 300)} → ${res.body.slice(0, 300)}`);
          }
          if (res.statusCode >= 400) expect(body.errors?.length ?? 0, res.body.slice(0, 300)).toBeGreaterThan(0);
        }),
        { numRuns: RUNS },
      );
    }
    expect(failures).toEqual([]);
  });
});
