import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { TEST_TLS_CERT, TEST_TLS_KEY } from './tls.fixture.ts';

/** One request the double received. */
export interface RecordedRequest {
  method: string;
  path: string;
  headers: http.IncomingHttpHeaders;
  /** Parsed JSON body, or the raw text when it is not JSON. */
  body: unknown;
}

export type Handler = (req: RecordedRequest, res: http.ServerResponse) => void | Promise<void>;

export interface HttpDouble {
  /** `http://127.0.0.1:PORT` (or https://localhost:PORT). */
  url: string;
  /** `host:port`, for clients that take a host rather than a URL. */
  host: string;
  requests: RecordedRequest[];
  /** Replace the handler (per test). */
  handle(handler: Handler): void;
  close(): Promise<void>;
}

export function sendJson(res: http.ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

/** Newline-delimited JSON, the way Ollama streams. */
export function sendNdjson(res: http.ServerResponse, lines: unknown[]): void {
  res.writeHead(200, { 'content-type': 'application/x-ndjson' });
  for (const line of lines) res.write(`${JSON.stringify(line)}\n`);
  res.end();
}

/**
 * A local stand-in for a model provider's REST API: records every request and answers with
 * the current handler. `tls: true` serves HTTPS with the test certificate (for clients such as
 * the Vertex AI one that always use https).
 */
export async function startHttpDouble(options: { tls?: boolean } = {}): Promise<HttpDouble> {
  let handler: Handler = (_req, res) => sendJson(res, 404, { error: 'no handler' });
  const requests: RecordedRequest[] = [];
  const listener = (req: http.IncomingMessage, res: http.ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      let body: unknown = text;
      try {
        body = text ? JSON.parse(text) : undefined;
      } catch {
        // not JSON: keep the text
      }
      const recorded = { method: req.method ?? 'GET', path: req.url ?? '/', headers: req.headers, body };
      requests.push(recorded);
      Promise.resolve()
        .then(() => handler(recorded, res))
        .catch((err) => {
        if (!res.headersSent) sendJson(res, 500, { error: String(err) });
      });
    });
  };
  const server = options.tls ? https.createServer({ key: TEST_TLS_KEY, cert: TEST_TLS_CERT }, listener) : http.createServer(listener);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const host = options.tls ? `localhost:${port}` : `127.0.0.1:${port}`;
  return {
    url: `${options.tls ? 'https' : 'http'}://${host}`,
    host,
    requests,
    handle(next) {
      handler = next;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
