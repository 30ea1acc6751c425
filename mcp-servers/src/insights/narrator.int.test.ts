/**
 * Narratives by a remote chat model, end to end over MCP: an OpenAI-compatible HTTP double plays
 * the model. Text whose numbers all come from the statistics is used; a number not in them, or no
 * answer in time, keeps the template (and the reason is logged).
 */
import { Writable } from 'node:stream';
import { createLogger, createModelProvider, InMemoryAiUsageStore, loadModelProviderConfig } from '@crm/core';
import { seedPlantedTenant, sendJson, startHttpDouble, testDbKinds, type HttpDouble } from '@crm/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ok, openHarness, type Connected, type Harness } from '../testing/harness.ts';

interface ChatBody {
  messages: { role: string; content: string }[];
}
const facts = (body: ChatBody) =>
  body.messages
    .at(-1)!
    .content.split('\n')
    .filter((l) => l.startsWith('- '))
    .map((l) => l.slice(2));

function completion(content: string) {
  return { id: 'c1', object: 'chat.completion', created: 1, model: 'narrator-test', choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop' }] };
}

describe.each(testDbKinds())('model narratives over MCP (%s)', (kind) => {
  let double: HttpDouble;
  let h: Harness;
  let manager: Connected;
  const logs: Record<string, unknown>[] = [];
  let mode: 'faithful' | 'slow' = 'faithful';

  beforeAll(async () => {
    double = await startHttpDouble();
    double.handle(async (req, res) => {
      const body = req.body as ChatBody;
      const [system] = body.messages;
      if (mode === 'slow') await new Promise((r) => setTimeout(r, 5000));
      if (system.content.includes('JSON object')) {
        const [title, description] = facts(body);
        // A forecast gets an invented number: it must be rejected.
        if (title.startsWith('Deals won next week')) return sendJson(res, 200, completion(JSON.stringify({ title: 'Deals will jump to 987654 next week', description })));
        return sendJson(res, 200, completion('```json\n' + JSON.stringify({ title: `Model: ${title}`, description: `In short: ${description}` }) + '\n```'));
      }
      const [template] = facts(body);
      sendJson(res, 200, completion(`Model summary. ${template}`));
    });
    const provider = await createModelProvider(
      loadModelProviderConfig({ CRM_MODEL_PROVIDER: 'openai-compatible', OPENAI_BASE_URL: `${double.url}/v1`, OPENAI_API_KEY: 'sk-test', OPENAI_CHAT_MODEL: 'narrator-test', OPENAI_EMBEDDING_MODEL: 'bge-small', OPENAI_EMBEDDING_DIMENSIONS: '3' }),
      { usage: new InMemoryAiUsageStore() },
    );
    const destination = new Writable({
      write(chunk: Buffer, _enc, done) {
        for (const line of chunk.toString().split('\n').filter(Boolean)) logs.push(JSON.parse(line) as Record<string, unknown>);
        done();
      },
    });
    h = await openHarness(kind, { narration: { provider, timeoutMs: 3000 }, logger: createLogger({ level: 'warn', destination }) });
    await seedPlantedTenant(h.core, h.f, { now: new Date() });
    manager = await h.connect(h.f.manager, { server: 'insights' });
  }, 120_000);
  afterAll(async () => {
    await h?.close();
    await double.close();
  });

  it('generate_insights: the model rewrites the prose from the statistics; an invented number keeps the template', async () => {
    mode = 'faithful';
    const out = ok<{ insights: { id: string; type: string; title: string; description: string; dataPoints: string[]; narratedBy: string }[] }>(
      await manager.call('generate_insights', { types: ['TREND_ANALYSIS', 'PREDICTIVE_FORECAST'] }),
    );
    const trend = out.insights.find((i) => i.type === 'TREND_ANALYSIS')!;
    expect(trend.narratedBy, JSON.stringify(logs.map((l) => l.reason))).toBe('model');
    expect(trend.title).toMatch(/^Model: /);
    expect(trend.description).toMatch(/^In short: /);
    expect(trend.dataPoints.some((d) => d.startsWith('Mann–Kendall'))).toBe(true);
    const forecast = out.insights.find((i) => i.type === 'PREDICTIVE_FORECAST')!;
    expect(forecast.narratedBy).toBe('template');
    expect(forecast.title).toMatch(/^Deals won next week: about/);
    expect(logs.some((l) => String(l.reason).includes('987654') && String(l.msg).includes('rejected'))).toBe(true);

    const sent = double.requests.map((r) => r.body as ChatBody).find((b) => b.messages.at(-1)!.content.includes('TREND_ANALYSIS'))!;
    expect(sent.messages[0].content).toMatch(/never compute, estimate or invent a number/);
    expect(sent.messages.at(-1)!.content).toContain('Mann–Kendall');
  });

  it('run_report: the model writes the narrative; no answer in time ⇒ the template', async () => {
    mode = 'faithful';
    const narrated = ok<{ narrative: string; narrated_by: string }>(await manager.call('run_report', { type: 'LEAD_PERFORMANCE' }));
    expect(narrated.narrated_by).toBe('model');
    expect(narrated.narrative).toMatch(/^Model summary\. Lead performance/);

    mode = 'slow';
    const late = ok<{ narrative: string; narrated_by: string }>(await manager.call('run_report', { type: 'CAMPAIGN_ANALYSIS' }));
    expect(late.narrated_by).toBe('template');
    expect(late.narrative).toMatch(/^Campaign analysis .*metrics for/);
    expect(logs.some((l) => String(l.reason).includes('no answer within 3000 ms'))).toBe(true);
  });
});
