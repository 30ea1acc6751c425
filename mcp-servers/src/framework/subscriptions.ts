import type { Logger, OutboxEvent } from '@crm/core';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { ErrorCode, McpError, SubscribeRequestSchema, UnsubscribeRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import type { ChangeFeed } from './change-feed.ts';
import { toMcpError } from './mcp-errors.ts';
import type { ModuleContext, ResourceTopics } from './server-module.ts';

/** The tenant a server instance serves, learnt from its configured actor or its first request. */
export interface TenantRef {
  tenantId?: string;
}

/**
 * resources/subscribe + unsubscribe for one server instance, and the bridge from committed
 * domain events to notifications/resources/updated and list_changed. Only events of the
 * instance's own tenant ever reach it. Notifications are coalesced per tick, so a merge (two
 * events) or an import batch sends each URI once.
 */
export function installSubscriptions(
  server: McpServer,
  modules: readonly ResourceTopics[],
  feed: ChangeFeed,
  ctx: ModuleContext,
  tenant: TenantRef,
  logger: Logger,
): () => void {
  const subscribed = new Map<string, Set<string>>();
  const pending = new Set<string>();
  let listChanged = false;
  let scheduled = false;

  server.server.registerCapabilities({ resources: { subscribe: true, listChanged: true } });

  server.server.setRequestHandler(SubscribeRequestSchema, async (request, extra) => {
    const { uri } = request.params;
    try {
      const c = ctx.context(extra);
      tenant.tenantId ??= c.actor.tenantId;
      for (const module of modules) {
        const topics = await module.topicsFor(uri, c);
        if (topics) {
          subscribed.set(uri, new Set(topics));
          return {};
        }
      }
    } catch (err) {
      throw toMcpError(err, logger, 'resources/subscribe');
    }
    throw new McpError(ErrorCode.InvalidParams, `Cannot subscribe to ${uri}: not a resource of this server`);
  });
  server.server.setRequestHandler(UnsubscribeRequestSchema, async (request) => {
    subscribed.delete(request.params.uri);
    return {};
  });

  const flush = () => {
    scheduled = false;
    if (!server.isConnected()) return;
    for (const uri of pending) {
      server.server.sendResourceUpdated({ uri }).catch((err) => logger.debug({ err, uri }, 'resource update notification not sent'));
    }
    pending.clear();
    if (listChanged) server.sendResourceListChanged();
    listChanged = false;
  };

  const onEvent = (event: OutboxEvent) => {
    if (!tenant.tenantId || event.tenantId !== tenant.tenantId) return;
    for (const module of modules) {
      const touched = module.touched(event);
      if (touched.listChanged) listChanged = true;
      if (!touched.topics.length) continue;
      for (const [uri, topics] of subscribed) if (touched.topics.some((t) => topics.has(t))) pending.add(uri);
    }
    if ((pending.size || listChanged) && !scheduled) {
      scheduled = true;
      setImmediate(flush);
    }
  };
  return feed.subscribe(onEvent);
}
