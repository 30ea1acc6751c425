import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { AppError } from '../errors/app-error.ts';
import { InMemoryAiUsageStore } from './ai-usage.ts';
import { createModelProvider, type ModelProviderDeps } from './create-model-provider.ts';
import { sendJson, startHttpDouble, type HttpDouble } from './http-double.fixture.ts';
import { loadModelProviderConfig } from './model-provider.config.ts';

const A = randomUUID();
const B = randomUUID();
const config = { configurable: { tenantId: A } };

const reply = (content: string) => ({
  id: 'chatcmpl-1',
  object: 'chat.completion',
  created: 1,
  model: 'm',
  choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop' }],
  usage: { prompt_tokens: 10, completion_tokens: 5, total_tokens: 15 },
});

describe('every remote call is guarded (timeout, retries, breaker, budget)', () => {
  let double: HttpDouble;
  let now: number;
  let delays: number[];
  let usage: InMemoryAiUsageStore;

  beforeAll(async () => {
    double = await startHttpDouble();
  });
  afterAll(() => double.close());
  beforeEach(() => {
    double.requests.length = 0;
    now = Date.UTC(2026, 5, 15, 12);
    delays = [];
    usage = new InMemoryAiUsageStore({ now: () => now });
  });

  const provider = (env: Record<string, string> = {}, deps: ModelProviderDeps = {}) =>
    createModelProvider(
      loadModelProviderConfig({
        CRM_MODEL_PROVIDER: 'openai-compatible',
        OPENAI_BASE_URL: `${double.url}/v1`,
        OPENAI_CHAT_MODEL: 'm',
        OPENAI_EMBEDDING_MODEL: 'text-embedding-3-small',
        AI_RETRY_BASE_DELAY_MS: '100',
        ...env,
      }),
      { usage, now: () => now, sleep: async (ms) => void delays.push(ms), ...deps },
    );

  it('retries a 503 with exponential backoff, then succeeds', async () => {
    let calls = 0;
    double.handle((_req, res) => (++calls < 3 ? sendJson(res, 503, { error: { message: 'overloaded' } }) : sendJson(res, 200, reply('ok'))));
    const answer = await (await provider()).chat()!.invoke('hello', config);
    expect(answer.content).toBe('ok');
    expect(double.requests).toHaveLength(3);
    expect(delays).toHaveLength(2);
    expect(delays[0]).toBeLessThanOrEqual(100);
    expect(delays[1]).toBeLessThanOrEqual(200);
    expect((await usage.usageFor(A))[0]).toMatchObject({ inputTokens: 10, outputTokens: 5, calls: 1 });
  });

  it('gives up after AI_MAX_RETRIES attempts with AI_SERVICE_UNAVAILABLE naming the status', async () => {
    double.handle((_req, res) => sendJson(res, 502, { error: { message: 'bad gateway' } }));
    const err = await (await provider({ AI_MAX_RETRIES: '2' })).chat()!.invoke('hello', config).catch((e) => e);
    expect(err).toBeInstanceOf(AppError);
    expect(err).toMatchObject({ code: 'AI_SERVICE_UNAVAILABLE', details: { provider: 'openai-compatible', status: 502, attempts: 2 } });
    expect(err.message).toMatch(/openai-compatible chat \(m\) failed with HTTP 502 after 2 attempts/);
    expect(double.requests).toHaveLength(2);
    expect(await usage.usageFor(A)).toEqual([]);
  });

  it('does not retry a client error, and a 4xx does not open the breaker', async () => {
    double.handle((_req, res) => sendJson(res, 400, { error: { message: 'context too long' } }));
    const p = (await provider({ AI_BREAKER_FAILURE_THRESHOLD: '1' }));
    await expect(p.chat()!.invoke('hello', config)).rejects.toMatchObject({ code: 'AI_SERVICE_UNAVAILABLE', details: { status: 400, attempts: 1 } });
    await expect(p.chat()!.invoke('hello', config)).rejects.toMatchObject({ details: { status: 400 } });
    expect(double.requests).toHaveLength(2);
    expect(p.breakerState()).toBe('closed');
  });

  it('opens the breaker after consecutive failures, fails fast with retryAfter, then recovers', async () => {
    let up = false;
    double.handle((_req, res) => (up ? sendJson(res, 200, reply('back')) : sendJson(res, 503, { error: { message: 'down' } })));
    const p = (await provider({ AI_MAX_RETRIES: '1', AI_BREAKER_FAILURE_THRESHOLD: '2', AI_BREAKER_RESET_MS: '10000' }));
    const chat = p.chat()!;
    for (let i = 0; i < 2; i++) await expect(chat.invoke('hello', config)).rejects.toMatchObject({ code: 'AI_SERVICE_UNAVAILABLE', details: { status: 503 } });
    expect(p.breakerState()).toBe('open');

    // open: no request reaches the service, for chat and embeddings alike
    await expect(chat.invoke('hello', config)).rejects.toMatchObject({ code: 'AI_SERVICE_UNAVAILABLE', retryAfter: 10, details: { circuit: 'open' } });
    await expect(p.embeddingsFor(A).embedQuery('x')).rejects.toMatchObject({ code: 'AI_SERVICE_UNAVAILABLE', retryAfter: 10 });
    expect(double.requests).toHaveLength(2);

    now += 4_000;
    await expect(chat.invoke('hello', config)).rejects.toMatchObject({ retryAfter: 6 });

    // after the pause one probe goes through; success closes the circuit
    now += 6_000;
    up = true;
    expect(p.breakerState()).toBe('half-open');
    expect((await chat.invoke('hello', config)).content).toBe('back');
    expect(p.breakerState()).toBe('closed');
    expect(double.requests).toHaveLength(3);
  });

  it('times out a hung server, aborting each attempt', async () => {
    const open: Promise<void>[] = [];
    double.handle(
      (_req, res) =>
        void open.push(new Promise<void>((resolve) => res.on('close', () => resolve()))), // never answers
    );
    const started = Date.now();
    const err = await (await provider({ AI_TIMEOUT_MS: '150', AI_MAX_RETRIES: '2' }))
      .chat()!
      .invoke('hello', config)
      .catch((e) => e);
    expect(err).toMatchObject({ code: 'AI_SERVICE_UNAVAILABLE', details: { attempts: 2 } });
    expect(err.message).toMatch(/timed out after 2 attempts \(150 ms per attempt\)/);
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(double.requests).toHaveLength(2);
    // the client hung up on both requests rather than leaving them open
    await Promise.all(open);
  });

  it('refuses with BUDGET_EXCEEDED before calling the provider once a tenant has used its budget', async () => {
    double.handle((_req, res) => sendJson(res, 200, reply('ok')));
    const p = (await provider({ AI_TENANT_MONTHLY_TOKEN_BUDGET: '20' }));
    const chat = p.chat()!;
    await chat.invoke('first', config); // 15 tokens
    await chat.invoke('second', config); // 30: over budget now
    const err = await chat.invoke('third', config).catch((e) => e);
    expect(err).toMatchObject({ code: 'BUDGET_EXCEEDED', details: { usedTokens: 30, budgetTokens: 20, period: '2026-06-01' } });
    expect(err.message).toBe('Monthly AI token budget exceeded: used 30 of 20 tokens in 2026-06');
    expect(err.retryAfter).toBe((Date.UTC(2026, 6, 1) - now) / 1000);
    await expect(p.embeddingsFor(A).embedQuery('x')).rejects.toMatchObject({ code: 'BUDGET_EXCEEDED' });
    expect(double.requests).toHaveLength(2);

    // the budget is per tenant, and per month
    expect((await chat.invoke('hi', { configurable: { tenantId: B } })).content).toBe('ok');
    now = Date.UTC(2026, 6, 1);
    expect((await chat.invoke('new month', config)).content).toBe('ok');
  });

  it('honours a per-tenant budget override', async () => {
    double.handle((_req, res) => sendJson(res, 200, reply('ok')));
    usage.setBudget(B, 0);
    const chat = (await provider()).chat()!;
    expect((await chat.invoke('hi', config)).content).toBe('ok');
    await expect(chat.invoke('hi', { configurable: { tenantId: B } })).rejects.toMatchObject({ code: 'BUDGET_EXCEEDED', details: { usedTokens: 0, budgetTokens: 0 } });
  });

  it("passes the caller's abort through without retrying or blaming the service", async () => {
    const ctrl = new AbortController();
    // never answers; the caller gives up once the request has arrived (not on a timer: a loaded
    // machine may not have sent it within any fixed delay)
    double.handle(() => ctrl.abort());
    const p = (await provider({ AI_BREAKER_FAILURE_THRESHOLD: '1' }));
    const err = await p.chat()!.invoke('hello', { ...config, signal: ctrl.signal }).catch((e) => e);
    expect(err).not.toBeInstanceOf(AppError);
    expect(double.requests).toHaveLength(1);
    expect(p.breakerState()).toBe('closed');
  });
});
