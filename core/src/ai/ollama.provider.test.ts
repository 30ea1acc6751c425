import { randomUUID } from 'node:crypto';
import type { AIMessage, AIMessageChunk } from '@langchain/core/messages';
import { tool } from '@langchain/core/tools';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { withAiTenant } from './ai-call-guard.ts';
import { InMemoryAiUsageStore } from './ai-usage.ts';
import { createModelProvider } from './create-model-provider.ts';
import { sendJson, sendNdjson, startHttpDouble, type HttpDouble } from './http-double.fixture.ts';
import { loadModelProviderConfig } from './model-provider.config.ts';

const TENANT = randomUUID();
const config = { configurable: { tenantId: TENANT } };

// Ollama's /api/chat streams one JSON object per line; the last has done: true and the counts.
const line = (message: Record<string, unknown>) => ({ model: 'llama3.1', created_at: '2026-06-15T12:00:00Z', message: { role: 'assistant', ...message }, done: false });
const last = (promptEvalCount: number, evalCount: number) => ({
  model: 'llama3.1',
  created_at: '2026-06-15T12:00:01Z',
  message: { role: 'assistant', content: '' },
  done: true,
  done_reason: 'stop',
  total_duration: 1_000_000,
  prompt_eval_count: promptEvalCount,
  eval_count: evalCount,
});

describe('ollama provider against an /api double', () => {
  let double: HttpDouble;
  let usage: InMemoryAiUsageStore;

  beforeAll(async () => {
    double = await startHttpDouble();
  });
  afterAll(() => double.close());
  beforeEach(() => {
    double.requests.length = 0;
    usage = new InMemoryAiUsageStore();
  });

  const provider = (env: Record<string, string> = {}) =>
    createModelProvider(loadModelProviderConfig({ CRM_MODEL_PROVIDER: 'ollama', OLLAMA_BASE_URL: double.url, ...env }), { usage, sleep: async () => {} });

  it('chats over the streamed /api/chat and accounts the call once', async () => {
    double.handle((_req, res) => sendNdjson(res, [line({ content: 'Our Growth ' }), line({ content: 'package is £2,400/month.' }), last(31, 9)]));
    const answer = await (await provider()).chat()!.invoke('What does Growth cost?', config);
    expect(answer.content).toBe('Our Growth package is £2,400/month.');
    expect(answer.usage_metadata).toMatchObject({ input_tokens: 31, output_tokens: 9 });

    const [req] = double.requests;
    expect(req).toMatchObject({ method: 'POST', path: '/api/chat' });
    expect(req.body).toMatchObject({ model: 'llama3.1', stream: true, messages: [{ role: 'user', content: 'What does Growth cost?' }] });
    // ChatOllama's _generate consumes its own stream: guarded (and counted) once, not twice
    expect(await usage.usageFor(TENANT)).toEqual([
      expect.objectContaining({ provider: 'ollama', model: 'llama3.1', inputTokens: 31, outputTokens: 9, estimatedTokens: 0, calls: 1 }),
    ]);
  });

  it('returns tool calls for bound tools', async () => {
    double.handle((_req, res) =>
      sendNdjson(res, [line({ content: '', tool_calls: [{ function: { name: 'create_task', arguments: { title: 'Call Jane', dueInDays: 2 } } }] }), last(80, 20)]),
    );
    const createTask = tool(async () => 'ok', {
      name: 'create_task',
      description: 'Create a follow-up task',
      schema: z.object({ title: z.string(), dueInDays: z.number().int() }),
    });
    const ai = (await (await provider()).chat()!.bindTools!([createTask]).invoke('Remind me to call Jane in two days', config)) as AIMessage;
    expect(ai.tool_calls).toEqual([expect.objectContaining({ name: 'create_task', args: { title: 'Call Jane', dueInDays: 2 } })]);
    const body = double.requests[0].body as { tools: { type: string; function: { name: string; parameters: { required: string[] } } }[] };
    expect(body.tools).toEqual([
      expect.objectContaining({ type: 'function', function: expect.objectContaining({ name: 'create_task', parameters: expect.objectContaining({ required: ['title', 'dueInDays'] }) }) }),
    ]);
  });

  it('streams chunks through the guard', async () => {
    double.handle((_req, res) => sendNdjson(res, [line({ content: 'Hel' }), line({ content: 'lo' }), last(3, 2)]));
    const chunks: AIMessageChunk[] = [];
    for await (const chunk of await (await provider()).chat()!.stream('hi', config)) chunks.push(chunk);
    expect(chunks.map((c) => c.content).join('')).toBe('Hello');
    expect((await usage.usageFor(TENANT))[0]).toMatchObject({ inputTokens: 3, outputTokens: 2, calls: 1 });
  });

  it('guards the content-block event stream (streamEvents) too, with the tenant from withAiTenant', async () => {
    double.handle((_req, res) => sendNdjson(res, [line({ content: 'Hi ' }), line({ content: 'there' }), last(4, 3)]));
    const model = (await provider()).chat()!;
    const message = await withAiTenant(TENANT, async () => {
      const stream = model.streamEvents('hello');
      let events = 0;
      for await (const _event of stream) events++;
      expect(events).toBeGreaterThan(2);
      return stream.output;
    });
    expect(message.text).toBe('Hi there');
    expect((await usage.usageFor(TENANT))[0]).toMatchObject({ inputTokens: 4, outputTokens: 3, estimatedTokens: 0, calls: 1 });
    await expect(model.streamEvents('no tenant').output).rejects.toMatchObject({ code: 'PERMISSION_DENIED' });
  });

  it('embeds through /api/embed with the default model and its known size', async () => {
    double.handle((req, res) => {
      const { input } = req.body as { input: string[] };
      sendJson(res, 200, { model: 'nomic-embed-text', embeddings: input.map((_t, i) => Array.from({ length: 768 }, (_v, j) => (j === i ? 1 : 0))), prompt_eval_count: 7 });
    });
    const e = (await provider()).embeddingsFor(TENANT);
    expect(e).toMatchObject({ id: 'ollama:nomic-embed-text:768', dimensions: 768 });
    const vectors = await e.embedDocuments(['case study: Fernwood Outdoor', 'refund policy']);
    expect(vectors.map((v) => [v.length, v[0], v[1]])).toEqual([
      [768, 1, 0],
      [768, 0, 1],
    ]);
    expect(double.requests[0]).toMatchObject({ path: '/api/embed', body: { model: 'nomic-embed-text', input: ['case study: Fernwood Outdoor', 'refund policy'] } });
    expect((double.requests[0].body as Record<string, unknown>).dimensions).toBeUndefined();
  });

  it('times out a hung /api/embed and cancels the request', async () => {
    const closed: Promise<void>[] = [];
    double.handle((_req, res) => void closed.push(new Promise<void>((resolve) => res.on('close', () => resolve()))));
    const err = await (await provider({ AI_TIMEOUT_MS: '150', AI_MAX_RETRIES: '2', OLLAMA_EMBEDDING_DIMENSIONS: '4' }))
      .embeddingsFor(TENANT)
      .embedQuery('x')
      .catch((e) => e);
    expect(err).toMatchObject({ code: 'AI_SERVICE_UNAVAILABLE', details: { provider: 'ollama', operation: 'embeddings', attempts: 2 } });
    expect(double.requests).toHaveLength(2);
    await Promise.all(closed);
  });

  it('retries a 503 from /api/chat', async () => {
    let calls = 0;
    double.handle((_req, res) => (++calls === 1 ? sendJson(res, 503, { error: 'model is loading' }) : sendNdjson(res, [line({ content: 'ready' }), last(1, 1)])));
    expect((await (await provider()).chat()!.invoke('hi', config)).content).toBe('ready');
    expect(calls).toBe(2);
  });
});
