import { execFile, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sendJson, startHttpDouble, startPineconeDouble, TEST_TLS_CERT, type HttpDouble, type PineconeDouble } from '@crm/core/testing';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { CRM_BIN as BIN, startCrm, stopCrm } from '../testing/crm-process.ts';

const DIMS = 768;
const vector = (text: string) => Array.from({ length: DIMS }, (_v, j) => ((text.length + j) % 7 === 0 ? 1 : 0.01));

/**
 * CRM_MODEL_PROVIDER and CRM_VECTOR_STORE select what the real `crm` processes use: each remote
 * provider is pointed at a local double of its API, which must receive the calls.
 */
describe('model providers and vector stores selected by configuration (real crm processes)', () => {
  let dir: string;
  let ollama: HttpDouble;
  let openai: HttpDouble;
  let vertex: HttpDouble;
  let pinecone: PineconeDouble;
  let doc: string;
  const procs: ChildProcess[] = [];

  const baseEnv = () => ({ ...process.env, CRM_DATA_DIR: path.join(dir, 'data'), DATABASE_URL: '', LOG_LEVEL: 'warn', CRM_MODEL_PROVIDER: '' });
  // asynchronous on purpose: the doubles answer from this process's event loop, which spawnSync would block
  const crm = (env: Record<string, string>, ...args: string[]) =>
    new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) => {
      execFile(process.execPath, [BIN, ...args], { env: { ...baseEnv(), ...env }, encoding: 'utf8', timeout: 240_000, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) =>
        resolve({ status: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
      );
    });

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'crm-providers-'));
    fs.writeFileSync(path.join(dir, 'ca.pem'), TEST_TLS_CERT);
    doc = path.join(dir, 'retainer-terms.md');
    fs.writeFileSync(doc, '# Retainer terms\n\n## Notice period\n\nEither side may end a monthly retainer with 30 days written notice.\n');
    ollama = await startHttpDouble();
    ollama.handle((req, res) => {
      const { input } = req.body as { input: string[] | string };
      const texts = Array.isArray(input) ? input : [input];
      sendJson(res, 200, { model: 'nomic-embed-text', embeddings: texts.map(vector), prompt_eval_count: texts.length });
    });
    openai = await startHttpDouble();
    openai.handle((req, res) => {
      const { input } = req.body as { input: string[] | string };
      const texts = Array.isArray(input) ? input : [input];
      sendJson(res, 200, { object: 'list', model: 'embed-768', data: texts.map((t, index) => ({ object: 'embedding', index, embedding: vector(String(t)) })), usage: { prompt_tokens: 3, total_tokens: 3 } });
    });
    vertex = await startHttpDouble({ tls: true });
    vertex.handle((req, res) => {
      const { instances } = req.body as { instances: { content: string }[] };
      sendJson(res, 200, { predictions: instances.map((i) => ({ embeddings: { values: vector(i.content), statistics: { token_count: 3, truncated: false } } })) });
    });
    pinecone = await startPineconeDouble({ apiKey: 'pc-test-key', dimension: DIMS });
    const seeded = await crm({}, 'seed', '--demo', '--contacts', '20', '--no-knowledge');
    expect(seeded.status, seeded.stderr).toBe(0);
  });

  afterAll(async () => {
    for (const p of procs) p.kill('SIGKILL');
    await Promise.all([ollama?.close(), openai?.close(), vertex?.close(), pinecone?.close()]);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const providers = (): { name: string; double: HttpDouble; env: Record<string, string>; path: string }[] => [
    { name: 'ollama', double: ollama, env: { CRM_MODEL_PROVIDER: 'ollama', OLLAMA_BASE_URL: ollama.url }, path: '/api/embed' },
    {
      name: 'openai-compatible',
      double: openai,
      env: { CRM_MODEL_PROVIDER: 'openai-compatible', OPENAI_BASE_URL: `${openai.url}/v1`, OPENAI_CHAT_MODEL: 'chat', OPENAI_EMBEDDING_MODEL: 'embed-768', OPENAI_EMBEDDING_DIMENSIONS: '768' },
      path: '/v1/embeddings',
    },
    {
      name: 'vertex',
      double: vertex,
      env: { CRM_MODEL_PROVIDER: 'vertex', VERTEX_PROJECT: 'crm-test', VERTEX_API_ENDPOINT: vertex.host, VERTEX_ACCESS_TOKEN: 'ya29.test', NODE_EXTRA_CA_CERTS: path.join(dir, 'ca.pem') },
      path: 'text-embedding-005:predict',
    },
  ];

  it('crm kb add and kb search embed through the selected provider', async () => {
    for (const p of providers()) {
      p.double.requests.length = 0;
      // a tenant of its own per provider (switching the provider of one tenant: the next test)
      const own = { ...p.env, CRM_DATA_DIR: path.join(dir, `data-${p.name}`) };
      const seeded = await crm(own, 'seed', '--demo', '--contacts', '5', '--no-knowledge');
      expect(seeded.status, `${p.name}: ${seeded.stderr}`).toBe(0);
      Object.assign(p.env, own);
      const added = await crm(p.env, 'kb', 'add', doc, '--json');
      expect(added.status, `${p.name}: ${added.stderr}`).toBe(0);
      const found = await crm(p.env, 'kb', 'search', 'how much notice to end a retainer', '--json', '--mode', 'vector');
      expect(found.status, `${p.name}: ${found.stderr}`).toBe(0);
      const res = JSON.parse(found.stdout) as { results: { title: string }[]; warning?: string };
      expect(res.warning, p.name).toBeUndefined();
      expect(res.results[0]?.title, p.name).toBe('Retainer terms');
      expect(p.double.requests.filter((r) => r.path.includes(p.path)).length, p.name).toBeGreaterThanOrEqual(2);
    }
  }, 400_000); // spawns many crm processes: minutes on a loaded 2-core machine

  it('crm start with another provider re-embeds an existing tenant in the background; search works throughout', async () => {
    const own = { CRM_DATA_DIR: path.join(dir, 'data-switch') };
    expect((await crm(own, 'seed', '--demo', '--contacts', '5', '--no-knowledge')).status).toBe(0);
    expect((await crm(own, 'kb', 'add', doc)).status).toBe(0); // embedded by the local model
    ollama.requests.length = 0;
    const env = { ...own, CRM_MODEL_PROVIDER: 'ollama', OLLAMA_BASE_URL: ollama.url };
    const { proc } = await start(env);
    try {
      const search = async (mode: string) => {
        const r = await crm(env, 'kb', 'search', 'how much notice to end a retainer', '--json', '--type', 'document', '--mode', mode);
        expect(r.status, r.stderr).toBe(0);
        return JSON.parse(r.stdout) as { results: { title: string }[] };
      };
      expect((await search('hybrid')).results[0]?.title).toBe('Retainer terms'); // never broken, whatever the vectors
      const end = Date.now() + 180_000;
      while ((await search('vector')).results[0]?.title !== 'Retainer terms') {
        if (Date.now() > end) throw new Error('the tenant was not re-embedded with the new provider');
        await new Promise((r) => setTimeout(r, 1000));
      }
      // the document's chunks went through the new provider's embedding API
      const embedded = ollama.requests.filter((r) => r.path === '/api/embed').flatMap((r) => [(r.body as { input: string | string[] }).input].flat());
      expect(embedded.some((text) => /notice/i.test(text))).toBe(true);
    } finally {
      await stop(proc);
    }
  });

  it('CRM_VECTOR_STORE=pinecone writes and queries vectors in Pinecone', async () => {
    const env = { ...providers()[0].env, CRM_VECTOR_STORE: 'pinecone', PINECONE_API_KEY: 'pc-test-key', PINECONE_INDEX_HOST: pinecone.url };
    const other = path.join(dir, 'sla.md');
    fs.writeFileSync(other, '# Support SLA\n\nUrgent tickets get an answer within four working hours.\n');
    expect((await crm(env, 'kb', 'add', other)).status).toBe(0);
    const found = await crm(env, 'kb', 'search', 'urgent ticket answer time', '--json', '--mode', 'vector');
    expect(found.status, found.stderr).toBe(0);
    expect(pinecone.requests.some((r) => r.path === '/vectors/upsert')).toBe(true);
    expect(pinecone.requests.some((r) => r.path === '/query')).toBe(true);
    expect(pinecone.requests.every((r) => r.apiKey === 'pc-test-key')).toBe(true);
  });

  const start = (env: Record<string, string>) => startCrm({ ...baseEnv(), ...env }, { started: (proc) => procs.push(proc) });
  const stop = (proc: ChildProcess) => stopCrm(proc);

  it('crm start probes the configured provider, prints it, and /health reports each dependency', async () => {
    ollama.requests.length = 0;
    // a maintenance pass of the embedded database 0.6 s after start (logged at info)
    const { proc, url, out } = await start({ ...providers()[0].env, PGLITE_MAINTENANCE_MINUTES: '0.01', LOG_LEVEL: 'info' });
    let stderr = '';
    proc.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    try {
      expect(out).toMatch(/Model provider\s+ollama:http/);
      expect(ollama.requests.some((r) => r.path === '/api/embed')).toBe(true);
      const health = (await (await fetch(`${url}/health`)).json()) as Record<string, any>;
      expect(health.checks.modelProvider).toMatchObject({ status: 'ok', active: expect.stringContaining('ollama') });
      expect(health.checks.database).toMatchObject({ status: 'ok', kind: 'pglite' });
      expect(health.checks.services.map((s: { name: string }) => s.name)).toEqual(['lead-scoring', 'workflow-engine', 'assistant', 'auth-cache', 'embedded-maintenance', 'knowledge-refresh', 'scheduler', 'outbox']);
      // the process that owns the embedded database vacuums and analyses it (PGlite has no autovacuum)
      await vi.waitFor(() => expect(out + stderr).toMatch(/"msg":"embedded database maintenance pass"/), { timeout: 120_000, interval: 200 });
      const pass = JSON.parse((out + stderr).split('\n').find((l) => l.includes('"msg":"embedded database maintenance pass"'))!);
      expect(pass.tables).toBeGreaterThan(20);
      expect(pass.analyzed).toBeGreaterThan(0);
      // /health says when the last pass ran and what it did
      const after = (await (await fetch(`${url}/health`)).json()) as { checks: { services: { name: string; detail?: string }[] } };
      expect(after.checks.services.find((s) => s.name === 'embedded-maintenance')?.detail).toMatch(/^last pass .*: \d+ tables, \d+ analysed, \d+ ms, longest statement [\d.]+ ms$/);
    } finally {
      await stop(proc);
    }
  });

  it('an unreachable provider at start: a clear warning, degraded health, and the local provider answers', async () => {
    const { proc, url, out } = await start({ CRM_MODEL_PROVIDER: 'ollama', OLLAMA_BASE_URL: 'http://127.0.0.1:9', LOG_LEVEL: 'warn' });
    try {
      expect(out).toMatch(/DEGRADED: configured ollama/);
      expect(out).toMatch(/model provider unreachable/);
      const health = (await (await fetch(`${url}/health`)).json()) as Record<string, any>;
      expect(health.status).toBe('degraded');
      expect(health.checks.modelProvider).toMatchObject({ status: 'degraded', active: expect.stringMatching(/^local:/) });
      expect(JSON.stringify(health)).not.toMatch(/ECONNREFUSED.*at /); // no stack in health
    } finally {
      await stop(proc);
    }
  });
});
