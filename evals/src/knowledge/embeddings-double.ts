/**
 * An OpenAI-compatible embeddings endpoint (`POST /v1/embeddings`, the documented wire format:
 * `{ model, input }` → `{ object: "list", data: [{ object: "embedding", index, embedding }], usage }`)
 * for running the retrieval evaluation through the product's remote-embedder path
 * (`CRM_MODEL_PROVIDER=openai-compatible`: HTTP client, batching, the AI call guard, query embedding
 * before the transaction) with no model endpoint reachable.
 *
 * Its vectors are NOT a language model's: a 768-d signed feature-hashed bag of lowercased words with a
 * crude suffix stripper and a stop list, L2-normalised — a classic lexical baseline. Numbers measured
 * through it describe that baseline and the remote path, not any real embedding model.
 *
 *   npx tsx evals/src/knowledge/embeddings-double.ts [--port 8099]   (serves until stopped)
 */
import { createServer, type Server } from 'node:http';
import { pathToFileURL } from 'node:url';

export const DOUBLE_DIMENSIONS = 768;
const STOP = new Set(
  'a an and are as at be by can do does for from has have how i if in is it its me my of on or our should so that the their them they this to was we what when where which who why will with you your'.split(' '),
);

function stem(w: string): string {
  for (const s of ['ing', 'edly', 'ed', 'es', 's', 'ly']) if (w.length > s.length + 3 && w.endsWith(s)) return w.slice(0, -s.length);
  return w;
}

function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/** The double's embedding of one text. */
export function bagOfWordsVector(text: string): number[] {
  const v = new Array<number>(DOUBLE_DIMENSIONS).fill(0);
  for (const raw of text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? []) {
    if (STOP.has(raw)) continue;
    const h = fnv1a(stem(raw));
    v[h % DOUBLE_DIMENSIONS] += h & 0x80000000 ? -1 : 1;
  }
  const norm = Math.hypot(...v) || 1;
  return v.map((x) => x / norm);
}

export interface EmbeddingsDouble {
  url: string;
  requests: () => number;
  close(): Promise<void>;
}

export async function startEmbeddingsDouble(port = 0): Promise<EmbeddingsDouble> {
  let requests = 0;
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (req.method !== 'POST' || !req.url?.endsWith('/embeddings')) {
        res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { message: 'not found' } }));
        return;
      }
      requests++;
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { model: string; input: string | string[] };
      const texts = Array.isArray(body.input) ? body.input : [body.input];
      const tokens = texts.reduce((n, t) => n + String(t).split(/\s+/).length, 0);
      res.writeHead(200, { 'content-type': 'application/json' }).end(
        JSON.stringify({
          object: 'list',
          model: body.model,
          data: texts.map((t, index) => ({ object: 'embedding', index, embedding: bagOfWordsVector(String(t)) })),
          usage: { prompt_tokens: tokens, total_tokens: tokens },
        }),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  const address = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${address.port}/v1`,
    requests: () => requests,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** The environment that points the product's openai-compatible provider at a running double. */
export function doubleProviderEnv(url: string): Record<string, string> {
  return {
    CRM_MODEL_PROVIDER: 'openai-compatible',
    OPENAI_BASE_URL: url,
    OPENAI_API_KEY: 'double',
    OPENAI_CHAT_MODEL: 'double-chat',
    OPENAI_EMBEDDING_MODEL: 'bag-of-words-768',
    OPENAI_EMBEDDING_DIMENSIONS: String(DOUBLE_DIMENSIONS),
  };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const port = Number(process.argv[process.argv.indexOf('--port') + 1] || 8099);
  const d = await startEmbeddingsDouble(process.argv.includes('--port') ? port : 8099);
  process.stdout.write(`embeddings double at ${d.url}\n${Object.entries(doubleProviderEnv(d.url)).map(([k, v]) => `${k}=${v}`).join(' ')}\n`);
}
