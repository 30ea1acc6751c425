import { createCrmCore, silentLogger, type CrmCore, type OutboxEvent } from '@crm/core';
import { createTenantFixture, openTestDatabase, plantRisingContacts, type TenantFixture, type TestDatabase } from '@crm/core/testing';
import type { ChangeFeed, ChangeListener } from '@crm/mcp-servers';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { app } from '../app.ts';
import { DEFAULT_AUTH } from '../auth/auth.config.ts';
import { createTokenService, type TokenService } from '../auth/token.service.ts';
import { CLOSE, WS_PROTOCOL } from './ws.protocol.ts';

type Msg = { type: string; [k: string]: unknown };

/** A real ws client that records every message and its close code. */
class Peer {
  readonly messages: Msg[] = [];
  /** Frames that arrived binary: a browser hands those to `onmessage` as a Blob, not a string. */
  binaryFrames = 0;
  closed?: { code: number; reason: string };
  private waiters: (() => void)[] = [];
  constructor(readonly socket: WebSocket) {
    socket.on('message', (d, isBinary) => {
      if (isBinary) this.binaryFrames++;
      this.messages.push(JSON.parse(String(d)) as Msg);
      this.wake();
    });
    socket.on('close', (code, reason) => {
      this.closed = { code, reason: String(reason) };
      this.wake();
    });
    socket.on('error', () => {});
  }
  private wake() {
    for (const w of this.waiters.splice(0)) w();
  }
  send(m: unknown) {
    this.socket.send(JSON.stringify(m));
  }
  /** Resolves when `pred` holds (re-checked on every message and on close); fails after `ms`. */
  async until<T>(pred: () => T | undefined | false, ms = 15_000, what = 'condition'): Promise<T> {
    const deadline = Date.now() + ms;
    for (;;) {
      const v = pred();
      if (v) return v;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; got ${JSON.stringify(this.messages.slice(-5))} closed=${JSON.stringify(this.closed)}`);
      await new Promise<void>((r) => {
        this.waiters.push(r);
        setTimeout(r, 200);
      });
    }
  }
  next(type: string, from = 0) {
    return this.until(() => this.messages.slice(from).find((m) => m.type === type), 15_000, type);
  }
  closedWith() {
    return this.until(() => this.closed, 15_000, 'close');
  }
}

function open(url: string, o: { headers?: Record<string, string>; protocols?: string[]; autoPong?: boolean } = {}): Promise<Peer> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url, o.protocols ?? [WS_PROTOCOL], { headers: o.headers, autoPong: o.autoPong ?? true });
    const peer = new Peer(socket);
    socket.once('open', () => resolve(peer));
    socket.once('unexpected-response', (_req, res) => reject(Object.assign(new Error(`HTTP ${res.statusCode}`), { status: res.statusCode })));
    socket.once('error', reject);
  });
}

/** An outbox feed the test drives itself (for the slow-consumer flood). */
function manualFeed(): ChangeFeed & { emit(e: OutboxEvent): void } {
  const listeners = new Set<ChangeListener>();
  return {
    subscribe: (l) => (listeners.add(l), () => void listeners.delete(l)),
    close: async () => listeners.clear(),
    emit: (e) => listeners.forEach((l) => l(e)),
  };
}

describe('WebSocket /ws', () => {
  let t: TestDatabase;
  let core: CrmCore;
  let a: TenantFixture;
  let b: TenantFixture;
  let server: FastifyInstance;
  let limited: FastifyInstance;
  let url: string;
  let limitedUrl: string;
  let limitedClosed = false;
  // the slow-consumer case on a server without the short heartbeat: under load, a paused client
  // (or the busy test process) would be dropped as a dead peer before its buffer passes the bound
  let buffered: FastifyInstance;
  let bufferedUrl: string;
  let tokens: TokenService;
  const feed = manualFeed();
  const peers: Peer[] = [];
  const track = (p: Peer) => (peers.push(p), p);
  const bearer = async (who = a.rep) => (await tokens.issue(who, { audience: 'api' })).accessToken;
  const connect = async (who = a.rep, target = url) => {
    const p = track(await open(target, { headers: { authorization: `Bearer ${await bearer(who)}` } }));
    await p.next('ready');
    return p;
  };

  beforeAll(async () => {
    t = await openTestDatabase('pglite');
    core = createCrmCore({ db: t.db, logger: silentLogger(), knowledge: { indexInteractions: false } });
    a = await createTenantFixture(core);
    b = await createTenantFixture(core);
    tokens = createTokenService(core, DEFAULT_AUTH);
    server = Fastify();
    await server.register(app, { core, version: 'test', ws: { authTimeoutMs: 1500 } });
    url = `${(await server.listen({ host: '127.0.0.1', port: 0 })).replace('http', 'ws')}/ws`;
    limited = Fastify();
    await limited.register(app, { core, version: 'test', ws: { maxConnectionsPerUser: 2, maxBufferedBytes: 64 * 1024, heartbeatMs: 300, changeFeed: feed } });
    limitedUrl = `${(await limited.listen({ host: '127.0.0.1', port: 0 })).replace('http', 'ws')}/ws`;
    buffered = Fastify();
    await buffered.register(app, { core, version: 'test', ws: { maxBufferedBytes: 64 * 1024, heartbeatMs: 600_000, changeFeed: feed } });
    bufferedUrl = `${(await buffered.listen({ host: '127.0.0.1', port: 0 })).replace('http', 'ws')}/ws`;
  });
  afterAll(async () => {
    for (const p of peers) p.socket.terminate();
    await server?.close();
    if (!limitedClosed) await limited?.close();
    await buffered?.close();
    await core?.outbox.stop();
    await t?.drop();
  });

  describe('authentication', () => {
    // regression: a refused upgrade used to keep its socket open, so the client hung and the server never closed
  it('refuses the upgrade with a bad bearer header, and a token in the query string even when valid', async () => {
      await expect(open(url, { headers: { authorization: 'Bearer crm_not_a_key' } })).rejects.toMatchObject({ status: 401 });
      await expect(open(`${url}?access_token=${await bearer()}`)).rejects.toMatchObject({ status: 401 });
      await expect(open(url, { protocols: [WS_PROTOCOL, 'crm.bearer.crm_not_a_key'] })).rejects.toMatchObject({ status: 401 });
    });

    it('accepts a token in the Authorization header, in the bearer subprotocol (browsers), or in the first message', async () => {
      const byHeader = await connect();
      expect(byHeader.messages[0]).toMatchObject({ type: 'ready', user: { id: a.rep.userId, tenantId: a.tenantId, role: 'SALES_REP' } });
      const byProtocol = track(await open(url, { protocols: [WS_PROTOCOL, `crm.bearer.${a.apiKeys.manager}`] }));
      expect(byProtocol.socket.protocol).toBe(WS_PROTOCOL);
      expect(await byProtocol.next('ready')).toMatchObject({ user: { id: a.manager.userId } });
      const byMessage = track(await open(url));
      byMessage.send({ type: 'subscribe', topic: 'contacts' });
      expect(await byMessage.next('error')).toMatchObject({ error: { code: 'UNAUTHENTICATED' } });
      byMessage.send({ type: 'auth', token: await bearer(a.marketing) });
      expect(await byMessage.next('ready')).toMatchObject({ user: { id: a.marketing.userId, role: 'MARKETING_MANAGER' } });
    });

    it('closes with 4401 on a bad first-message token, and when nobody authenticates in time', async () => {
      const bad = track(await open(url));
      bad.send({ type: 'auth', token: 'crm_wrong' });
      expect(await bad.closedWith()).toMatchObject({ code: CLOSE.unauthenticated });
      const silent = track(await open(url));
      expect(await silent.closedWith()).toMatchObject({ code: CLOSE.unauthenticated, reason: expect.stringMatching(/authenticate first/) });
    });

    it('explains malformed messages without closing', async () => {
      const p = await connect();
      p.send({ type: 'subscribe', topic: 'everything', id: 'x1' });
      expect(await p.next('error')).toMatchObject({ id: 'x1', error: { code: 'VALIDATION_FAILED', details: [{ path: 'topic' }] } });
      p.socket.send('not json');
      await p.until(() => p.messages.filter((m) => m.type === 'error').length === 2);
      p.send({ type: 'ping', id: 'p' });
      expect(await p.next('pong')).toMatchObject({ id: 'p' });
      p.send({ type: 'chat', id: 'blank', message: '   ' });
      await p.until(() => p.messages.some((m) => m.type === 'error' && m.id === 'blank'));
      expect(p.messages.find((m) => m.type === 'error' && m.id === 'blank')).toMatchObject({ error: { code: 'VALIDATION_FAILED', details: [{ path: 'message', reason: 'message is required' }] } });
    });
  });

  it('streams a chat turn with the assistant: step events, tokens, and the cited answer', async () => {
    const dana = await core.contacts.create(a.rep, { firstName: 'Dana', lastName: 'Whitfield', email: 'dana@northwind.test', company: 'Northwind' });
    const p = await connect();
    p.send({ type: 'chat', id: 'c1', threadId: 'ws-1', message: 'Who is Dana Whitfield?' });
    const answer = await p.next('chat.answer');
    expect(answer).toMatchObject({ id: 'c1', threadId: 'ws-1', offline: true, citations: [`crm://contacts/${dana.id}`] });
    expect(String(answer.answer)).toContain('Dana Whitfield');
    const steps = p.messages.filter((m) => m.type === 'chat.step').map((m) => (m.event as { type: string; tool?: string }));
    expect(steps).toContainEqual(expect.objectContaining({ type: 'tool_call', tool: 'search_contacts' }));
    const streamed = p.messages.filter((m) => m.type === 'chat.token').map((m) => m.token).join('');
    expect(streamed).toBe(answer.answer);
  });

  it('delivers contact events caused by core and MCP writes to subscribers of the tenant only, filtered by role', async () => {
    const repA = await connect(a.rep);
    const repB = await connect(b.rep);
    for (const p of [repA, repB]) {
      p.send({ type: 'subscribe', id: 's', topic: 'contacts' });
      await p.next('subscribed');
    }
    repA.send({ type: 'subscribe', id: 'w', topic: 'workflow-executions' });
    expect(await repA.next('error')).toMatchObject({ id: 'w', error: { code: 'PERMISSION_DENIED' } });

    const fromCore = await core.contacts.create(a.rep, { firstName: 'Core', lastName: 'Write', email: 'core@write.test' });
    const mcp = new Client({ name: 'ws-test', version: '1' });
    await mcp.connect(new StreamableHTTPClientTransport(new URL(url.replace('ws://', 'http://').replace('/ws', '/mcp/crm')), { requestInit: { headers: { authorization: `Bearer ${a.apiKeys.manager}` } } }));
    const created = await mcp.callTool({ name: 'create_contact', arguments: { firstName: 'Mcp', lastName: 'Write', email: 'mcp@write.test' } });
    await mcp.close();
    const mcpId = (created.structuredContent as { id: string }).id;
    const seen = (p: Peer) => p.messages.filter((m) => m.type === 'event').map((m) => m.event as { type: string; aggregateId: string });
    await repA.until(() => seen(repA).some((e) => e.aggregateId === mcpId), 15_000, 'the MCP write');
    expect(seen(repA)).toEqual(expect.arrayContaining([expect.objectContaining({ type: 'contact.created', aggregateId: fromCore.id })]));
    // tenant B's own write arrives at B after A's two; none of A's ever does
    const inB = await core.contacts.create(b.rep, { firstName: 'Bee', lastName: 'Only', email: 'bee@only.test' });
    await repB.until(() => seen(repB).some((e) => e.aggregateId === inB.id), 15_000, "B's own event");
    expect(seen(repB).map((e) => e.aggregateId)).not.toContain(fromCore.id);
    expect(seen(repB).map((e) => e.aggregateId)).not.toContain(mcpId);
    expect(seen(repA).map((e) => e.aggregateId)).not.toContain(inB.id);
    // events are encoded once per fan-out and still sent as text frames
    expect(repA.messages.length).toBeGreaterThan(2);
    expect([repA.binaryFrames, repB.binaryFrames]).toEqual([0, 0]);
  });

  it('notifies approvers of new requests and decisions; a rep sees only the requests filed for them', async () => {
    const manager = await connect(a.manager);
    const rep = await connect(a.rep);
    const other = await connect(a.otherRep);
    for (const p of [manager, rep, other]) {
      p.send({ type: 'subscribe', topic: 'approvals' });
      await p.next('subscribed');
    }
    const contact = await core.contacts.create(a.rep, { firstName: 'Ap', lastName: 'Proval', email: 'ap@proval.test', assignedTo: a.rep.userId });
    const filed = await core.approvals.request(a.rep, { kind: 'agent_action', action: { tool: 'change_contact_status', arguments: { id: contact.id, status: 'PROSPECT' } }, summary: 'Move Ap to PROSPECT' });
    const event = (p: Peer, type: string) =>
      p.until(() => p.messages.find((m) => m.type === 'event' && m.topic === 'approvals' && (m.event as { type: string; aggregateId: string }).type === type && (m.event as { aggregateId: string }).aggregateId === filed.id), 15_000, type);
    const requested = await event(manager, 'approval.requested');
    expect((requested.event as { payload: Record<string, unknown> }).payload).toMatchObject({ approvalId: filed.id, summary: 'Move Ap to PROSPECT', requestedFor: a.rep.userId });
    await event(rep, 'approval.requested');
    await core.approvals.decide(a.manager, filed.id, { decision: 'reject', reason: 'not yet' });
    expect(((await event(rep, 'approval.decided')).event as { payload: Record<string, unknown> }).payload).toMatchObject({ status: 'rejected', reason: 'not yet' });
    // the other rep got nothing about it
    expect(other.messages.filter((m) => m.type === 'event' && m.topic === 'approvals')).toEqual([]);
  });

  it("delivers new insights to those who may read the tenant's numbers", async () => {
    const manager = await connect(a.manager);
    manager.send({ type: 'subscribe', topic: 'insights' });
    await manager.next('subscribed');
    const outsider = await connect(b.admin);
    outsider.send({ type: 'subscribe', topic: 'insights' });
    await outsider.next('subscribed');
    // history with a real trend, so the detectors find something to say (contacts made today alone
    // are no complete day of activity: no insight)
    await plantRisingContacts(t.db, a.tenantId);
    const generated = await core.insights.generate(a.manager, { types: ['OPPORTUNITY_IDENTIFICATION', 'PERFORMANCE_COMPARISON', 'TREND_ANALYSIS', 'ANOMALY_DETECTION', 'PREDICTIVE_FORECAST'] });
    expect(generated.insights.length).toBeGreaterThan(0);
    const ev = await manager.until(() => manager.messages.find((m) => m.type === 'event' && m.topic === 'insights'), 15_000, 'insight event');
    expect((ev.event as { payload: { insights: { id: string }[] } }).payload.insights.map((i) => i.id)).toEqual(generated.insights.map((i) => i.id));
    expect(outsider.messages.filter((m) => m.type === 'event')).toEqual([]);
  });

  describe('limits', () => {
    it('closes the connection beyond the per-user limit with 4429', async () => {
      await connect(a.otherRep, limitedUrl);
      await connect(a.otherRep, limitedUrl);
      const third = track(await open(limitedUrl, { headers: { authorization: `Bearer ${a.apiKeys.otherRep}` } }));
      expect(await third.closedWith()).toMatchObject({ code: CLOSE.tooManyConnections, reason: expect.stringMatching(/at most 2/) });
      // another user is not affected
      await connect(a.manager, limitedUrl);
    });

    it('drops a slow consumer with 4008 instead of buffering for it, while a reading client keeps receiving', async () => {
      const slow = await connect(a.admin, bufferedUrl);
      const fast = await connect(a.manager, bufferedUrl);
      for (const p of [slow, fast]) {
        p.send({ type: 'subscribe', topic: 'contacts' });
        await p.next('subscribed');
      }
      (slow.socket as unknown as { _socket: { pause(): void; resume(): void } })._socket.pause();
      const big = 'x'.repeat(32 * 1024);
      let n = 0;
      const flood = () => {
        for (let i = 0; i < 20; i++) {
          feed.emit({ id: `e${n}`, seq: n++, tenantId: a.tenantId, type: 'contact.updated', aggregateType: 'contact', aggregateId: null, actorId: null, payload: { big }, createdAt: new Date() });
        }
      };
      // the kernel's socket buffers (a few MB on loopback) fill first; then the server's own queue passes the bound
      const events = () => fast.messages.filter((m) => m.type === 'event').length;
      while (n * big.length < 32 * 1024 * 1024) {
        flood();
        await fast.until(() => events() === n, 15_000, 'the reading client to keep up');
      }
      (slow.socket as unknown as { _socket: { resume(): void } })._socket.resume();
      expect(await slow.closedWith()).toMatchObject({ code: CLOSE.slowConsumer, reason: expect.stringMatching(/slow consumer/) });
      const received = slow.messages.filter((m) => m.type === 'event').length;
      expect(received).toBeLessThan(n);
      expect(fast.closed).toBeUndefined();
      await fast.until(() => fast.messages.filter((m) => m.type === 'event').length === n, 15_000, 'every event at the reading client');
    });

    it('drops a peer that stops answering pings', async () => {
      const dead = track(await open(limitedUrl, { headers: { authorization: `Bearer ${a.apiKeys.marketing}` }, autoPong: false }));
      await dead.next('ready');
      expect((await dead.closedWith()).code).toBe(1006);
      const alive = await connect(a.marketing, limitedUrl);
      await new Promise((r) => setTimeout(r, 1000));
      expect(alive.closed).toBeUndefined();
    });

    it('sends a close frame (1001) to every client on shutdown', async () => {
      const p = await connect(a.rep, limitedUrl);
      limitedClosed = true;
      await limited.close();
      expect(await p.closedWith()).toMatchObject({ code: CLOSE.goingAway, reason: 'server shutting down' });
    });
  });
});
