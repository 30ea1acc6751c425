import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openRestHarness, type RestHarness } from './rest-test.fixture.ts';

/** POST /api/v1/chat: the same assistant as crm chat and /ws, one turn per request, as the caller. */
describe('REST chat', () => {
  let h: RestHarness;
  let dana: string;
  beforeAll(async () => {
    h = await openRestHarness('pglite');
    dana = (await h.core.contacts.create(h.a.rep, { firstName: 'Dana', lastName: 'Whitfield', email: 'dana@northwind.test', company: 'Northwind', assignedTo: h.a.rep.userId })).id;
  });
  afterAll(() => h?.close());

  it('answers a turn with the contact cited, its tool calls and steps; the thread continues', async () => {
    const res = await h.call('rep', 'POST', '/api/v1/chat', { message: 'Who is Dana Whitfield?' });
    expect(res.statusCode, res.body).toBe(200);
    const turn = res.json() as { threadId: string; answer: string; citations: string[]; toolCalls: { tool: string }[]; steps: unknown[]; offline: boolean };
    expect(turn.answer).toContain('Dana Whitfield');
    expect(turn.citations).toContain(`crm://contacts/${dana}`);
    expect(turn.toolCalls.map((c) => c.tool)).toContain('search_contacts');
    expect(turn.steps.length).toBeGreaterThan(0);
    expect(turn.offline).toBe(true);
    const next = await h.call('rep', 'POST', '/api/v1/chat', { message: 'Show her timeline', threadId: turn.threadId });
    expect(next.statusCode, next.body).toBe(200);
    expect((next.json() as { threadId: string }).threadId).toBe(turn.threadId);
  });

  it('acts as the caller: another tenant\'s user does not find the contact', async () => {
    const res = await h.call('admin', 'POST', '/api/v1/chat', { message: 'Who is Dana Whitfield?' }, {}, h.b);
    expect(res.statusCode).toBe(200);
    expect((res.json() as { citations: string[] }).citations).not.toContain(`crm://contacts/${dana}`);
  });

  it('refuses bad input naming the field, a decision with nothing waiting, and anonymous callers', async () => {
    const empty = await h.call('rep', 'POST', '/api/v1/chat', { message: '  ' });
    expect(empty.statusCode).toBe(400);
    expect(empty.json()).toMatchObject({ error: { code: 'VALIDATION_FAILED', details: [expect.objectContaining({ path: 'body.message', reason: 'message is required' })] } });
    const extra = await h.call('rep', 'POST', '/api/v1/chat', { message: 'hi', model: 'gpt' });
    expect(extra.statusCode).toBe(400);
    const badThread = await h.call('rep', 'POST', '/api/v1/chat', { message: 'hi', threadId: 'a b' });
    expect(badThread.json()).toMatchObject({ error: { details: [expect.objectContaining({ path: 'body.threadId' })] } });
    const nothing = await h.call('rep', 'POST', '/api/v1/chat/t-none/decisions', { decisions: { call1: 'approve' } });
    expect(nothing.statusCode).toBe(409);
    expect(nothing.json()).toMatchObject({ error: { code: 'CONFLICT' } });
    const noDecisions = await h.call('rep', 'POST', '/api/v1/chat/t-none/decisions', { decisions: {} });
    expect(noDecisions.statusCode).toBe(400);
    expect((await h.call(null, 'POST', '/api/v1/chat', { message: 'hi' })).statusCode).toBe(401);
  });
});
