import { randomUUID } from 'node:crypto';
import { AIMessage, HumanMessage, ToolMessage } from '@langchain/core/messages';
import { RunnableLambda } from '@langchain/core/runnables';
import { tool } from '@langchain/core/tools';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { withAiTenant } from './ai-call-guard.ts';
import { InMemoryAiUsageStore } from './ai-usage.ts';
import { createModelProvider } from './create-model-provider.ts';
import { sendJson, startHttpDouble, type HttpDouble, type RecordedRequest } from './http-double.fixture.ts';
import { loadModelProviderConfig } from './model-provider.config.ts';

const TENANT = randomUUID();

const searchContacts = tool(async ({ query }) => `found ${query}`, {
  name: 'search_contacts',
  description: 'Search contacts by name, email or company',
  schema: z.object({ query: z.string().describe('free text') }),
});

function completion(message: Record<string, unknown>, usage?: { prompt_tokens: number; completion_tokens: number }) {
  return {
    id: 'chatcmpl-1',
    object: 'chat.completion',
    created: 1_700_000_000,
    model: 'qwen2.5-7b-instruct',
    choices: [{ index: 0, message: { role: 'assistant', ...message }, finish_reason: message.tool_calls ? 'tool_calls' : 'stop' }],
    ...(usage ? { usage: { ...usage, total_tokens: usage.prompt_tokens + usage.completion_tokens } } : {}),
  };
}

describe('openai-compatible provider against a /v1 double', () => {
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

  const provider = () =>
    createModelProvider(
      loadModelProviderConfig({
        CRM_MODEL_PROVIDER: 'openai-compatible',
        OPENAI_BASE_URL: `${double.url}/v1`,
        OPENAI_API_KEY: 'sk-test',
        OPENAI_CHAT_MODEL: 'qwen2.5-7b-instruct',
        OPENAI_EMBEDDING_MODEL: 'bge-small',
        OPENAI_EMBEDDING_DIMENSIONS: '3',
        AI_COST_PER_1K_INPUT_TOKENS: '0.5',
        AI_COST_PER_1K_OUTPUT_TOKENS: '1.5',
      }),
      { usage },
    );

  it('calls a tool and completes the round trip with the tool result', async () => {
    double.handle((req, res) => {
      const body = req.body as { messages: { role: string }[] };
      const last = body.messages.at(-1)!;
      if (last.role === 'tool') return sendJson(res, 200, completion({ content: 'Acme Corp has 2 contacts.' }, { prompt_tokens: 60, completion_tokens: 8 }));
      sendJson(
        res,
        200,
        completion(
          { content: null, tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'search_contacts', arguments: '{"query":"acme"}' } }] },
          { prompt_tokens: 42, completion_tokens: 7 },
        ),
      );
    });
    const model = (await provider()).chat()!.bindTools!([searchContacts]);
    const config = { configurable: { tenantId: TENANT } };
    const question = new HumanMessage('Who do we know at Acme?');

    const ai = (await model.invoke([question], config)) as AIMessage;
    expect(ai.tool_calls).toEqual([expect.objectContaining({ id: 'call_1', name: 'search_contacts', args: { query: 'acme' } })]);
    expect(ai.usage_metadata).toMatchObject({ input_tokens: 42, output_tokens: 7 });

    const first = double.requests[0];
    expect(first).toMatchObject({ method: 'POST', path: '/v1/chat/completions' });
    expect(first.headers.authorization).toBe('Bearer sk-test');
    const sent = first.body as { model: string; messages: { role: string; content: string }[]; tools: { type: string; function: { name: string; parameters: { properties: object } } }[] };
    expect(sent.model).toBe('qwen2.5-7b-instruct');
    expect(sent.messages).toEqual([{ role: 'user', content: 'Who do we know at Acme?' }]);
    expect(sent.tools).toEqual([
      expect.objectContaining({ type: 'function', function: expect.objectContaining({ name: 'search_contacts', parameters: expect.objectContaining({ properties: { query: expect.any(Object) } }) }) }),
    ]);

    const result = await searchContacts.invoke(ai.tool_calls![0]);
    expect(result).toBeInstanceOf(ToolMessage);
    const final = await model.invoke([question, ai, result], config);
    expect(final.content).toBe('Acme Corp has 2 contacts.');
    const second = double.requests[1].body as { messages: Record<string, unknown>[] };
    expect(second.messages.at(-2)).toMatchObject({ role: 'assistant', tool_calls: [expect.objectContaining({ id: 'call_1' })] });
    expect(second.messages.at(-1)).toMatchObject({ role: 'tool', tool_call_id: 'call_1', content: 'found acme' });

    // provider-reported usage, priced: (42+60)/1000*0.5 + (7+8)/1000*1.5
    const [row] = await usage.usageFor(TENANT);
    expect(row).toMatchObject({ provider: 'openai-compatible', model: 'qwen2.5-7b-instruct', inputTokens: 102, outputTokens: 15, estimatedTokens: 0, calls: 2 });
    expect(row.cost).toBeCloseTo(0.0735, 6);
  });

  it('estimates usage at chars/4 and flags it when the server reports none', async () => {
    double.handle((_req, res) => sendJson(res, 200, completion({ content: 'x'.repeat(40) })));
    const p = await provider();
    await withAiTenant(TENANT, () => p.chat()!.invoke('y'.repeat(400)));
    const [row] = await usage.usageFor(TENANT);
    expect(row).toMatchObject({ inputTokens: 100, outputTokens: 10, estimatedTokens: 110, calls: 1 });
  });

  it('embeds documents and a query through /v1/embeddings', async () => {
    double.handle((req, res) => {
      const { input } = req.body as { input: string | string[] };
      sendJson(res, 200, {
        object: 'list',
        model: 'bge-small',
        data: [input].flat().map((_t, i) => ({ object: 'embedding', index: i, embedding: [i, 0.5, -1] })),
        usage: { prompt_tokens: 9, total_tokens: 9 },
      });
    });
    const p = (await provider());
    expect(p.embeddings).toMatchObject({ id: 'openai-compatible:bge-small:3', dimensions: 3 });
    const e = p.embeddingsFor(TENANT);
    expect(await e.embedDocuments(['pricing tiers', 'onboarding checklist'])).toEqual([
      [0, 0.5, -1],
      [1, 0.5, -1],
    ]);
    expect(await e.embedQuery('what does onboarding cost?')).toEqual([0, 0.5, -1]);
    const req = double.requests[0] as RecordedRequest & { body: Record<string, unknown> };
    expect(req.path).toBe('/v1/embeddings');
    expect(req.body).toMatchObject({ model: 'bge-small', input: ['pricing tiers', 'onboarding checklist'], encoding_format: 'float', dimensions: 3 });
    expect((double.requests[1].body as { input: string }).input).toBe('what does onboarding cost?');
    const [row] = await usage.usageFor(TENANT);
    expect(row).toMatchObject({ model: 'bge-small', calls: 2, outputTokens: 0, estimatedTokens: row.inputTokens });
    expect(row.inputTokens).toBe(Math.ceil('pricing tiersonboarding checklist'.length / 4) + Math.ceil('what does onboarding cost?'.length / 4));
  });

  it('refuses a vector of the wrong size, naming the variable to fix', async () => {
    double.handle((_req, res) => sendJson(res, 200, { object: 'list', data: [{ object: 'embedding', index: 0, embedding: [1, 2] }] }));
    await expect((await provider()).embeddingsFor(TENANT).embedQuery('x')).rejects.toMatchObject({
      code: 'VALIDATION_FAILED',
      details: [expect.objectContaining({ path: 'OPENAI_EMBEDDING_DIMENSIONS' })],
    });
  });

  it('streams server-sent chunks through the guard and records the final usage chunk', async () => {
    double.handle((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      const chunk = (delta: object, extra: object = {}) =>
        res.write(`data: ${JSON.stringify({ id: 'c1', object: 'chat.completion.chunk', created: 1, model: 'qwen2.5-7b-instruct', choices: [{ index: 0, delta, finish_reason: null }], ...extra })}\n\n`);
      chunk({ role: 'assistant', content: 'Hel' });
      chunk({ content: 'lo' });
      res.write(`data: ${JSON.stringify({ id: 'c1', object: 'chat.completion.chunk', created: 1, model: 'm', choices: [], usage: { prompt_tokens: 4, completion_tokens: 2, total_tokens: 6 } })}\n\n`);
      res.end('data: [DONE]\n\n');
    });
    let text = '';
    for await (const c of await (await provider()).chat()!.stream('hi', { configurable: { tenantId: TENANT } })) text += c.content;
    expect(text).toBe('Hello');
    expect(double.requests[0].body).toMatchObject({ stream: true, stream_options: { include_usage: true } });
    expect((await usage.usageFor(TENANT))[0]).toMatchObject({ inputTokens: 4, outputTokens: 2, estimatedTokens: 0, calls: 1 });
  });

  it('takes the tenant from the enclosing LangChain run (as in a LangGraph node) and keeps structured output guarded', async () => {
    double.handle((_req, res) =>
      sendJson(res, 200, completion({ content: null, tool_calls: [{ id: 'c', type: 'function', function: { name: 'extract', arguments: '{"company":"Acme"}' } }] }, { prompt_tokens: 5, completion_tokens: 5 })),
    );
    const extractor = (await provider()).chat()!.withStructuredOutput(z.object({ company: z.string() }), { name: 'extract', method: 'functionCalling' });
    const node = RunnableLambda.from(async (text: string) => extractor.invoke(text)); // no config passed on
    expect(await node.invoke('Jane works at Acme', { configurable: { tenantId: TENANT } })).toEqual({ company: 'Acme' });
    expect((await usage.usageFor(TENANT))[0]).toMatchObject({ inputTokens: 5, outputTokens: 5, calls: 1 });
  });

  it('refuses a call with no tenant to account it to', async () => {
    await expect((await provider()).chat()!.invoke('hi')).rejects.toMatchObject({ code: 'PERMISSION_DENIED' });
    await expect((await provider()).embeddings.embedQuery('hi')).rejects.toMatchObject({ code: 'PERMISSION_DENIED' });
    expect(double.requests).toHaveLength(0);
  });
});
