import { randomUUID } from 'node:crypto';
import { createTenantFixture, testDbKinds, type TenantFixture } from '@crm/core/testing';
import { ErrorCode, McpError } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { failed, ok, openHarness, type Connected, type Harness } from '../testing/harness.ts';

type Contact = { id: string; email: string; leadScore: number; status: string; updatedAt: string };

describe.each(testDbKinds())('crm-data tool errors on %s', (kind) => {
  let h: Harness;
  let manager: Connected;
  let rep: Connected;
  let other: TenantFixture;
  let otherManager: Connected;
  let mine: Contact;
  let othersRep: Contact;
  let foreign: Contact;
  let followUpId: string;

  beforeAll(async () => {
    h = await openHarness(kind);
    manager = await h.connect(h.f.manager);
    rep = await h.connect(h.f.rep);
    other = await createTenantFixture(h.core);
    otherManager = await h.connect(other.manager);
    mine = ok<Contact>(await rep.call('create_contact', { firstName: 'Rep', lastName: 'Own', email: 'own@rep.test' }));
    othersRep = ok<Contact>(await manager.call('create_contact', { firstName: 'Other', lastName: 'Rep', email: 'other@rep.test', assignedTo: h.f.otherRep.userId }));
    foreign = ok<Contact>(await otherManager.call('create_contact', { firstName: 'For', lastName: 'Eign', email: 'foreign@other.test' }));
    followUpId = ok<{ id: string }>(await manager.call('create_follow_up', { contactId: othersRep.id, title: 'theirs', dueAt: '2030-01-01' })).id;
  });
  afterAll(() => h.close());

  it('an unknown argument lists the fields the tool accepts (a model guessing "query" learns "search")', async () => {
    const err = failed(await manager.call('search_contacts', { query: 'Own' }));
    expect(err.code).toBe('VALIDATION_FAILED');
    expect(err.details).toEqual([{ path: 'query', reason: expect.stringMatching(/^is not a field of this tool; remove it \(accepted: search, status, .*cursor\)$/) }]);
  });

  /** Everything a failed call must leave untouched: contacts, interactions, follow-ups, audit. */
  async function snapshot(f: TenantFixture = h.f) {
    const [contacts, audit, fus] = await Promise.all([
      h.core.contacts.list(f.admin, { limit: 100, sort: 'updatedAt' }),
      h.core.audit.list(f.admin, { limit: 200 }),
      h.core.followUps.list(f.admin, { scope: 'all', limit: 500 }),
    ]);
    return { contacts: contacts.data, audit: audit.length, followUps: fus };
  }

  const uuid = () => randomUUID();
  const cases: [string, string, () => Record<string, unknown>, string][] = [
    ['wrong type', 'create_contact', () => ({ firstName: 5, lastName: 'B', email: 'x@y.test' }), 'firstName'],
    ['unknown field', 'create_contact', () => ({ firstName: 'A', lastName: 'B', email: 'x@y.test', favouriteColour: 'red' }), 'favouriteColour'],
    ['computed by scoring', 'create_contact', () => ({ firstName: 'A', lastName: 'B', email: 'x@y.test', leadScore: 90 }), 'leadScore'],
    ['bad email', 'create_contact', () => ({ firstName: 'A', lastName: 'B', email: 'nope' }), 'email'],
    ['missing required', 'create_contact', () => ({ firstName: 'A', email: 'x@y.test' }), 'lastName'],
    ['nested unknown field', 'create_contact', () => ({ firstName: 'A', lastName: 'B', email: 'x@y.test', metadata: { utm: 'x' } }), 'metadata.utm'],
    ['limit too small', 'search_contacts', () => ({ limit: 0 }), 'limit'],
    ['limit too large', 'search_contacts', () => ({ limit: 1000 }), 'limit'],
    ['bad enum', 'search_contacts', () => ({ status: 'HOT' }), 'status'],
    ['not a uuid', 'get_contact', () => ({ id: 'abc' }), 'id'],
    ['wrong type on update', 'update_contact', () => ({ id: mine.id, company: 7 }), 'company'],
    ['computed by scoring on update', 'update_contact', () => ({ id: mine.id, leadScore: 99 }), 'leadScore'],
    ['empty update', 'update_contact', () => ({ id: mine.id }), ''],
    ['bad status', 'change_contact_status', () => ({ id: mine.id, status: 'HOT' }), 'status'],
    ['bad interaction type', 'log_interaction', () => ({ contactId: mine.id, type: 'LETTER', channel: 'EMAIL', direction: 'INBOUND' }), 'type'],
    ['bad date', 'log_interaction', () => ({ contactId: mine.id, type: 'EMAIL', channel: 'EMAIL', direction: 'INBOUND', occurredAt: 'yesterday' }), 'occurredAt'],
    ['negative duration', 'log_interaction', () => ({ contactId: mine.id, type: 'EMAIL', channel: 'EMAIL', direction: 'INBOUND', duration: -5 }), 'duration'],
    ['bad due date', 'create_follow_up', () => ({ contactId: mine.id, title: 't', dueAt: 'soon' }), 'dueAt'],
    ['bad scope', 'list_follow_ups', () => ({ scope: 'later' }), 'scope'],
    ['timeline limit', 'get_contact_timeline', () => ({ contactId: mine.id, limit: 101 }), 'limit'],
    ['merge into itself', 'merge_contacts', () => ({ primaryId: mine.id, duplicateId: mine.id }), 'duplicateId'],
    ['duplicates limit', 'find_duplicate_contacts', () => ({ limit: 201 }), 'limit'],
    ['empty csv', 'import_contacts', () => ({ csv: '' }), 'csv'],
    ['unknown assignee', 'create_contact', () => ({ firstName: 'A', lastName: 'B', email: 'x@y.test', assignedTo: uuid() }), 'assignedTo'],
  ];

  it.each(cases)('%s (%s) → VALIDATION_FAILED naming "%s" and nothing changes', async (_what, tool, args, path) => {
    const before = await snapshot();
    const result = await manager.call(tool, args());
    const error = failed(result);
    expect(error.code).toBe('VALIDATION_FAILED');
    expect((error.details as { path: string }[]).map((d) => d.path)).toContain(path);
    expect((result.content[0] as { text: string }).text).toMatch(/^VALIDATION_FAILED: /);
    expect(await snapshot()).toEqual(before);
  });

  it.each([
    ['get_contact', () => ({ id: uuid() })],
    ['update_contact', () => ({ id: uuid(), company: 'X' })],
    ['change_contact_status', () => ({ id: uuid(), status: 'CUSTOMER' })],
    ['log_interaction', () => ({ contactId: uuid(), type: 'EMAIL', channel: 'EMAIL', direction: 'INBOUND' })],
    ['get_contact_timeline', () => ({ contactId: uuid() })],
    ['create_follow_up', () => ({ contactId: uuid(), title: 't', dueAt: '2030-01-01' })],
    ['complete_follow_up', () => ({ id: uuid() })],
    ['merge_contacts', () => ({ primaryId: mine.id, duplicateId: uuid() })],
    ['find_duplicate_contacts', () => ({ contactId: uuid() })],
  ])('%s with an unknown id → NOT_FOUND, nothing changes', async (tool, args) => {
    const before = await snapshot();
    expect(failed(await manager.call(tool, args())).code).toBe('NOT_FOUND');
    expect(await snapshot()).toEqual(before);
  });

  it.each([
    ['get_contact', () => ({ id: foreign.id })],
    ['update_contact', () => ({ id: foreign.id, company: 'Hijacked' })],
    ['change_contact_status', () => ({ id: foreign.id, status: 'INACTIVE' })],
    ['log_interaction', () => ({ contactId: foreign.id, type: 'EMAIL', channel: 'EMAIL', direction: 'INBOUND', content: 'x' })],
    ['get_contact_timeline', () => ({ contactId: foreign.id })],
    ['create_follow_up', () => ({ contactId: foreign.id, title: 't', dueAt: '2030-01-01' })],
    ['merge_contacts', () => ({ primaryId: mine.id, duplicateId: foreign.id })],
  ])("%s with another tenant's id → NOT_FOUND, neither tenant changes", async (tool, args) => {
    const [ours, theirs] = [await snapshot(), await snapshot(other)];
    const error = failed(await manager.call(tool, args()));
    expect(error.code).toBe('NOT_FOUND');
    expect(error.message).not.toMatch(/other\.test/);
    expect([await snapshot(), await snapshot(other)]).toEqual([ours, theirs]);
  });

  it("does not find another tenant's contacts by search", async () => {
    expect(ok<{ totalCount: number }>(await manager.call('search_contacts', { search: 'foreign@other.test' })).totalCount).toBe(0);
  });

  it.each([
    ['update_contact', () => ({ id: othersRep.id, company: 'Mine now' })],
    ['change_contact_status', () => ({ id: othersRep.id, status: 'INACTIVE' })],
    ['log_interaction', () => ({ contactId: othersRep.id, type: 'EMAIL', channel: 'EMAIL', direction: 'OUTBOUND', content: 'x' })],
    ['create_follow_up', () => ({ contactId: othersRep.id, title: 't', dueAt: '2030-01-01' })],
    ['complete_follow_up', () => ({ id: followUpId })],
    ['merge_contacts', () => ({ primaryId: mine.id, duplicateId: othersRep.id })],
    ['update_contact', () => ({ id: mine.id, assignedTo: h.f.otherRep.userId })],
    ['create_contact', () => ({ firstName: 'Not', lastName: 'Mine', email: 'notmine@rep.test', assignedTo: h.f.otherRep.userId })],
  ])("a SALES_REP calling %s on another rep's contact → PERMISSION_DENIED, nothing changes", async (tool, args) => {
    const before = await snapshot();
    const error = failed(await rep.call(tool, args()));
    expect(error.code).toBe('PERMISSION_DENIED');
    expect(await snapshot()).toEqual(before);
  });

  it('lets the SALES_REP change their own contact', async () => {
    expect(ok<{ position: string }>(await rep.call('update_contact', { id: mine.id, position: 'CTO' })).position).toBe('CTO');
  });

  it.each([
    ['a number for an object', 'log_interaction', () => ({ contactId: mine.id, type: 'MEETING', channel: 'IN_PERSON', direction: 'OUTBOUND', sentiment: 0.6 }), 'sentiment', 'must be an object {score, confidence, emotions?}, not a number'],
    ['text for an object', 'create_follow_up', () => ({ contactId: mine.id, title: 't', dueAt: '2030-01-01', ownerId: 'me' }), 'ownerId', undefined],
    ['a lower-case choice', 'search_contacts', () => ({ status: 'lead' }), 'status', 'Invalid option: expected one of "LEAD"|"PROSPECT"|"CUSTOMER"|"INACTIVE" (did you mean "LEAD"?)'],
    ['words for a choice', 'log_interaction', () => ({ contactId: mine.id, type: 'MEETING', channel: 'in person', direction: 'OUTBOUND' }), 'channel', expect.stringMatching(/\(did you mean "IN_PERSON"\?\)$/)],
    ['part of a choice', 'log_interaction', () => ({ contactId: mine.id, type: 'CALL', channel: 'PHONE', direction: 'OUTBOUND' }), 'type', expect.stringMatching(/\(did you mean "PHONE_CALL"\?\)$/)],
    ['an email for a contact id', 'get_contact', () => ({ id: 'jane@acme.test' }), 'id', 'must be a contact id (UUID); that is an email address: get the contact\'s id with search_contacts {"search": "jane@acme.test"}'],
  ])('%s (%s) → the reason says what would fit', async (_what, tool, args, path, reason) => {
    const details = failed(await manager.call(tool, args())).details as { path: string; reason: string }[];
    const issue = details.find((d) => d.path === path)!;
    expect(issue).toBeDefined();
    if (reason !== undefined) expect(issue.reason).toEqual(reason);
    else expect(issue.reason).not.toMatch(/did you mean|that is an email/); // no hint where none fits
  });

  it.each(['create_contact', 'update_contact'])('%s refuses leadScore as REST does: computed by scoring (same reason), not advertised', async (tool) => {
    const args = tool === 'create_contact' ? { firstName: 'A', lastName: 'B', email: 'score@y.test', leadScore: 90 } : { id: mine.id, leadScore: 90 };
    const error = failed(await manager.call(tool, args));
    expect(error.details).toEqual([{ path: 'leadScore', reason: 'is computed by lead scoring and cannot be set' }]);
    const { tools } = await manager.client.listTools();
    expect(Object.keys(tools.find((t) => t.name === tool)!.inputSchema.properties ?? {})).not.toContain('leadScore');
  });

  it('answers an unknown tool with a JSON-RPC error (protocol misuse), not a tool result', async () => {
    const err = await manager.client.callTool({ name: 'drop_database', arguments: {} }).catch((e) => e);
    expect(err).toBeInstanceOf(McpError);
    expect(err.code).toBe(ErrorCode.InvalidParams);
    expect(err.message).toMatch(/Unknown tool: drop_database/);
  });

  it('refuses to act without a user (no actor configured, none from the transport)', async () => {
    const anonymous = await h.connect(h.f.manager, { deps: { actor: undefined } });
    expect(failed(await anonymous.call('search_contacts', {})).code).toBe('UNAUTHENTICATED');
  });
});
