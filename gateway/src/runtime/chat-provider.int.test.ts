import { execFile } from 'node:child_process';
import fs from 'node:fs';
import type http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { sendJson, startHttpDouble, type HttpDouble, type RecordedRequest } from '@crm/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CRM_BIN as BIN, startCrm, stopCrm } from '../testing/crm-process.ts';

interface ChatRequest {
  model: string;
  stream?: boolean;
  messages: { role: string; content: string | null; tool_calls?: unknown[] }[];
  tools?: { function: { name: string } }[];
}

const contentOf = (m: ChatRequest['messages'][number]) => (typeof m.content === 'string' ? m.content : JSON.stringify(m.content ?? ''));

/**
 * An OpenAI-compatible chat endpoint that answers as a tool-calling model would, in the API's wire
 * format (streamed as server-sent events when asked): the supervisor hands the turn to the crm agent,
 * the agent calls search_contacts, then answers from what the tool returned.
 */
function scriptedChat(body: ChatRequest): { content?: string; toolCall?: { name: string; args: Record<string, unknown> } } {
  const tools = new Set((body.tools ?? []).map((t) => t.function.name));
  const lastUser = body.messages.map((m) => m.role).lastIndexOf('user');
  const user = contentOf(body.messages[lastUser]);
  const since = body.messages.slice(lastUser + 1);
  // the supervisor's handoff is answered by a tool message too ("Handed to the crm agent."): not a CRM result
  const toolResults = since.filter((m) => m.role === 'tool' && !contentOf(m).startsWith('Handed to')).map(contentOf).join('\n');
  const asked = user.replace(/^find\s+/i, '');
  // the record whose e-mail is the one asked for (a substring search can return others too)
  const id = since
    .filter((m) => m.role === 'tool' && !contentOf(m).startsWith('Handed to'))
    .map((m) => recordWithEmail(contentOf(m), asked))
    .find(Boolean);
  if (tools.has('transfer_to_crm')) {
    // the supervisor: hand over first; once the agent has reported, answer from its report
    const reported = since.find((m) => m.role === 'assistant' && !m.tool_calls?.length && m.content);
    if (!reported) return { toolCall: { name: 'transfer_to_crm', args: { request: user } } };
    return { content: `From the CRM: ${contentOf(reported)}` };
  }
  if (tools.has('search_contacts')) {
    if (!toolResults) return { toolCall: { name: 'search_contacts', args: { search: asked } } };
    return { content: id ? `I found the contact [crm://contacts/${id}].` : 'I found nobody by that name.' };
  }
  return { content: 'No tools offered.' };
}

/** The first record of a CSV export as column → value (quoted fields may hold commas, quotes and newlines). */
function firstRecord(csv: string): Record<string, string> {
  const rows: string[][] = [[]];
  let field = '';
  let quoted = false;
  const endField = () => {
    rows[rows.length - 1].push(field);
    field = '';
  };
  for (let i = 0; i < csv.length && rows.length < 3; i++) {
    const ch = csv[i];
    if (quoted) {
      if (ch === '"' && csv[i + 1] === '"') {
        field += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') endField();
    else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && csv[i + 1] === '\n') i++;
      endField();
      rows.push([]);
    } else field += ch;
  }
  const [header, values] = rows;
  return Object.fromEntries(header.map((h, i) => [h, values[i] ?? '']));
}

/**
 * The id of the contact whose `email` is `email` in a tool message (provenance line, then the MCP
 * text content whose JSON is itself escaped inside it).
 */
function recordWithEmail(text: string, email: string): string | undefined {
  const flat = text.replace(/\\"/g, '"');
  const escaped = email.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`\\{"id":"([0-9a-f-]{36})"[^{}]*"email":"${escaped}"`).exec(flat)?.[1];
}

let completions = 0;

function reply(req: RecordedRequest, res: http.ServerResponse): void {
  const body = req.body as ChatRequest;
  const out = scriptedChat(body);
  const toolCalls = out.toolCall ? [{ index: 0, id: `call_${Math.random().toString(36).slice(2, 10)}`, type: 'function', function: { name: out.toolCall.name, arguments: JSON.stringify(out.toolCall.args) } }] : undefined;
  const finish = toolCalls ? 'tool_calls' : 'stop';
  const usage = { prompt_tokens: 40, completion_tokens: 8, total_tokens: 48 };
  // a fresh id per completion, as the API gives (LangChain keys messages by it)
  const id = `chatcmpl-${++completions}`;
  if (!body.stream) {
    sendJson(res, 200, {
      id,
      object: 'chat.completion',
      created: 1,
      model: body.model,
      choices: [{ index: 0, message: { role: 'assistant', content: out.content ?? null, ...(toolCalls ? { tool_calls: toolCalls.map(({ index: _i, ...c }) => c) } : {}) }, finish_reason: finish }],
      usage,
    });
    return;
  }
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  const chunk = (delta: Record<string, unknown>, finishReason: string | null, extra: Record<string, unknown> = {}) =>
    res.write(`data: ${JSON.stringify({ id, object: 'chat.completion.chunk', created: 1, model: body.model, choices: [{ index: 0, delta, finish_reason: finishReason }], ...extra })}\n\n`);
  chunk({ role: 'assistant', content: '' }, null);
  if (toolCalls) chunk({ tool_calls: toolCalls }, null);
  // the answer in two pieces: the assistant streams tokens as they come
  else for (const piece of [out.content!.slice(0, 12), out.content!.slice(12)]) chunk({ content: piece }, null);
  chunk({}, finish);
  res.write(`data: ${JSON.stringify({ id, object: 'chat.completion.chunk', created: 1, model: body.model, choices: [], usage })}\n\n`);
  res.end('data: [DONE]\n\n');
}

/** CRM_MODEL_PROVIDER=openai-compatible drives `crm chat`: the supervisor graph runs on the real (doubled) model through the MCP tools. */
describe('crm chat on a remote chat model (OpenAI-compatible wire format) with durable conversations', () => {
  let dir: string;
  let openai: HttpDouble;
  let env: NodeJS.ProcessEnv;
  const crm = (...args: string[]) =>
    new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) => {
      // asynchronous: the double answers from this process's event loop
      execFile(process.execPath, [BIN, ...args], { env, encoding: 'utf8', timeout: 240_000, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) =>
        resolve({ status: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
      );
    });

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'crm-chat-provider-'));
    openai = await startHttpDouble();
    openai.handle((req, res) => {
      if (req.path.endsWith('/chat/completions')) return reply(req, res);
      const { input } = req.body as { input: string[] | string };
      const texts = Array.isArray(input) ? input : [input];
      sendJson(res, 200, { object: 'list', model: 'embed-768', data: texts.map((t, index) => ({ object: 'embedding', index, embedding: Array.from({ length: 768 }, (_v, j) => ((String(t).length + j) % 5 === 0 ? 1 : 0.02)) })), usage: { prompt_tokens: 3, total_tokens: 3 } });
    });
    env = {
      ...process.env,
      CRM_DATA_DIR: path.join(dir, 'data'),
      DATABASE_URL: '',
      LOG_LEVEL: 'warn',
      CRM_MODEL_PROVIDER: 'openai-compatible',
      OPENAI_BASE_URL: `${openai.url}/v1`,
      OPENAI_CHAT_MODEL: 'chat-test',
      OPENAI_EMBEDDING_MODEL: 'embed-768',
      OPENAI_EMBEDDING_DIMENSIONS: '768',
    };
    const seeded = await crm('seed', '--demo', '--contacts', '20', '--no-knowledge');
    expect(seeded.status, seeded.stderr).toBe(0);
  }, 400_000);

  afterAll(async () => {
    await openai?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('routes, calls search_contacts through MCP, answers with the model text and the citation; a later process continues the thread', async () => {
    const exported = await crm('export', 'contacts', '-');
    expect(exported.status, exported.stderr).toBe(0);
    // the e-mail address names one contact (the demo's names are drawn at random)
    const record = firstRecord(exported.stdout);
    const name = record.email;
    const contactId = record.id;
    expect(name).toMatch(/@/);
    expect(contactId).toMatch(/^[0-9a-f-]{36}$/);

    openai.requests.length = 0;
    const turn = await crm('chat', '--message', `Find ${name}`, '--json', '--thread', 'lead-review');
    expect(turn.status, turn.stderr).toBe(0);
    const result = JSON.parse(turn.stdout) as { answer: string; citations: string[]; toolCalls: { tool: string; ok: boolean; args: Record<string, unknown> }[]; offline: boolean };
    expect(result.offline).toBe(false);
    expect(result.toolCalls).toEqual([expect.objectContaining({ tool: 'search_contacts', ok: true, args: { search: name } })]);
    expect(result.answer).toBe(`From the CRM: I found the contact [crm://contacts/${contactId}].`);
    expect(result.citations).toEqual([`crm://contacts/${contactId}`]);

    const chats = openai.requests.filter((r) => r.path.endsWith('/chat/completions')).map((r) => r.body as ChatRequest);
    // supervisor → crm agent (tool call) → crm agent (answer) → supervisor (answer)
    expect(chats.map((c) => (c.tools ?? []).some((t) => t.function.name === 'transfer_to_crm'))).toEqual([true, false, false, true]);
    expect(chats.every((c) => c.model === 'chat-test')).toBe(true);
    // the agent saw only its own tools, and the tool result it read came from the CRM through MCP
    expect(chats[1].tools!.map((t) => t.function.name)).toContain('search_contacts');
    expect(chats[1].tools!.map((t) => t.function.name)).not.toContain('transfer_to_crm');
    const toolMessage = chats[2].messages.find((m) => m.role === 'tool' && !contentOf(m).startsWith('Handed to'));
    expect(contentOf(toolMessage!)).toContain(contactId);

    // a new process, the same thread: the model is sent the earlier turn from the stored conversation
    openai.requests.length = 0;
    const again = await crm('chat', '--message', `Find ${name}`, '--json', '--thread', 'lead-review');
    expect(again.status, again.stderr).toBe(0);
    const firstCall = openai.requests.find((r) => r.path.endsWith('/chat/completions'))!.body as ChatRequest;
    const users = firstCall.messages.filter((m) => m.role === 'user').map(contentOf);
    expect(users).toEqual([`Find ${name}`, `Find ${name}`]);
    expect(firstCall.messages.some((m) => m.role === 'assistant' && contentOf(m).includes(`crm://contacts/${contactId}`))).toBe(true);

    // another thread starts empty
    openai.requests.length = 0;
    expect((await crm('chat', '--message', `Find ${name}`, '--json', '--thread', 'other')).status).toBe(0);
    const fresh = openai.requests.find((r) => r.path.endsWith('/chat/completions'))!.body as ChatRequest;
    expect(fresh.messages.filter((m) => m.role === 'user')).toHaveLength(1);
  }, 400_000);

  it('crm start answers REST chat with the same model; the thread continues on the next request', async () => {
    const token = await crm('token', 'create', '--role', 'SALES_MANAGER');
    expect(token.status, token.stderr).toBe(0);
    const exported = await crm('export', 'contacts', '-');
    const { email, id: contactId } = firstRecord(exported.stdout);
    const { proc, url, out } = await startCrm(env);
    try {
      expect(out).toMatch(/Assistant\s+\S+\/api\/v1\/chat and \/ws\s+\(chat model: openai-compatible/);
      const ask = async (message: string) => {
        const res = await fetch(`${url}/api/v1/chat`, {
          method: 'POST',
          headers: { authorization: `Bearer ${token.stdout.trim()}`, 'content-type': 'application/json' },
          body: JSON.stringify({ message, threadId: 'rest-thread' }),
        });
        expect(res.status).toBe(200);
        return (await res.json()) as { answer: string; citations: string[]; offline: boolean };
      };
      openai.requests.length = 0;
      const one = await ask(`Find ${email}`);
      expect(one).toMatchObject({ answer: `From the CRM: I found the contact [crm://contacts/${contactId}].`, citations: [`crm://contacts/${contactId}`], offline: false });
      openai.requests.length = 0;
      await ask(`Find ${email}`);
      const firstCall = openai.requests.find((r) => r.path.endsWith('/chat/completions'))!.body as ChatRequest;
      expect(firstCall.messages.filter((m) => m.role === 'user')).toHaveLength(2);
    } finally {
      await stopCrm(proc);
    }
  }, 400_000);
});
