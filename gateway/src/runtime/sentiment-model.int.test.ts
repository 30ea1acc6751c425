import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { analyzeSentiment, loadConfig, silentLogger } from '@crm/core';
import { createTenantFixture, sendJson, startHttpDouble, type HttpDouble, databaseOf } from '@crm/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRuntime, type Runtime } from './runtime.ts';

interface ChatBody {
  model?: string;
  messages?: { role: string; content: string }[];
  input?: string | string[];
}

/**
 * SENTIMENT_SCORER=model: the runtime's sentiment subscriber asks the configured chat model (an
 * OpenAI-compatible double here) for each logged interaction and stores its answer; an answer out
 * of shape falls back to the lexicon. Default (lexicon): the model is never asked.
 */
describe('interaction sentiment by the configured chat model (runtime)', { timeout: 300_000 }, () => {
  let dir: string;
  let double: HttpDouble;
  const notes: string[] = [];
  const env = (extra: Record<string, string> = {}) => ({
    CRM_DATA_DIR: path.join(dir, 'data'),
    LOG_LEVEL: 'warn',
    AGENT_FOLLOW_UP_HOURS: '0',
    SCORING_RETRAIN_HOURS: '0',
    CRM_MODEL_PROVIDER: 'openai-compatible',
    OPENAI_BASE_URL: `${double.url}/v1`,
    OPENAI_API_KEY: 'sk-test',
    OPENAI_CHAT_MODEL: 'sentiment-test',
    OPENAI_EMBEDDING_MODEL: 'embed-test',
    OPENAI_EMBEDDING_DIMENSIONS: '8',
    ...extra,
  });

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'crm-sentiment-model-'));
    double = await startHttpDouble();
    double.handle((req, res) => {
      const body = req.body as ChatBody;
      if (body.input !== undefined) {
        const texts = Array.isArray(body.input) ? body.input : [body.input];
        return sendJson(res, 200, { object: 'list', model: 'embed-test', data: texts.map((_t, index) => ({ object: 'embedding', index, embedding: [1, 0, 0, 0, 0, 0, 0, index % 2] })), usage: { prompt_tokens: 1, total_tokens: 1 } });
      }
      const note = body.messages!.at(-1)!.content;
      notes.push(note);
      // the model reads "furious" as very negative (the lexicon would too, less strongly); "garbled" gets an answer out of shape
      const content = note.includes('garbled') ? '{"score": 7, "confidence": "high"}' : JSON.stringify({ score: -0.9, confidence: 0.95, emotions: ['anger', 'frustration'] });
      sendJson(res, 200, { id: 'c1', object: 'chat.completion', created: 1, model: 'sentiment-test', choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop' }], usage: { prompt_tokens: 20, completion_tokens: 10, total_tokens: 30 } });
    });
  });
  afterAll(async () => {
    await double.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  async function logAndWait(runtime: Runtime, content: string) {
    const f = await createTenantFixture(runtime.core, `s${Math.random().toString(36).slice(2, 8)}`);
    const contact = await runtime.core.contacts.create(f.manager, { firstName: 'Mo', lastName: 'Angry', email: `mo-${Date.now()}@sentiment.test` });
    const logged = await runtime.core.interactions.log(f.manager, { contactId: contact.id, type: 'EMAIL', channel: 'EMAIL', direction: 'INBOUND', content });
    for (let i = 0; i < 600; i++) {
      const rows = await databaseOf(runtime.core.db).withTenant(f.tenantId, (em) => em.execute<{ sentiment: unknown }[]>('SELECT sentiment FROM interactions WHERE id = ?', [logged.id]));
      if (rows[0]?.sentiment) return typeof rows[0].sentiment === 'string' ? JSON.parse(rows[0].sentiment) : rows[0].sentiment;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error('no sentiment was stored');
  }

  it('stores the model\'s score; an answer out of shape falls back to the lexicon', async () => {
    const runtime = await createRuntime(loadConfig(env({ SENTIMENT_SCORER: 'model' })), { logger: silentLogger() });
    try {
      await runtime.start();
      const text = 'I am furious: the report was late again and nobody called back.';
      expect(await logAndWait(runtime, text)).toEqual({ score: -0.9, confidence: 0.95, emotions: ['anger', 'frustration'] });
      expect(notes.some((n) => n.includes('I am furious'))).toBe(true);
      const garbled = 'garbled: thanks, the new landing page looks great';
      expect(await logAndWait(runtime, garbled)).toEqual(analyzeSentiment(garbled));
    } finally {
      await runtime.stop();
    }
  });

  it('by default (SENTIMENT_SCORER=lexicon) the model is not asked', async () => {
    const runtime = await createRuntime(loadConfig(env()), { logger: silentLogger() });
    try {
      await runtime.start();
      const before = notes.length;
      const text = 'Lovely call, she is delighted with the results.';
      expect(await logAndWait(runtime, text)).toEqual(analyzeSentiment(text));
      expect(notes.length).toBe(before);
    } finally {
      await runtime.stop();
    }
  });
});
