import { testDbKinds } from '@crm/core/testing';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { LATEST_PROTOCOL_VERSION, ResourceUpdatedNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { crmDataModule } from '../crm-data/crm-data.server.ts';
import { ok, openHarness, sleep, waitFor, type Harness } from '../testing/harness.ts';
import { readSse, serveMcpHttp } from '../testing/http-server.ts';

const MCP_HEADERS = { 'Content-Type': 'application/json', Accept: 'application/json, text/event-stream' };

describe.each(testDbKinds())('Streamable HTTP handler on %s', (kind) => {
  let h: Harness;
  let http: Awaited<ReturnType<typeof serveMcpHttp>>;

  beforeAll(async () => {
    h = await openHarness(kind);
    await h.core.outbox.start();
    http = await serveMcpHttp(h.core);
  });
  afterAll(async () => {
    await http.close();
    await h.close();
  });

  async function connect(apiKey: string) {
    const transport = new StreamableHTTPClientTransport(new URL(http.url), { requestInit: { headers: { Authorization: `Bearer ${apiKey}` } } });
    const client = new Client({ name: 'http-test', version: '1.0.0' });
    await client.connect(transport);
    return { client, transport };
  }

  /** A raw initialize, for tests that look at headers and SSE frames themselves. */
  async function rawSession(apiKey: string) {
    const headers = { ...MCP_HEADERS, Authorization: `Bearer ${apiKey}` };
    const init = await fetch(http.url, {
      method: 'POST',
      headers,
      body: JSON.stringify({ jsonrpc: '2.0', id: 0, method: 'initialize', params: { protocolVersion: LATEST_PROTOCOL_VERSION, capabilities: {}, clientInfo: { name: 'raw', version: '1' } } }),
    });
    expect(init.status).toBe(200);
    const sessionId = init.headers.get('mcp-session-id')!;
    await readSse(init, (e) => e.some((x) => (x.data as { id?: number })?.id === 0));
    const session = { ...headers, 'mcp-session-id': sessionId, 'mcp-protocol-version': LATEST_PROTOCOL_VERSION };
    expect((await fetch(http.url, { method: 'POST', headers: session, body: JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }) })).status).toBe(202);
    return { sessionId, headers: session };
  }

  it('initializes a session, lists and calls tools as the API key\'s user, and ends it with DELETE', async () => {
    const before = http.handler.stats().sessions;
    const { client, transport } = await connect(h.f.apiKeys.manager);
    expect(transport.sessionId).toMatch(/^[0-9a-f-]{36}$/);
    expect(http.handler.stats().sessions).toBe(before + 1);
    expect((await client.listTools()).tools.map((t) => t.name).sort()).toEqual(crmDataModule.tools.map((t) => t.contract.name).sort());
    const c = ok<{ id: string }>(await client.callTool({ name: 'create_contact', arguments: { firstName: 'Http', lastName: 'Client', email: 'http@client.test' } }) as never);
    const audit = await h.core.audit.list(h.f.admin, { entityId: c.id });
    expect(audit[0].actorId).toBe(h.f.manager.userId);
    const second = await connect(h.f.apiKeys.rep);
    expect(second.transport.sessionId).not.toBe(transport.sessionId);
    expect(http.handler.stats().sessions).toBe(before + 2);
    await transport.terminateSession();
    await second.transport.terminateSession();
    expect(http.handler.stats().sessions).toBe(before);
    const stale = await fetch(http.url, {
      method: 'POST',
      headers: { ...MCP_HEADERS, Authorization: `Bearer ${h.f.apiKeys.manager}`, 'mcp-session-id': transport.sessionId! },
      body: JSON.stringify({ jsonrpc: '2.0', id: 9, method: 'tools/list' }),
    });
    expect(stale.status).toBe(404);
    await client.close();
    await second.client.close();
  });

  it('binds a session to its user: another user presenting the session id gets 404', async () => {
    const { sessionId, headers } = await rawSession(h.f.apiKeys.manager);
    const body = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' });
    const hijack = await fetch(http.url, { method: 'POST', headers: { ...headers, Authorization: `Bearer ${h.f.apiKeys.rep}` }, body });
    expect(hijack.status).toBe(404);
    const own = await fetch(http.url, { method: 'POST', headers, body });
    expect(own.status).toBe(200);
    expect((await fetch(http.url, { method: 'DELETE', headers })).status).toBe(200);
    expect(sessionId).toBeTruthy();
  });

  it('rejects unauthenticated requests, requests without a session and non-initialize openers', async () => {
    const body = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' });
    const anonymous = await fetch(http.url, { method: 'POST', headers: MCP_HEADERS, body });
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('www-authenticate')).toBe('Bearer');
    const noSession = await fetch(http.url, { method: 'POST', headers: { ...MCP_HEADERS, Authorization: `Bearer ${h.f.apiKeys.manager}` }, body });
    expect(noSession.status).toBe(400);
    expect(((await noSession.json()) as { error: { message: string } }).error.message).toMatch(/initialize/);
    const get = await fetch(http.url, { headers: { Accept: 'text/event-stream', Authorization: `Bearer ${h.f.apiKeys.manager}` } });
    expect(get.status).toBe(400);
  });

  it('replays a tool result after the response stream dropped (Last-Event-ID)', async () => {
    const { headers } = await rawSession(h.f.apiKeys.manager);
    const call = await fetch(http.url, {
      method: 'POST',
      headers,
      body: JSON.stringify({ jsonrpc: '2.0', id: 7, method: 'tools/call', params: { name: 'search_contacts', arguments: { search: 'http@client.test' } } }),
    });
    // drop the connection as soon as the priming event (an id, no data) arrived
    const seen = await readSse(call, (events) => events.some((e) => e.id));
    const lastEventId = seen.find((e) => e.id)!.id!;
    const resumed = await fetch(http.url, { headers: { ...headers, Accept: 'text/event-stream', 'Last-Event-ID': lastEventId } });
    expect(resumed.status).toBe(200);
    const replayed = await readSse(resumed, (events) => events.some((e) => (e.data as { id?: number })?.id === 7));
    const response = replayed.find((e) => (e.data as { id?: number })?.id === 7)!.data as { result: { structuredContent: { totalCount: number } } };
    expect(response.result.structuredContent.totalCount).toBe(1);
    const unknown = await fetch(http.url, { headers: { ...headers, Accept: 'text/event-stream', 'Last-Event-ID': 'nope' } });
    expect(unknown.status).toBe(400);
    await fetch(http.url, { method: 'DELETE', headers });
  });

  it('delivers resource notifications on the GET stream and replays those missed while disconnected', async () => {
    const contact = await h.core.contacts.create(h.f.manager, { firstName: 'Live', lastName: 'Stream', email: 'live@stream.test' });
    const { headers } = await rawSession(h.f.apiKeys.manager);
    const sub = await fetch(http.url, { method: 'POST', headers, body: JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'resources/subscribe', params: { uri: `crm://contacts/${contact.id}` } }) });
    await readSse(sub, (e) => e.some((x) => (x.data as { id?: number })?.id === 2));
    const get = await fetch(http.url, { headers: { ...headers, Accept: 'text/event-stream' } });
    expect(get.status).toBe(200);
    const firstRead = readSse(get, (events) => events.some((e) => (e.data as { method?: string })?.method === 'notifications/resources/updated'));
    await sleep(50);
    await h.core.contacts.update(h.f.manager, contact.id, { company: 'One' });
    const first = await firstRead;
    const lastEventId = first.find((e) => e.id)!.id!;
    // disconnected: these two are stored, not lost
    await h.core.contacts.update(h.f.manager, contact.id, { company: 'Two' });
    await h.core.outbox.drain();
    await h.core.contacts.update(h.f.manager, contact.id, { company: 'Three' });
    await h.core.outbox.drain();
    await sleep(50);
    const resumed = await fetch(http.url, { headers: { ...headers, Accept: 'text/event-stream', 'Last-Event-ID': lastEventId } });
    const missed = await readSse(resumed, (events) => events.filter((e) => e.data).length >= 2, 3000);
    expect(missed.map((e) => (e.data as { method: string; params: { uri: string } }).params.uri)).toEqual([`crm://contacts/${contact.id}`, `crm://contacts/${contact.id}`]);
    await fetch(http.url, { method: 'DELETE', headers });
  });

  it('lets the SDK client subscribe over HTTP and receive updates', async () => {
    const contact = await h.core.contacts.create(h.f.manager, { firstName: 'Sdk', lastName: 'Sub', email: 'sdk@sub.test' });
    const { client, transport } = await connect(h.f.apiKeys.manager);
    const updates: string[] = [];
    client.setNotificationHandler(ResourceUpdatedNotificationSchema, (n) => void updates.push(n.params.uri));
    await client.subscribeResource({ uri: 'crm://contacts/sdk@sub.test' });
    await sleep(100);
    await h.core.contacts.update(h.f.manager, contact.id, { company: 'Notified' });
    await waitFor(() => updates.length > 0, 10_000, 'notification over HTTP');
    expect(updates).toEqual(['crm://contacts/sdk@sub.test']);
    await transport.terminateSession();
    await client.close();
  });
});

describe('Streamable HTTP session limits', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await openHarness('pglite');
  });
  afterAll(() => h.close());

  it('closes idle sessions (and their event stores) and refuses sessions beyond the cap', async () => {
    const http = await serveMcpHttp(h.core, { idleTimeoutMs: 1000, maxSessions: 3 });
    try {
      const open = async () =>
        fetch(http.url, {
          method: 'POST',
          headers: { ...MCP_HEADERS, Authorization: `Bearer ${h.f.apiKeys.manager}` },
          body: JSON.stringify({ jsonrpc: '2.0', id: 0, method: 'initialize', params: { protocolVersion: LATEST_PROTOCOL_VERSION, capabilities: {}, clientInfo: { name: 'idle', version: '1' } } }),
        });
      const responses = [await open(), await open(), await open()];
      await Promise.all(responses.map((r) => r.text()));
      expect(http.handler.stats().sessions).toBe(3);
      expect(http.handler.stats().storedEvents).toBeGreaterThan(0);
      expect((await open()).status).toBe(503);
      await waitFor(() => http.handler.stats().sessions === 0, 5000, 'idle sessions to close');
      expect(http.handler.stats().storedEvents).toBe(0);
      const again = await open();
      expect(again.status).toBe(200);
      await again.text();
    } finally {
      await http.close();
    }
  });

  it('caps the sessions one user holds (429 naming the limit and the way out); other users still get theirs', async () => {
    const http = await serveMcpHttp(h.core, { maxSessionsPerUser: 2 });
    try {
      const open = (key: string) =>
        fetch(http.url, {
          method: 'POST',
          headers: { ...MCP_HEADERS, Authorization: `Bearer ${key}` },
          body: JSON.stringify({ jsonrpc: '2.0', id: 0, method: 'initialize', params: { protocolVersion: LATEST_PROTOCOL_VERSION, capabilities: {}, clientInfo: { name: 'greedy', version: '1' } } }),
        });
      const first = await open(h.f.apiKeys.rep);
      await first.text();
      await (await open(h.f.apiKeys.rep)).text();
      const third = await open(h.f.apiKeys.rep);
      expect(third.status).toBe(429);
      expect(((await third.json()) as { error: { message: string } }).error.message).toMatch(/Too many MCP sessions for this user \(2 open, at most 2\): end unused ones with DELETE/);
      const other = await open(h.f.apiKeys.manager);
      expect(other.status).toBe(200);
      await other.text();
      // ending one frees a place
      const sessionId = first.headers.get('mcp-session-id')!;
      const ended = await fetch(http.url, { method: 'DELETE', headers: { ...MCP_HEADERS, Authorization: `Bearer ${h.f.apiKeys.rep}`, 'mcp-session-id': sessionId } });
      expect(ended.status).toBe(200);
      const again = await open(h.f.apiKeys.rep);
      expect(again.status).toBe(200);
      await again.text();
    } finally {
      await http.close();
    }
  });
});
