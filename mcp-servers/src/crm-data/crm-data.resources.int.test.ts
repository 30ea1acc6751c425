import { createTenantFixture, testDbKinds, type TenantFixture } from '@crm/core/testing';
import { ErrorCode, McpError } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ok, openHarness, type Connected, type Harness } from '../testing/harness.ts';

type Contact = { id: string; email: string };
const text = (r: { contents: unknown[] }) => JSON.parse((r.contents[0] as { text: string }).text);

describe.each(testDbKinds())('crm-data resources and prompts on %s', (kind) => {
  let h: Harness;
  let manager: Connected;
  let rep: Connected;
  let other: TenantFixture;
  let otherManager: Connected;
  let jane: Contact;
  let foreign: Contact;

  beforeAll(async () => {
    h = await openHarness(kind);
    manager = await h.connect(h.f.manager);
    rep = await h.connect(h.f.rep);
    other = await createTenantFixture(h.core);
    otherManager = await h.connect(other.manager);
    jane = ok<Contact>(await manager.call('create_contact', { firstName: 'Jane', lastName: 'Resource', email: 'jane@resource.test', company: 'ResCo', assignedTo: h.f.rep.userId }));
    await manager.call('log_interaction', { contactId: jane.id, type: 'MEETING', channel: 'IN_PERSON', direction: 'OUTBOUND', content: 'Budget of 20k approved by the CFO', duration: 30 });
    await manager.call('create_follow_up', { contactId: jane.id, title: 'Send proposal', dueAt: new Date(Date.now() - 3600_000).toISOString() });
    foreign = ok<Contact>(await otherManager.call('create_contact', { firstName: 'Janet', lastName: 'Foreign', email: 'janet@foreign.test' }));
  });
  afterAll(() => h.close());

  it('lists the due follow-ups resource, recent contacts and both templates', async () => {
    const { resources } = await manager.client.listResources();
    expect(resources.map((r) => r.uri)).toEqual(expect.arrayContaining(['crm://follow-ups/due', `crm://contacts/${jane.id}`]));
    expect(resources.find((r) => r.uri === `crm://contacts/${jane.id}`)).toMatchObject({ title: 'Jane Resource (ResCo)', mimeType: 'application/json' });
    expect(resources.map((r) => r.uri)).not.toContain(`crm://contacts/${foreign.id}`);
    const { resourceTemplates } = await manager.client.listResourceTemplates();
    expect(resourceTemplates.map((t) => t.uriTemplate)).toEqual(['crm://contacts/{id}', 'crm://contacts/{id}/timeline', 'crm://kb/{id}']);
  });

  it('reads a contact by id or by email, its timeline and the due follow-ups', async () => {
    const byId = await manager.client.readResource({ uri: `crm://contacts/${jane.id}` });
    expect(byId.contents[0]).toMatchObject({ uri: `crm://contacts/${jane.id}`, mimeType: 'application/json' });
    expect(text(byId)).toMatchObject({ id: jane.id, email: 'jane@resource.test' });
    expect(text(byId)).not.toHaveProperty('tenantId');
    expect(text(await manager.client.readResource({ uri: 'crm://contacts/jane@resource.test' })).id).toBe(jane.id);
    const timeline = text(await manager.client.readResource({ uri: `crm://contacts/${jane.id}/timeline` }));
    expect(timeline.contact).toEqual({ id: jane.id, name: 'Jane Resource' });
    expect(timeline.interactions[0]).toMatchObject({ type: 'MEETING', content: 'Budget of 20k approved by the CFO' });
    const due = text(await rep.client.readResource({ uri: 'crm://follow-ups/due' }));
    expect(due.followUps.map((f: { title: string }) => f.title)).toContain('Send proposal');
  });

  // One condition, one code: an unknown URI and a known template with an unknown id are both -32602
  // (SEP-2164; the TypeScript SDK's own answer), with data.code NOT_FOUND; a malformed id is -32602
  // with data.code VALIDATION_FAILED. Before, the unknown id was -32002 and the unknown URI -32602.
  it.each([
    ['an unknown contact', () => 'crm://contacts/00000000-0000-4000-8000-000000000000', 'NOT_FOUND'],
    ["another tenant's contact", () => `crm://contacts/${foreign.id}`, 'NOT_FOUND'],
    ["another tenant's contact by email", () => 'crm://contacts/janet@foreign.test', 'NOT_FOUND'],
    ['an unknown knowledge document', () => 'crm://kb/00000000-0000-4000-8000-000000000000', 'NOT_FOUND'],
    ['an unknown resource', () => 'crm://deals/1', 'NOT_FOUND'],
    ['a URI no template matches', () => 'crm://contacts/', 'NOT_FOUND'],
    ['a malformed reference', () => 'crm://contacts/not-an-id', 'VALIDATION_FAILED'],
  ])('reading %s is JSON-RPC error -32602 with data.code %s', async (_what, uri, dataCode) => {
    const err = await manager.client.readResource({ uri: uri() }).catch((e) => e);
    expect(err).toBeInstanceOf(McpError);
    expect(err.code).toBe(ErrorCode.InvalidParams);
    expect(err.data?.code).toBe(dataCode);
  });

  it.each([
    ['an empty URI', '', /uri: must not be empty/],
    ['a URI that does not parse', 'not a uri', /uri: "not a uri" is not an absolute URI/],
    ['a bare path', '/contacts/1', /uri: "\/contacts\/1" is not an absolute URI/],
  ])('reading %s is -32602 naming uri and why (not -32603 "Invalid URL")', async (_what, uri, message) => {
    const err = await manager.client.readResource({ uri }).catch((e) => e);
    expect(err).toBeInstanceOf(McpError);
    expect(err.code).toBe(ErrorCode.InvalidParams);
    expect(err.message).toMatch(message);
    expect(err.data.issues[0].path).toBe('uri');
  });

  it('a JSON-RPC error reaches the client with its code prefixed once (not "MCP error -32602: MCP error -32602: …")', async () => {
    const err = await manager.client.readResource({ uri: '' }).catch((e) => e);
    expect(err.message).toMatch(/^MCP error -32602: Invalid params for resources\/read — uri: must not be empty/);
    const unknownTool = await manager.client.callTool({ name: 'drop_database', arguments: {} }).catch((e) => e);
    expect(unknownTool.message).toBe('MCP error -32602: Unknown tool: drop_database');
    const notFound = await manager.client.readResource({ uri: 'crm://contacts/00000000-0000-4000-8000-000000000000' }).catch((e) => e);
    expect(notFound.message).toBe('MCP error -32602: Contact 00000000-0000-4000-8000-000000000000 not found');
  });

  it('a URI no template matches says which templates there are (not just "not found")', async () => {
    const err = await manager.client.readResource({ uri: 'crm://contacts/' }).catch((e) => e);
    expect(err.code).toBe(ErrorCode.InvalidParams);
    expect(err.message).toContain('uri: "crm://contacts/" matches no resource of this server; read one of resources/list or fill a template: crm://contacts/{id}, crm://contacts/{id}/timeline, crm://kb/{id}');
  });

  it('answers resources/list in one page and refuses a cursor it never sent', async () => {
    const first = await manager.client.listResources();
    expect(first.nextCursor).toBeUndefined();
    for (const method of ['listResources', 'listResourceTemplates', 'listPrompts', 'listTools'] as const) {
      const err = await manager.client[method]({ cursor: 'eyJ2IjoxfQ' }).catch((e) => e);
      expect(err, method).toBeInstanceOf(McpError);
      expect(err.code).toBe(ErrorCode.InvalidParams);
      expect(err.message).toMatch(/cursor: this server answers the whole list in one page and never sends a nextCursor; omit the cursor/);
    }
  });

  it('prompts/get with a misspelled argument names the unknown one and the missing one', async () => {
    const err = await manager.client.getPrompt({ name: 'qualify_lead', arguments: { contactID: jane.id } }).catch((e) => e);
    expect(err).toBeInstanceOf(McpError);
    expect(err.code).toBe(ErrorCode.InvalidParams);
    expect(err.message).toContain('arguments.contactID: is not an argument of prompt qualify_lead (did you mean contactId?); its arguments are contactId');
    expect(err.message).toContain('arguments.contactId: is required');
    // an optional argument misspelled was silently dropped: "scop: team" reviewed the rep's own pipeline
    const typo = await manager.client.getPrompt({ name: 'weekly_pipeline_review', arguments: { scop: 'team' } }).catch((e) => e);
    expect(typo.code).toBe(ErrorCode.InvalidParams);
    expect(typo.message).toContain('arguments.scop: is not an argument of prompt weekly_pipeline_review (did you mean scope?); its arguments are scope');
    expect(typo.message).not.toContain('is required');
  });

  it('prompts/get reads the other spelling of a declared argument as that argument, as tools do (QA round 6: contact_id was refused)', async () => {
    const snake = await manager.client.getPrompt({ name: 'qualify_lead', arguments: { contact_id: jane.id } });
    const camel = await manager.client.getPrompt({ name: 'qualify_lead', arguments: { contactId: jane.id } });
    expect(snake.messages).toEqual(camel.messages);
    expect(JSON.stringify(snake.messages)).toContain('jane@resource.test');
    // both spellings at once: the declared one is used and the other is refused, not guessed between
    const both = await manager.client.getPrompt({ name: 'qualify_lead', arguments: { contactId: jane.id, contact_id: jane.id } }).catch((e) => e);
    expect(both).toBeInstanceOf(McpError);
    expect(both.message).toContain('arguments.contact_id: is not an argument of prompt qualify_lead');
  });

  it("completes contact references with emails from the caller's tenant only", async () => {
    const ref = { type: 'ref/resource' as const, uri: 'crm://contacts/{id}' };
    expect((await manager.client.complete({ ref, argument: { name: 'id', value: 'jan' } })).completion.values).toEqual(['jane@resource.test']);
    expect((await otherManager.client.complete({ ref, argument: { name: 'id', value: 'jan' } })).completion.values).toEqual(['janet@foreign.test']);
    const timelineRef = { type: 'ref/resource' as const, uri: 'crm://contacts/{id}/timeline' };
    expect((await manager.client.complete({ ref: timelineRef, argument: { name: 'id', value: 'resco' } })).completion.values).toEqual(['jane@resource.test']);
    const prompt = { type: 'ref/prompt' as const, name: 'qualify_lead' };
    expect((await manager.client.complete({ ref: prompt, argument: { name: 'contactId', value: 'Resource' } })).completion.values).toEqual(['jane@resource.test']);
  });

  it('lists three prompts with their arguments', async () => {
    const { prompts } = await manager.client.listPrompts();
    expect(prompts.map((p) => [p.name, p.arguments?.map((a) => `${a.name}${a.required ? '' : '?'}`)])).toEqual([
      ['qualify_lead', ['contactId']],
      ['draft_follow_up_email', ['contactId', 'goal?', 'tone?']],
      ['weekly_pipeline_review', ['scope?']],
    ]);
  });

  it('qualify_lead embeds the contact and its timeline and asks for a BANT JSON answer', async () => {
    const prompt = await manager.client.getPrompt({ name: 'qualify_lead', arguments: { contactId: 'jane@resource.test' } });
    const [contact, timeline, ask] = prompt.messages;
    expect(contact.content).toMatchObject({ type: 'resource', resource: { uri: `crm://contacts/${jane.id}`, mimeType: 'application/json' } });
    expect(JSON.parse((contact.content as { resource: { text: string } }).resource.text)).toMatchObject({ id: jane.id });
    expect((timeline.content as { resource: { text: string } }).resource.text).toContain('Budget of 20k approved by the CFO');
    expect((ask.content as { text: string }).text).toMatch(/BANT/);
    expect((ask.content as { text: string }).text).toMatch(/budget, authority, need, timeline, fitScore, verdict/);
  });

  it('draft_follow_up_email embeds the latest conversation and open follow-ups', async () => {
    const prompt = await manager.client.getPrompt({ name: 'draft_follow_up_email', arguments: { contactId: jane.id, goal: 'book a demo', tone: 'formal' } });
    const all = JSON.stringify(prompt.messages);
    expect(all).toContain('Send proposal');
    expect(all).toContain('Budget of 20k');
    expect((prompt.messages.at(-1)!.content as { text: string }).text).toMatch(/^Draft a formal follow-up email to Jane Resource <jane@resource.test>\.\nGoal: book a demo\./);
  });

  it('weekly_pipeline_review defaults to the rep\'s own pipeline and the team for managers', async () => {
    const mine = await rep.client.getPrompt({ name: 'weekly_pipeline_review', arguments: {} });
    const snapshot = JSON.parse((mine.messages[0].content as { resource: { text: string } }).resource.text);
    expect(snapshot).toMatchObject({ scope: 'my contacts', contactsByStatus: { LEAD: 1, PROSPECT: 0 } });
    expect(snapshot.overdueFollowUps.map((f: { title: string }) => f.title)).toEqual(['Send proposal']);
    const team = await manager.client.getPrompt({ name: 'weekly_pipeline_review', arguments: { scope: 'team' } });
    expect(JSON.parse((team.messages[0].content as { resource: { text: string } }).resource.text).scope).toBe('whole team');
  });

  it.each([
    ['qualify_lead', {}, ErrorCode.InvalidParams],
    ['qualify_lead', { contactId: '00000000-0000-4000-8000-000000000000' }, ErrorCode.InvalidParams],
    ['draft_follow_up_email', { contactId: 'janet@foreign.test' }, ErrorCode.InvalidParams],
    ['no_such_prompt', {}, ErrorCode.InvalidParams],
    // an unknown choice was silently replaced by the default ("rude" drafted a friendly email)
    ['draft_follow_up_email', { contactId: 'jane@resource.test', tone: 'rude' }, ErrorCode.InvalidParams],
    ['weekly_pipeline_review', { scope: 'everyone' }, ErrorCode.InvalidParams],
  ])('prompt %s with %j is a JSON-RPC error', async (name, args, code) => {
    const err = await manager.client.getPrompt({ name, arguments: args as Record<string, string> }).catch((e) => e);
    expect(err).toBeInstanceOf(McpError);
    expect(err.code).toBe(code);
  });
});
