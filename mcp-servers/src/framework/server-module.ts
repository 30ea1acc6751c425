import type { Actor, CrmCore, Logger, OutboxEvent } from '@crm/core';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { ChangeFeed } from './change-feed.ts';
import type { AnyToolDefinition } from './tool.ts';
import type { Extra, ToolContext } from './tool-context.ts';

/** What every server factory takes. */
export interface McpServerDeps {
  core: CrmCore;
  logger?: Logger;
  /**
   * The acting user when the transport carries none (stdio, in-process). Over Streamable HTTP
   * the request's auth context is used; the handler also passes the session owner here so that
   * completions (which carry no auth context) and notifications know the tenant.
   */
  actor?: Actor;
  /** Live changes for resource subscriptions; default: the process's shared outbox tail (sharedChangeFeed). */
  changeFeed?: ChangeFeed;
}

/** Subscription support of a module: which topics a URI follows, which topics an event touches. */
export interface ResourceTopics {
  /** undefined ⇒ not this module's URI. Throws AppError (NOT_FOUND, ...) for a bad one. */
  topicsFor(uri: string, ctx: ToolContext): Promise<string[] | undefined>;
  touched(event: OutboxEvent): { topics: string[]; listChanged: boolean };
}

export interface ModuleContext {
  deps: McpServerDeps;
  logger: Logger;
  /** Tool context for a request (actor from the transport or the configured one). */
  context(extra?: Extra): ToolContext;
}

/**
 * One logical MCP server (crm-data today; lead-scoring, insights, workflow later). A module is
 * served alone (`crm mcp crm-data`) or together with the others in the combined `crm` server.
 */
export interface ServerModule {
  name: string;
  title: string;
  instructions: string;
  tools: readonly AnyToolDefinition[];
  register?(server: McpServer, ctx: ModuleContext): void;
  topics?: ResourceTopics;
}
