import type { Readable, Writable } from 'node:stream';
import type { Actor, CrmCore, Logger } from '@crm/core';
import { isAppError, silentLogger } from '@crm/core/contracts';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import { sharedChangeFeed, type ChangeFeed } from '../framework/change-feed.ts';
import { hiddenTools } from '../framework/install-tools.ts';
import { toMcpError } from '../framework/mcp-errors.ts';
import { errorResult, toToolError } from '../framework/tool-result.ts';
import { createServerByName } from '../servers.ts';
import { JsonRpcStdioServerTransport } from './stdio-transport.ts';

export interface StdioServerOptions {
  /** `crm-data`, `crm` (combined) or any other registered server. */
  server: string;
  /**
   * The core and who the whole session acts as (from `--user` or CRM_API_KEY), or a promise of
   * them: the server then answers the handshake and the tool and prompt lists at once, while the
   * database opens, and every other request waits for it (a client starting us does not wait
   * for the embedded database before it sees our tools). A function is called once the handshake
   * has been answered (or a request needs the database, or 250 ms passed without a handshake), so
   * opening the database does not compete with the handshake for the one thread.
   */
  core: CrmCore | Promise<{ core: CrmCore; actor: Actor }> | (() => Promise<{ core: CrmCore; actor: Actor }>);
  actor?: Actor;
  logger?: Logger;
  /** Default: the shared passive outbox tail, so a separate process never competes with `crm start`'s dispatcher. */
  changeFeed?: ChangeFeed;
  stdin?: Readable;
  stdout?: Writable;
}

export interface RunningStdioServer {
  /** Resolves when the client disconnects (stdin ends) or close() is called. */
  closed: Promise<void>;
  close(): Promise<void>;
}

/** How long a closed stdin waits for the answers to requests already sent. */
const DRAIN_MS = 60_000;

/** Requests a server answers from what it registered, without the database. */
const BEFORE_READY = new Set(['initialize', 'notifications/initialized', 'ping', 'tools/list', 'prompts/list', 'resources/templates/list', 'logging/setLevel']);

/** A core whose properties are reachable once `resolve` was called (requests are held until then). */
function deferredCore(): { core: CrmCore; resolve(core: CrmCore): void } {
  let real: CrmCore | undefined;
  const core = new Proxy({} as CrmCore, {
    get(_target, prop) {
      if (!real) throw new Error(`the CRM core was used before the database opened (${String(prop)})`);
      return Reflect.get(real, prop);
    },
  });
  return { core, resolve: (c) => void (real = c) };
}

/** A change feed that attaches to the real one once the core is open. */
function deferredFeed(real: Promise<ChangeFeed>): ChangeFeed {
  return {
    subscribe(listener) {
      let off: (() => void) | undefined;
      let gone = false;
      void real.then(
        (feed) => {
          if (!gone) off = feed.subscribe(listener);
        },
        () => {},
      );
      return () => {
        gone = true;
        off?.();
      };
    },
    close: async () => {},
  };
}

/** Serve one MCP server over stdio. stdout carries only the protocol; logs go to the logger (stderr). */
export async function runStdioServer(options: StdioServerOptions): Promise<RunningStdioServer> {
  const logger = options.logger ?? silentLogger();
  const stdin = options.stdin ?? process.stdin;
  const lazy = typeof options.core === 'function' ? options.core : undefined;
  let startLater = () => {};
  let later = options.core instanceof Promise ? options.core : undefined;
  let fallback: NodeJS.Timeout | undefined;
  if (lazy) {
    later = new Promise((resolve, reject) => {
      startLater = () => {
        startLater = () => {};
        clearTimeout(fallback);
        lazy().then(resolve, reject);
      };
    });
  }
  const deferred = later ? deferredCore() : undefined;
  const feed = later && !options.changeFeed ? deferredFeed(later.then(({ core }) => sharedChangeFeed(core, logger))) : options.changeFeed;
  const deps = { core: deferred ? deferred.core : (options.core as CrmCore), actor: options.actor, logger, changeFeed: feed };
  const server = createServerByName(options.server, deps);
  const transport = new JsonRpcStdioServerTransport(stdin, options.stdout ?? process.stdout);
  let resolveClosed!: () => void;
  const closed = new Promise<void>((resolve) => (resolveClosed = resolve));
  let closing: Promise<void> | undefined;
  const close = () =>
    (closing ??= (async () => {
      clearTimeout(fallback);
      stdin.off('end', drainThenClose);
      stdin.off('close', drainThenClose);
      await server.close().catch((err) => logger.warn({ err }, 'closing the MCP server failed'));
      resolveClosed();
    })());
  // The SDK's stdio transport does not notice the client going away; a closed stdin means exactly
  // that. The requests it sent before closing are still answered (stdout may still be read, as in
  // `printf … | crm mcp …`), then the server closes.
  const drainThenClose = () => void transport.idle(DRAIN_MS).then(close);
  stdin.once('end', drainThenClose);
  stdin.once('close', drainThenClose);
  transport.onerror = (err) => logger.warn({ err }, 'stdio transport error');
  if (lazy) {
    // open the database once the handshake is answered (its response is written first); wrapped
    // before connecting, as a handshake already waiting on stdin is read during connect
    const send = transport.send.bind(transport);
    transport.send = async (message: JSONRPCMessage) => {
      await send(message);
      if ((message as { result?: { protocolVersion?: unknown } }).result?.protocolVersion !== undefined) setImmediate(() => startLater());
    };
  }
  await server.connect(transport);
  if (later && deferred) {
    // hold everything that needs the database until it is open; answer the handshake now
    const deliver = transport.onmessage!;
    const held: JSONRPCMessage[] = [];
    let open = false;
    transport.onmessage = (message) => {
      const method = (message as { method?: string }).method;
      if (open || (method !== undefined && BEFORE_READY.has(method))) deliver(message);
      else {
        held.push(message);
        startLater();
      }
    };
    if (lazy) fallback = setTimeout(() => startLater(), 250);
    const opened = await later.then(
      (value) => ({ ok: true as const, ...value }),
      (err: unknown) => ({ ok: false as const, err }),
    );
    if (!opened.ok) {
      const err = opened.err;
      const reason = toMcpError(err, logger, 'stdio startup');
      const answer = async (message: JSONRPCMessage) => {
        const { id, method } = message as { id?: string | number; method?: string };
        if (id === undefined) return;
        // a tool call's refusal is a result the model reads; anything else a JSON-RPC error
        const reply: JSONRPCMessage =
          method === 'tools/call'
            ? { jsonrpc: '2.0', id, result: errorResult(toToolError(err, logger, 'stdio startup')) }
            : { jsonrpc: '2.0', id, error: { code: reason.code, message: reason.message, ...(reason.data === undefined ? {} : { data: reason.data }) } };
        await transport.send(reply).catch(() => {});
      };
      if (isAppError(err) && err.code === 'UNAUTHENTICATED') {
        // an unknown --user: the client lists our tools and shows the server connected, so keep
        // serving, and answer every request that needs the user with the reason and the fix (an
        // exit here shows only "disconnected" with no reason in Claude Desktop and IDEs)
        logger.error({ code: err.code }, err.message);
        transport.onmessage = (message) => {
          const method = (message as { method?: string }).method;
          if (method !== undefined && BEFORE_READY.has(method)) deliver(message);
          else void answer(message);
        };
        for (const message of held.splice(0)) await answer(message);
        return { closed, close };
      }
      // a database that will not open: answer what the client is waiting for with the reason
      // instead of a bare "connection closed", then end
      for (const message of held.splice(0)) await answer(message);
      await close();
      throw err;
    }
    const { core, actor } = opened;
    deferred.resolve(core);
    deps.actor = actor;
    open = true;
    for (const message of held.splice(0)) deliver(message);
    // the tool list answered before the user was known showed every tool: now it is the role's
    // (the protocol's notification only: the registered tools themselves did not change)
    if (hiddenTools(server, actor).length) void server.server.sendToolListChanged();
  }
  logger.info({ server: options.server, userId: deps.actor?.userId }, 'MCP server ready on stdio');
  return { closed, close };
}
