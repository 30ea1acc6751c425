import type { Readable, Writable } from 'node:stream';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { JSONRPCMessageSchema, type JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';

/** The SDK's limit for one buffered message (STDIO_DEFAULT_MAX_BUFFER_SIZE). */
const MAX_BUFFER = 10 * 1024 * 1024;

/**
 * The SDK's stdio transport, except that a line which is not a JSON-RPC message gets the answer
 * JSON-RPC 2.0 prescribes instead of silence (the SDK reports it to `onerror` and drops it): -32700
 * Parse error for a line that is not JSON, -32600 Invalid Request for JSON that is no JSON-RPC
 * message, both with id null unless the line named a request id. An empty line is no message and
 * gets no answer. Either way the next line is served as usual.
 */
export class JsonRpcStdioServerTransport extends StdioServerTransport {
  private buffer: Buffer | undefined;
  /** Ids of the client's requests that have no response yet (see {@link idle}). */
  private readonly unanswered = new Set<string | number>();
  private idleWaiters: (() => void)[] = [];

  constructor(stdin?: Readable, stdout?: Writable) {
    super(stdin, stdout);
    // start() and close() attach and detach `_ondata`; ours splits the lines itself, so it sees
    // the line a parse failed on
    this._ondata = (chunk: Buffer) => {
      this.buffer = this.buffer ? Buffer.concat([this.buffer, chunk]) : chunk;
      if (this.buffer.length > MAX_BUFFER && this.buffer.indexOf('\n') === -1) {
        this.buffer = undefined;
        this.onerror?.(new Error(`a message on stdin is longer than ${MAX_BUFFER} bytes`));
        this.close().catch(() => {});
        return;
      }
      let nl: number;
      while (this.buffer && (nl = this.buffer.indexOf('\n')) !== -1) {
        const line = this.buffer.toString('utf8', 0, nl).replace(/\r$/, '');
        this.buffer = this.buffer.subarray(nl + 1);
        this.receive(line);
      }
    };
  }

  override async close(): Promise<void> {
    this.buffer = undefined;
    this.unanswered.clear();
    this.wakeIdle();
    await super.close();
  }

  override async send(message: JSONRPCMessage): Promise<void> {
    try {
      await super.send(message);
    } finally {
      const m = message as { id?: unknown; method?: unknown };
      if (m.method === undefined && (typeof m.id === 'string' || typeof m.id === 'number') && this.unanswered.delete(m.id)) this.wakeIdle();
    }
  }

  /**
   * Resolves once every request the client sent has been answered (a cancelled one counts as
   * answered: the SDK sends nothing for it), or after `maxMs`. A client that pipes its requests
   * and closes stdin (`printf … | crm mcp …`) still gets every answer.
   */
  idle(maxMs: number): Promise<void> {
    if (this.unanswered.size === 0) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(done, maxMs);
      timer.unref();
      const waiters = this.idleWaiters;
      function done() {
        clearTimeout(timer);
        const i = waiters.indexOf(done);
        if (i !== -1) waiters.splice(i, 1);
        resolve();
      }
      waiters.push(done);
    });
  }

  private wakeIdle(): void {
    if (this.unanswered.size > 0) return;
    for (const wake of this.idleWaiters.splice(0)) wake();
  }

  private track(message: JSONRPCMessage): void {
    const m = message as { id?: unknown; method?: unknown; params?: { requestId?: unknown } };
    if (typeof m.method !== 'string') return;
    if (typeof m.id === 'string' || typeof m.id === 'number') this.unanswered.add(m.id);
    else if (m.method === 'notifications/cancelled') {
      const id = m.params?.requestId;
      if ((typeof id === 'string' || typeof id === 'number') && this.unanswered.delete(id)) this.wakeIdle();
    }
  }

  private receive(line: string): void {
    if (line.trim() === '') return;
    let json: unknown;
    try {
      json = JSON.parse(line);
    } catch (err) {
      this.onerror?.(err as Error);
      this.refuse(null, -32700, 'Parse error: the line is not valid JSON', { reason: (err as Error).message });
      return;
    }
    const parsed = JSONRPCMessageSchema.safeParse(json);
    if (!parsed.success) {
      const invalid = new Error(`Invalid Request: ${whyInvalid(json)}`);
      this.onerror?.(invalid);
      this.refuse(requestId(json), -32600, invalid.message);
      return;
    }
    this.track(parsed.data);
    try {
      this.onmessage?.(parsed.data);
    } catch (err) {
      this.onerror?.(err as Error);
    }
  }

  private refuse(id: string | number | null, code: number, message: string, data?: unknown): void {
    // id null is what JSON-RPC 2.0 prescribes when the id cannot be known; the SDK's message type
    // has no room for it, hence the cast
    const error = { jsonrpc: '2.0', id, error: { code, message, ...(data === undefined ? {} : { data }) } };
    this.send(error as unknown as JSONRPCMessage).catch((err: Error) => this.onerror?.(err));
  }
}

/** The id of what looks like a request (it has a method), so its sender is not left waiting. */
function requestId(json: unknown): string | number | null {
  if (!isObject(json) || !('method' in json)) return null;
  return typeof json.id === 'string' || typeof json.id === 'number' ? json.id : null;
}

function whyInvalid(json: unknown): string {
  if (Array.isArray(json)) return 'batches (JSON arrays) are not supported; send one JSON-RPC message per line';
  if (!isObject(json)) return 'expected a JSON-RPC 2.0 message (a JSON object), got ' + (json === null ? 'null' : typeof json);
  if (json.jsonrpc !== '2.0') return 'jsonrpc must be "2.0"';
  if ('method' in json) {
    if (typeof json.method !== 'string') return 'method must be a string';
    if ('params' in json && !isObject(json.params)) return 'params must be an object';
    if ('id' in json && typeof json.id !== 'string' && typeof json.id !== 'number') return 'id must be a string or a number';
    return 'not a valid request or notification';
  }
  return 'expected a method (a request or notification) or an id with a result or error (a response)';
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
