import type { Readable, Writable } from 'node:stream';
import { silentLogger, type Actor, type CrmCore, type Logger } from '@crm/core';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import type { ChangeFeed } from '../framework/change-feed.ts';
import { createServerByName } from '../servers.ts';

export interface StdioServerOptions {
  /** `crm-data`, `crm` (combined) or any other registered server. */
  server: string;
  core: CrmCore;
  /** Who the whole session acts as (from `--user` or CRM_API_KEY). */
  actor: Actor;
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

/** Serve one MCP server over stdio. stdout carries only the protocol; logs go to the logger (stderr). */
export async function runStdioServer(options: StdioServerOptions): Promise<RunningStdioServer> {
  const logger = options.logger ?? silentLogger();
  const stdin = options.stdin ?? process.stdin;
  const server = createServerByName(options.server, { core: options.core, actor: options.actor, logger, changeFeed: options.changeFeed });
  const transport = new StdioServerTransport(stdin, options.stdout ?? process.stdout);
  let resolveClosed!: () => void;
  const closed = new Promise<void>((resolve) => (resolveClosed = resolve));
  let closing: Promise<void> | undefined;
  const close = () =>
    (closing ??= (async () => {
      stdin.off('end', close);
      stdin.off('close', close);
      await server.close().catch((err) => logger.warn({ err }, 'closing the MCP server failed'));
      resolveClosed();
    })());
  // The SDK's stdio transport does not notice the client going away; a closed stdin means exactly that.
  stdin.once('end', close);
  stdin.once('close', close);
  transport.onerror = (err) => logger.warn({ err }, 'stdio transport error');
  await server.connect(transport);
  logger.info({ server: options.server, userId: options.actor.userId }, 'MCP server ready on stdio');
  return { closed, close };
}
