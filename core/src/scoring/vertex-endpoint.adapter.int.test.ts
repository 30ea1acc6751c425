import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { PassThroughClient } from 'google-auth-library';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCrmCore, type CrmCore } from '../crm-core.ts';
import { silentLogger } from '../logger.ts';
import { createTenantFixture, openTestDatabase, type TenantFixture, type TestDatabase } from '../testing/index.ts';
import { createVertexEndpoint, toRemotePrediction, type PredictionEndpoint } from './vertex-endpoint.adapter.ts';

const ENDPOINT = 'projects/acme-crm/locations/europe-west4/endpoints/4242';

/**
 * A local stand-in for Vertex AI's REST `:predict` ({instances, parameters} → {predictions,
 * deployedModelId}). `mode` switches it between answering, failing (503) and hanging.
 */
function startDouble() {
  const state = { mode: 'ok' as 'ok' | 'fail' | 'hang', requests: 0, lastPath: '', lastBody: null as null | { instances: Record<string, unknown>[]; parameters?: unknown } };
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      state.requests++;
      state.lastPath = req.url ?? '';
      if (state.mode === 'hang') return; // never answers: the client's timeout must fire
      if (state.mode === 'fail') {
        res.writeHead(503, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: { code: 503, message: 'The service is currently unavailable.', status: 'UNAVAILABLE' } }));
        return;
      }
      state.lastBody = JSON.parse(body);
      const predictions = state.lastBody!.instances.map((x) => ({ classes: ['0', '1'], scores: [0.19, 0.81], seen: Object.keys(x).length }));
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ predictions, deployedModelId: '777' }));
    });
  });
  return { state, server };
}

describe('Vertex AI endpoint adapter against a local :predict double', () => {
  const { state, server } = startDouble();
  let t: TestDatabase;
  let core: CrmCore;
  let f: TenantFixture;
  let endpoint: PredictionEndpoint;
  let contactId: string;

  beforeAll(async () => {
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const { port } = server.address() as AddressInfo;
    endpoint = createVertexEndpoint({
      config: { endpoint: ENDPOINT, location: 'europe-west4', apiEndpoint: `127.0.0.1:${port}`, timeoutMs: 300 },
      // REST transport to plain HTTP, no Google credentials: what google-gax supports for emulators
      clientOptions: { fallback: true, protocol: 'http', authClient: new PassThroughClient() },
      breaker: { failureThreshold: 2, resetAfterMs: 400 },
      retry: { baseDelayMs: 5, maxDelayMs: 20 },
    });
    t = await openTestDatabase('pglite');
    core = createCrmCore({ db: t.db, logger: silentLogger(), scoring: { endpoint } });
    f = await createTenantFixture(core);
    contactId = (await core.contacts.create(f.manager, { firstName: 'Vera', lastName: 'Tex', email: 'vera@tex.example', company: 'Tex', position: 'CEO', source: 'partner' })).id;
  });
  afterAll(async () => {
    await endpoint.close();
    await core.outbox.stop();
    await t.drop();
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });

  it('sends the lead features in the documented REST format and reads AutoML-style predictions', async () => {
    const r = await core.scoring.scoreContact(f.rep, contactId);
    expect(r).toMatchObject({ source: 'vertex', explanationSource: 'rules', score: 81, contactId });
    expect(r.degraded).toBeUndefined();
    expect(state.lastPath.split('?')[0]).toBe(`/v1/${ENDPOINT}:predict`);
    expect(state.lastBody!.instances[0]).toMatchObject({ source: 'partner', seniority: 'C-level', corporate_email: true, interactions_total: 0 });
    const logit = Math.log(0.81 / 0.19);
    expect(r.base + r.factors.reduce((s, x) => s + x.weight, 0)).toBeCloseTo(logit, 9);
  });

  it('retries 3 times, falls back to the local scorer and says so; the breaker then opens and stops calling', async () => {
    state.mode = 'fail';
    state.requests = 0;
    const first = await core.scoring.scoreContact(f.rep, contactId);
    expect(first).toMatchObject({ source: 'rules', degraded: { service: 'vertex-scoring' } });
    expect(state.requests).toBe(3);
    await core.scoring.scoreContact(f.rep, contactId); // second exhausted retry sequence: circuit opens
    expect(endpoint.breaker.state).toBe('open');
    const before = state.requests;
    const third = await core.scoring.scoreContact(f.rep, contactId);
    expect(state.requests).toBe(before);
    expect(third.degraded!.reason).toMatch(/circuit open/);
    expect((await core.scoring.modelInfo(f.rep)).remote).toEqual({ service: 'vertex-scoring', circuit: 'open' });
  });

  it('recovers through a half-open probe once the endpoint is back', async () => {
    state.mode = 'ok';
    await new Promise((r) => setTimeout(r, 450));
    expect(endpoint.breaker.state).toBe('half-open');
    const r = await core.scoring.scoreContact(f.rep, contactId);
    expect(r.source).toBe('vertex');
    expect(endpoint.breaker.state).toBe('closed');
  });

  it('times out a hanging endpoint per attempt and falls back', async () => {
    state.mode = 'hang';
    const started = Date.now();
    const r = await core.scoring.scoreContact(f.rep, contactId);
    expect(r.degraded).toBeDefined();
    // the endpoint never answers: returning at all shows each attempt was cut (the bound is loose for loaded machines)
    expect(Date.now() - started).toBeLessThan(10_000);
    state.mode = 'ok';
  });

  it('reads every documented prediction shape', () => {
    expect(toRemotePrediction(0.3)).toEqual({ probability: 0.3 });
    expect(toRemotePrediction(64)).toEqual({ probability: 0.64 });
    expect(toRemotePrediction({ probability: 0.2, confidence: 0.9 })).toEqual({ probability: 0.2, confidence: 0.9 });
    expect(toRemotePrediction({ classes: ['won', 'lost'], scores: [0.7, 0.3] })).toEqual({ probability: 0.7 });
    expect(() => toRemotePrediction({ nonsense: true })).toThrow(/unusable prediction/);
  });
});
