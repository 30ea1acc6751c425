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

  it('streams a turn as server-sent events over real HTTP: steps, then the answer with the citation; refusals stay JSON with their status', async () => {
    const base = await h.server.listen({ host: '127.0.0.1', port: 0 });
    const res = await fetch(`${base}/api/v1/chat`, {
      method: 'POST',
      headers: { authorization: `Bearer ${h.a.apiKeys.rep}`, 'content-type': 'application/json', accept: 'text/event-stream' },
      body: JSON.stringify({ message: 'Who is Dana Whitfield?' }),
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    expect(res.headers.get('x-request-id') ?? res.headers.get('x-content-type-options')).toBeTruthy();
    const events = (await res.text())
      .split('\n\n')
      .filter((b) => b.trim())
      .map((block) => ({ event: /^event: (.+)$/m.exec(block)![1]!, data: JSON.parse(/^data: (.+)$/m.exec(block)![1]!) as Record<string, unknown> }));
    const kinds = events.map((e) => e.event);
    expect(kinds.at(-1)).toBe('answer');
    expect(kinds.filter((k) => k === 'answer')).toHaveLength(1);
    expect(kinds).toContain('step');
    expect(kinds.every((k) => ['step', 'token', 'answer'].includes(k))).toBe(true);
    const answer = events.at(-1)!.data as { threadId: string; answer: string; citations: string[]; toolCalls: { tool: string }[] };
    expect(answer.answer).toContain('Dana Whitfield');
    expect(answer.citations).toContain(`crm://contacts/${dana}`);
    expect(answer.toolCalls.map((c) => c.tool)).toContain('search_contacts');
    expect(events.some((e) => e.event === 'step' && JSON.stringify(e.data).includes('search_contacts'))).toBe(true);
    // the thread continues without streaming
    const next = await h.call('rep', 'POST', '/api/v1/chat', { message: 'Show her timeline', threadId: answer.threadId });
    expect(next.statusCode, next.body).toBe(200);
    // refused before the turn's first event: the status and the JSON envelope, not a stream
    const nothing = await h.call('rep', 'POST', '/api/v1/chat/t-none/decisions', { decisions: { call1: 'approve' } }, { accept: 'text/event-stream' });
    expect(nothing.statusCode).toBe(409);
    expect(nothing.headers['content-type']).toMatch(/application\/json/);
    expect(nothing.json()).toMatchObject({ error: { code: 'CONFLICT' } });
    const empty = await h.call('rep', 'POST', '/api/v1/chat', { message: '' }, { accept: 'text/event-stream' });
    expect(empty.statusCode).toBe(400);
    expect(empty.json()).toMatchObject({ error: { code: 'VALIDATION_FAILED', details: [expect.objectContaining({ path: 'body.message' })] } });
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
