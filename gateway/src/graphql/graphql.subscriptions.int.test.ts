import { createCrmCore, silentLogger, type CrmCore } from '@crm/core';
import { createTenantFixture, openTestDatabase, plantRisingContacts, testDbKinds, type TenantFixture, type TestDatabase } from '@crm/core/testing';
import type { ChangeFeed, ChangeListener } from '@crm/mcp-servers';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { app } from '../app.ts';
import { WS_PROTOCOL } from '../ws/ws.protocol.ts';
import { GQL_CLOSE } from './graphql.subscriptions.ts';

type Msg = { type: string; id?: string; payload?: unknown };

/**
 * A GraphQL-over-WebSocket client speaking graphql-transport-ws (or the legacy graphql-ws) over a
 * real socket: connection_init → connection_ack, subscribe → next… → complete, error.
 */
class GqlPeer {
  readonly messages: Msg[] = [];
  closed?: { code: number; reason: string };
  private waiters: (() => void)[] = [];
  private n = 0;
  constructor(readonly socket: WebSocket) {
    socket.on('message', (d) => {
      const m = JSON.parse(String(d)) as Msg;
      // graphql-transport-ws keep-alive: answer pings like a real client does
      if (m.type === 'ping') socket.send(JSON.stringify({ type: 'pong' }));
      this.messages.push(m);
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
  async until<T>(pred: () => T | undefined | false, what: string, ms = 15_000): Promise<T> {
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
  closedWith() {
    return this.until(() => this.closed, 'close');
  }
  /** Sends a subscription; its id. */
  subscribe(query: string, variables?: Record<string, unknown>): string {
    const id = `s${++this.n}`;
    this.send({ id, type: this.socket.protocol === 'graphql-ws' ? 'start' : 'subscribe', payload: { query, ...(variables ? { variables } : {}) } });
    return id;
  }
  /** The `data` of every `next` of subscription `id` so far. */
  data(id: string): Record<string, unknown>[] {
    return this.messages.filter((m) => m.id === id && (m.type === 'next' || m.type === 'data')).map((m) => (m.payload as { data: Record<string, unknown> }).data);
  }
  errorsOf(id: string) {
    return this.until(() => this.messages.find((m) => m.id === id && m.type === 'error')?.payload as { message: string; extensions?: { code: string; details?: unknown } }[] | undefined, `error of ${id}`);
  }
}

function open(url: string, o: { headers?: Record<string, string>; protocols?: string[] } = {}): Promise<GqlPeer> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url, o.protocols ?? ['graphql-transport-ws'], { headers: o.headers });
    const peer = new GqlPeer(socket);
    socket.once('open', () => resolve(peer));
    socket.once('unexpected-response', (_req, res) => reject(Object.assign(new Error(`HTTP ${res.statusCode}`), { status: res.statusCode })));
    socket.once('error', reject);
  });
}

/**
 * graphql-transport-ws has no "subscribed" acknowledgement: repeat a write until its event arrives
 * (the first one may land before the server has attached the subscription). Each attempt must
 * change something (`attempt` is given for that): an update that changes nothing writes no event.
 * No timing is asserted.
 */
async function untilDelivered(write: (attempt: number) => Promise<unknown>, arrived: () => boolean, what: string): Promise<void> {
  for (let attempt = 0; attempt < 30; attempt++) {
    await write(attempt);
    const deadline = Date.now() + 1000;
    while (Date.now() < deadline) {
      if (arrived()) return;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  throw new Error(`never delivered: ${what}`);
}

const CONTACT_UPDATED = `subscription($id: ID!) { contactUpdated(contactId: $id) { id firstName leadScore assignedTo { id } recentActivity { subject } } }`;

describe.each(testDbKinds())('GraphQL subscriptions over WebSocket on %s', (kind) => {
  let t: TestDatabase;
  let core: CrmCore;
  let a: TenantFixture;
  let b: TenantFixture;
  let server: FastifyInstance;
  let url: string;
  let serverClosed = false;
  const peers: GqlPeer[] = [];

  /** An authenticated connection (credential in connection_init, as browsers must send it). */
  const connect = async (apiKey: string, protocol = 'graphql-transport-ws') => {
    const p = await open(url, { protocols: [protocol] });
    peers.push(p);
    p.send({ type: 'connection_init', payload: { authorization: `Bearer ${apiKey}` } });
    await p.until(() => p.messages.find((m) => m.type === 'connection_ack'), 'connection_ack');
    return p;
  };

  beforeAll(async () => {
    t = await openTestDatabase(kind);
    core = createCrmCore({ db: t.db, logger: silentLogger(), knowledge: { indexInteractions: false } });
    a = await createTenantFixture(core);
    b = await createTenantFixture(core);
    server = Fastify();
    await server.register(app, { core, version: 'test', ws: { authTimeoutMs: 1500 } });
    url = `${(await server.listen({ host: '127.0.0.1', port: 0 })).replace('http', 'ws')}/graphql`;
  });
  afterAll(async () => {
    for (const p of peers) p.socket.terminate();
    if (!serverClosed) await server?.close();
    await core?.outbox.stop();
    await t?.drop();
  });

  describe('authentication', () => {
    it('refuses a connection_init without a credential or with a bad one (4403), and a connection that never initialises (4408)', async () => {
      const none = await open(url);
      none.send({ type: 'connection_init', payload: {} });
      expect(await none.closedWith()).toMatchObject({ code: GQL_CLOSE.forbidden, reason: expect.stringMatching(/connection_init/) });
      expect(none.messages.find((m) => m.type === 'connection_ack')).toBeUndefined();

      const bad = await open(url);
      bad.send({ type: 'connection_init', payload: { authorization: 'Bearer crm_not_a_key' } });
      expect((await bad.closedWith()).code).toBe(GQL_CLOSE.forbidden);

      // the legacy protocol also gets a connection_error naming the code
      const legacy = await open(url, { protocols: ['graphql-ws'] });
      legacy.send({ type: 'connection_init', payload: {} });
      expect((await legacy.closedWith()).code).toBe(GQL_CLOSE.forbidden);
      expect(legacy.messages).toContainEqual(expect.objectContaining({ type: 'connection_error', payload: expect.objectContaining({ extensions: { code: 'UNAUTHENTICATED' } }) }));

      const silent = await open(url);
      expect(await silent.closedWith()).toMatchObject({ code: GQL_CLOSE.initTimeout });
    });

    it('refuses a bad Authorization header on the upgrade, and accepts a good one with an empty connection_init', async () => {
      await expect(open(url, { headers: { authorization: 'Bearer crm_not_a_key' } })).rejects.toMatchObject({ status: 401 });
      const p = await open(url, { headers: { authorization: `Bearer ${a.apiKeys.manager}` } });
      peers.push(p);
      p.send({ type: 'connection_init' });
      await p.until(() => p.messages.find((m) => m.type === 'connection_ack'), 'connection_ack');
      const contact = await core.contacts.create(a.manager, { firstName: 'Hea', lastName: 'Der', email: 'hea@der.test' });
      const id = p.subscribe(CONTACT_UPDATED, { id: contact.id });
      await untilDelivered((n) => core.contacts.update(a.manager, contact.id, { firstName: `Header${n || ''}` }), () => p.data(id).length > 0, 'the update');
      expect(p.data(id)[0].contactUpdated).toMatchObject({ id: contact.id, firstName: expect.stringMatching(/^Header/) });
    });

    it('closes a connection beyond WS_MAX_CONNECTIONS_PER_USER with 4429; another user is not affected', async () => {
      const limited = Fastify();
      await limited.register(app, { core, version: 'test', ws: { maxConnectionsPerUser: 2 } });
      const limitedUrl = `${(await limited.listen({ host: '127.0.0.1', port: 0 })).replace('http', 'ws')}/graphql`;
      try {
        const init = async (key: string) => {
          const p = await open(limitedUrl);
          peers.push(p);
          p.send({ type: 'connection_init', payload: { authorization: key } });
          return p;
        };
        for (let i = 0; i < 2; i++) {
          const p = await init(a.apiKeys.otherRep);
          await p.until(() => p.messages.find((m) => m.type === 'connection_ack'), 'connection_ack');
        }
        const third = await init(a.apiKeys.otherRep);
        expect(await third.closedWith()).toMatchObject({ code: GQL_CLOSE.tooManyConnections, reason: expect.stringMatching(/at most 2/) });
        const other = await init(a.apiKeys.marketing);
        await other.until(() => other.messages.find((m) => m.type === 'connection_ack'), 'connection_ack of another user');
      } finally {
        await limited.close();
      }
    });

    it('keeps /ws working beside it on the one WebSocket server', async () => {
      const ws = new WebSocket(url.replace('/graphql', '/ws'), [WS_PROTOCOL], { headers: { authorization: `Bearer ${a.apiKeys.rep}` } });
      const ready = await new Promise<{ type: string }>((resolve, reject) => {
        ws.once('message', (d) => resolve(JSON.parse(String(d))));
        ws.once('error', reject);
      });
      expect(ws.protocol).toBe(WS_PROTOCOL);
      expect(ready.type).toBe('ready');
      ws.terminate();
    });
  });

  it("delivers a contact's updates to its subscriber, with the fields it asked for", async () => {
    const contact = await core.contacts.create(a.manager, { firstName: 'Sub', lastName: 'Scriber', email: 'sub@scriber.test', assignedTo: a.rep.userId });
    await core.interactions.log(a.manager, { contactId: contact.id, type: 'PHONE_CALL', channel: 'PHONE', direction: 'OUTBOUND', subject: 'Intro call', content: 'Talked' });
    const p = await connect(a.apiKeys.manager);
    const id = p.subscribe(CONTACT_UPDATED, { id: contact.id });
    await untilDelivered((n) => core.contacts.update(a.manager, contact.id, { firstName: `Updated${n || ''}` }), () => p.data(id).length > 0, 'the first update');
    expect(p.data(id)[0].contactUpdated).toEqual({ id: contact.id, firstName: expect.stringMatching(/^Updated/), leadScore: expect.any(Number), assignedTo: { id: a.rep.userId }, recentActivity: [{ subject: 'Intro call' }] });
    const before = p.data(id).length;
    await core.contacts.update(a.manager, contact.id, { firstName: 'Again' });
    expect((await p.until(() => p.data(id)[before], 'the next update')).contactUpdated).toMatchObject({ firstName: 'Again' });
    // complete stops it: a socket's messages are handled in order, so once the next subscription
    // delivers, the first one is gone; an update committed before the next delivery never arrives
    const delivered = p.data(id).length;
    p.send({ id, type: 'complete' });
    const other = await core.contacts.create(a.manager, { firstName: 'Later', lastName: 'One', email: 'later@one.test' });
    const later = p.subscribe(CONTACT_UPDATED, { id: other.id });
    await untilDelivered((n) => core.contacts.update(a.manager, other.id, { firstName: `Later2${'x'.repeat(n)}` }), () => p.data(later).length > 0, 'the later subscription');
    await core.contacts.update(a.manager, contact.id, { firstName: 'Silent' });
    const n = p.data(later).length;
    await core.contacts.update(a.manager, other.id, { firstName: 'Later3' });
    await p.until(() => p.data(later).length > n, 'the later update');
    expect(p.data(id)).toHaveLength(delivered);
  });

  it("never delivers another tenant's contact: refused at start, and its updates never reach a subscriber elsewhere", async () => {
    const inA = await core.contacts.create(a.manager, { firstName: 'Ten', lastName: 'Ant', email: 'ten@ant.test' });
    const inB = await core.contacts.create(b.manager, { firstName: 'Bee', lastName: 'Side', email: 'bee@side.test' });
    const fromB = await connect(b.apiKeys.admin);
    const refused = fromB.subscribe(CONTACT_UPDATED, { id: inA.id });
    expect((await fromB.errorsOf(refused))[0]).toMatchObject({ extensions: { code: 'NOT_FOUND' } });
    const own = fromB.subscribe(CONTACT_UPDATED, { id: inB.id });
    await untilDelivered((n) => core.contacts.update(b.manager, inB.id, { firstName: `Bee1${'x'.repeat(n)}` }), () => fromB.data(own).length > 0, "B's own update");
    // live now: A's update is committed before B's next one, which arrives; A's never does
    await core.contacts.update(a.manager, inA.id, { firstName: 'Secret' });
    const n = fromB.data(own).length;
    await core.contacts.update(b.manager, inB.id, { firstName: 'Bee2' });
    await fromB.until(() => fromB.data(own).length > n, "B's next update");
    const everything = JSON.stringify(fromB.messages.filter((m) => m.type !== 'error'));
    expect(everything).not.toContain(inA.id);
    expect(everything).not.toContain('Secret');
  });

  it('gives a rep only what their role may see', async () => {
    const p = await connect(a.apiKeys.rep);
    // no workflows:read
    const wf = await core.workflows.create(a.marketing, { name: 'wf-sub', trigger: { type: 'MANUAL' }, steps: [{ id: 'task', name: 'Call', type: 'CREATE_TASK', config: { title: 'Call' } }] } as never);
    const exec = await core.workflows.execute(a.marketing, wf.id, {});
    const denied = p.subscribe(`subscription($id: ID!) { workflowExecutionStatus(executionId: $id) { id status } }`, { id: exec.id });
    expect((await p.errorsOf(denied))[0]).toMatchObject({ extensions: { code: 'PERMISSION_DENIED' } });
    // someone else's insights stream
    const foreign = p.subscribe(`subscription($u: ID!) { newInsights(userId: $u) { id } }`, { u: a.manager.userId });
    expect((await p.errorsOf(foreign))[0]).toMatchObject({ extensions: { code: 'PERMISSION_DENIED', details: [{ path: 'userId' }] } });

    // the rep's own insights come; the tenant-wide ones a manager generates do not
    // history with a real trend among the rep's contacts (contacts made today alone give no insight)
    await plantRisingContacts(t.db, a.tenantId, { assignedTo: a.rep.userId, tag: 'sub-ins' });
    const types = ['OPPORTUNITY_IDENTIFICATION', 'PERFORMANCE_COMPARISON', 'TREND_ANALYSIS', 'ANOMALY_DETECTION', 'PREDICTIVE_FORECAST'];
    const mine = p.subscribe(`subscription($u: ID!) { newInsights(userId: $u) { id title recommendations dataPoints } }`, { u: a.rep.userId });
    let first: { id: string }[] = [];
    await untilDelivered(
      async () => (first = (await core.insights.generate(a.rep, { types } as never)).insights),
      () => first.length > 0 && p.data(mine).some((d) => (d.newInsights as { id: string }).id === first[0].id),
      "the rep's own insights",
    );
    expect(p.data(mine).at(-1)!.newInsights).toEqual({ id: expect.any(String), title: expect.any(String), recommendations: expect.any(Array), dataPoints: expect.any(Array) });
    // live now: the manager's tenant-wide insights are committed before the rep's next ones
    const tenantWide = await core.insights.generate(a.manager, { types } as never);
    expect(tenantWide.insights.length).toBeGreaterThan(0);
    const next = (await core.insights.generate(a.rep, { types } as never)).insights;
    await p.until(() => p.data(mine).some((d) => (d.newInsights as { id: string }).id === next.at(-1)!.id), "the rep's next insights");
    const seen = JSON.stringify(p.messages);
    for (const i of tenantWide.insights) expect(seen).not.toContain(i.id);
  });

  it("streams a workflow execution's current status to a reader of workflows", async () => {
    const wf = await core.workflows.create(a.marketing, { name: 'wf-status', trigger: { type: 'MANUAL' }, steps: [{ id: 'task', name: 'Call', type: 'CREATE_TASK', config: { title: 'Call' } }] } as never);
    const exec = await core.workflows.execute(a.marketing, wf.id, {});
    const p = await connect(a.apiKeys.manager);
    const id = p.subscribe(`subscription($id: ID!) { workflowExecutionStatus(executionId: $id) { id status } }`, { id: exec.id });
    expect((await p.until(() => p.data(id)[0], 'the current status')).workflowExecutionStatus).toEqual({ id: exec.id, status: exec.status.toUpperCase() });
    // cancelled: the workflow.cancelled event brings the final status, and the stream ends
    await core.workflows.cancelExecution(a.marketing, exec.id);
    await p.until(() => p.data(id).some((d) => (d.workflowExecutionStatus as { status: string }).status === 'CANCELLED'), 'the cancelled status');
    await p.until(() => p.messages.find((m) => m.type === 'complete' && m.id === id), 'the end of the stream');
    const unknown = p.subscribe(`subscription { workflowExecutionStatus(executionId: "00000000-0000-4000-8000-000000000000") { id } }`);
    expect((await p.errorsOf(unknown))[0]).toMatchObject({ extensions: { code: 'NOT_FOUND' } });
  });

  it('validates a subscription before it runs: unknown fields and queries over the depth limit', async () => {
    const p = await connect(a.apiKeys.manager);
    const bad = p.subscribe(`subscription { contactUpdated(contactId: "x") { nope } }`);
    expect((await p.errorsOf(bad))[0]).toMatchObject({ extensions: { code: 'VALIDATION_FAILED', details: [{ path: 'query', reason: expect.stringMatching(/nope/) }] } });
    const deep = `subscription { contactUpdated(contactId: "x") { ${'recentActivity { contact { '.repeat(6)} id ${'} } '.repeat(6)} } }`;
    const tooDeep = p.subscribe(deep);
    expect((await p.errorsOf(tooDeep))[0]).toMatchObject({ extensions: { code: 'VALIDATION_FAILED' } });
  });

  it('drops a subscriber that stops reading with 4008 instead of queueing for it, while a reading one keeps up', async () => {
    const listeners = new Set<ChangeListener>();
    const feed: ChangeFeed = { subscribe: (l) => (listeners.add(l), () => void listeners.delete(l)), close: async () => listeners.clear() };
    const flooded = Fastify();
    await flooded.register(app, { core, version: 'test', ws: { changeFeed: feed, heartbeatMs: 600_000 } });
    const floodedUrl = `${(await flooded.listen({ host: '127.0.0.1', port: 0 })).replace('http', 'ws')}/graphql`;
    try {
      const join = async (key: string) => {
        const p = await open(floodedUrl);
        peers.push(p);
        p.send({ type: 'connection_init', payload: { authorization: key } });
        await p.until(() => p.messages.find((m) => m.type === 'connection_ack'), 'connection_ack');
        const id = p.subscribe(`subscription($u: ID!) { newInsights(userId: $u) { id description } }`, { u: key === a.apiKeys.admin ? a.admin.userId : a.manager.userId });
        return { p, id };
      };
      const slow = await join(a.apiKeys.admin);
      const fast = await join(a.apiKeys.manager);
      const big = 'x'.repeat(32 * 1024);
      let n = 0;
      const emit = () =>
        listeners.forEach((l) =>
          l({ id: `e${n}`, seq: n, tenantId: a.tenantId, type: 'insight.generated', aggregateType: 'insight', aggregateId: null, actorId: null, createdAt: new Date(0),
            payload: { scope: 'all', ownerId: null, insights: [{ id: `i${n++}`, type: 'TREND_ANALYSIS', title: 't', description: big, confidence: 0.9, impact: 'HIGH', recommendations: [], dataPoints: [], createdAt: new Date(0).toISOString() }] } }),
        );
      // both subscriptions are live once each has one event
      await untilDelivered(async () => emit(), () => slow.p.data(slow.id).length > 0 && fast.p.data(fast.id).length > 0, 'the first event');
      (slow.p.socket as unknown as { _socket: { pause(): void; resume(): void } })._socket.pause();
      // the kernel's socket buffers fill first; then the subscription's queue passes its bound
      while (n * big.length < 48 * 1024 * 1024 && !slow.p.closed) {
        for (let i = 0; i < 20; i++) emit();
        const last = `i${n - 1}`;
        await fast.p.until(() => fast.p.data(fast.id).some((d) => (d.newInsights as { id: string }).id === last), 'the reading client to keep up');
      }
      (slow.p.socket as unknown as { _socket: { resume(): void } })._socket.resume();
      expect(await slow.p.closedWith()).toMatchObject({ code: GQL_CLOSE.slowConsumer, reason: expect.stringMatching(/slow consumer/) });
      expect(slow.p.data(slow.id).length).toBeLessThan(fast.p.data(fast.id).length);
      expect(fast.p.closed).toBeUndefined();
    } finally {
      await flooded.close();
    }
  });

  it('sends a close frame (1001) to subscribers on shutdown', async () => {
    const p = await connect(a.apiKeys.manager);
    serverClosed = true;
    await server.close();
    expect(await p.closedWith()).toMatchObject({ code: 1001, reason: 'server shutting down' });
  });
});
