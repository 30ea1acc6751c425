import { randomUUID } from 'node:crypto';
import https from 'node:https';
import type { AIMessage } from '@langchain/core/messages';
import { tool } from '@langchain/core/tools';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { InMemoryAiUsageStore } from './ai-usage.ts';
import { createModelProvider } from './create-model-provider.ts';
import { sendJson, startHttpDouble, type HttpDouble } from './http-double.fixture.ts';
import { loadModelProviderConfig } from './model-provider.config.ts';
import { TEST_TLS_CERT } from './tls.fixture.ts';

const TENANT = randomUUID();
const config = { configurable: { tenantId: TENANT } };
const MODELS = '/v1/projects/crm-test/locations/europe-west2/publishers/google/models';

/** Vertex AI `:generateContent` response (GenerateContentResponse). */
const generateContentResponse = (parts: unknown[], usage = { promptTokenCount: 12, candidatesTokenCount: 6 }) => ({
  candidates: [{ content: { role: 'model', parts }, finishReason: 'STOP', index: 0 }],
  usageMetadata: { ...usage, totalTokenCount: usage.promptTokenCount + usage.candidatesTokenCount },
  modelVersion: 'gemini-2.5-flash',
});

describe('vertex provider against a :generateContent / :predict double', () => {
  let double: HttpDouble;
  let usage: InMemoryAiUsageStore;

  beforeAll(async () => {
    // The Vertex client always speaks https to VERTEX_API_ENDPOINT, so the double serves TLS.
    double = await startHttpDouble({ tls: true });
  });
  afterAll(() => double.close());
  beforeEach(() => {
    double.requests.length = 0;
    usage = new InMemoryAiUsageStore();
  });

  const provider = (env: Record<string, string> = {}) =>
    createModelProvider(
      loadModelProviderConfig({
        CRM_MODEL_PROVIDER: 'vertex',
        VERTEX_PROJECT: 'crm-test',
        VERTEX_LOCATION: 'europe-west2',
        VERTEX_API_ENDPOINT: double.host,
        // no Application Default Credentials offline: a fixed token, sent as a bearer
        VERTEX_ACCESS_TOKEN: 'ya29.test-token',
        ...env,
      }),
      {
        usage,
        sleep: async () => {},
        vertexAuthOptions: { clientOptions: { transporterOptions: { agent: new https.Agent({ ca: TEST_TLS_CERT }) } } },
      },
    );

  it('chats through :generateContent with the project, location and model in the path', async () => {
    double.handle((_req, res) => sendJson(res, 200, generateContentResponse([{ text: 'Hello from Gemini' }])));
    const answer = await (await provider()).chat()!.invoke('Say hello', config);
    expect(answer.content).toBe('Hello from Gemini');
    expect(answer.usage_metadata).toMatchObject({ input_tokens: 12, output_tokens: 6 });

    const [req] = double.requests;
    expect(req).toMatchObject({ method: 'POST', path: `${MODELS}/gemini-2.5-flash:generateContent` });
    expect(req.headers.authorization).toBe('Bearer ya29.test-token');
    expect(req.body).toMatchObject({ contents: [{ role: 'user', parts: [{ text: 'Say hello' }] }] });
    expect(await usage.usageFor(TENANT)).toEqual([
      expect.objectContaining({ provider: 'vertex', model: 'gemini-2.5-flash', inputTokens: 12, outputTokens: 6, estimatedTokens: 0, calls: 1 }),
    ]);
  });

  it('sends function declarations and parses a functionCall into tool_calls', async () => {
    double.handle((_req, res) =>
      sendJson(res, 200, generateContentResponse([{ functionCall: { name: 'score_lead', args: { contactId: 'c-42' } } }], { promptTokenCount: 50, candidatesTokenCount: 9 })),
    );
    const scoreLead = tool(async () => '87', { name: 'score_lead', description: 'Score a lead', schema: z.object({ contactId: z.string() }) });
    const ai = (await (await provider()).chat()!.bindTools!([scoreLead]).invoke('How hot is contact c-42?', config)) as AIMessage;
    expect(ai.tool_calls).toEqual([expect.objectContaining({ name: 'score_lead', args: { contactId: 'c-42' } })]);
    const body = double.requests[0].body as { tools: { functionDeclarations: { name: string; parameters: { properties: object } }[] }[] };
    expect(body.tools[0].functionDeclarations).toEqual([
      expect.objectContaining({ name: 'score_lead', description: 'Score a lead', parameters: expect.objectContaining({ properties: { contactId: expect.any(Object) } }) }),
    ]);
  });

  it('embeds through :predict, one instance per text', async () => {
    double.handle((req, res) => {
      const { instances } = req.body as { instances: { content: string }[] };
      sendJson(res, 200, {
        predictions: instances.map((i) => ({ embeddings: { values: Array.from({ length: 768 }, (_v, j) => (j === i.content.length ? 1 : 0)), statistics: { token_count: 3, truncated: false } } })),
      });
    });
    const e = (await provider()).embeddingsFor(TENANT);
    expect(e).toMatchObject({ id: 'vertex:text-embedding-005:768', dimensions: 768 });
    const [a, b] = await e.embedDocuments(['abc', 'abcdef']);
    expect([a.length, a[3], b[6]]).toEqual([768, 1, 1]);
    // one instance per request (a connection reset under load may repeat one: the client retries)
    for (const req of double.requests) expect(req.path).toBe(`${MODELS}/text-embedding-005:predict`);
    const instances = double.requests.map((r) => (r.body as { instances: { content: string }[] }).instances);
    expect(instances.every((i) => i.length === 1)).toBe(true);
    expect([...new Set(instances.map((i) => i[0].content))].sort()).toEqual(['abc', 'abcdef']);
    expect((await usage.usageFor(TENANT))[0]).toMatchObject({ model: 'text-embedding-005', calls: 1, inputTokens: 3, estimatedTokens: 3 });
  });

  it('requests explicit output dimensions when VERTEX_EMBEDDING_DIMENSIONS is set', async () => {
    double.handle((_req, res) => sendJson(res, 200, { predictions: [{ embeddings: { values: [0.1, 0.2, 0.3, 0.4] } }] }));
    expect(await (await provider({ VERTEX_EMBEDDING_DIMENSIONS: '4' })).embeddingsFor(TENANT).embedQuery('q')).toEqual([0.1, 0.2, 0.3, 0.4]);
    expect(double.requests[0].body).toMatchObject({ instances: [{ content: 'q' }], parameters: { outputDimensionality: 4 } });
  });

  it('retries a 503 from Vertex and reports a 429 that outlasts the retries', async () => {
    let calls = 0;
    double.handle((_req, res) =>
      ++calls === 1 ? sendJson(res, 503, { error: { code: 503, message: 'unavailable', status: 'UNAVAILABLE' } }) : sendJson(res, 200, generateContentResponse([{ text: 'ok' }])),
    );
    expect((await (await provider()).chat()!.invoke('hi', config)).content).toBe('ok');
    expect(calls).toBe(2);

    double.handle((_req, res) => sendJson(res, 429, { error: { code: 429, message: 'quota', status: 'RESOURCE_EXHAUSTED' } }));
    await expect((await provider({ AI_MAX_RETRIES: '2' })).chat()!.invoke('hi', config)).rejects.toMatchObject({
      code: 'AI_SERVICE_UNAVAILABLE',
      details: { provider: 'vertex', status: 429, attempts: 2 },
    });
  });
});
