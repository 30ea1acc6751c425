import type { Actor, CrmCore, Logger } from '@crm/core';
import { AppError } from '@crm/core/contracts';
import type { AuthInfo } from '@modelcontextprotocol/sdk/server/auth/types.js';
import type { ServerNotification, ServerRequest } from '@modelcontextprotocol/sdk/types.js';
import type { RequestHandlerExtra } from '@modelcontextprotocol/sdk/shared/protocol.js';
import { z } from 'zod';

export type Extra = RequestHandlerExtra<ServerRequest, ServerNotification>;

/** What every tool, resource and prompt handler gets: who acts, the domain, a logger. */
export interface ToolContext {
  actor: Actor;
  core: CrmCore;
  logger: Logger;
  signal?: AbortSignal;
  /**
   * Present when the request carried `_meta.progressToken`: sends `notifications/progress` (the
   * client's `onprogress`). A long tool reports its steps with it; a failed send is ignored.
   */
  progress?(progress: number, total: number, message: string): Promise<void>;
}

/** The progress sender of a request, or undefined when the client asked for none. */
export function progressOf(extra: Extra | undefined): ToolContext['progress'] {
  const token = extra?._meta?.progressToken;
  if (token === undefined || !extra) return undefined;
  return (progress, total, message) =>
    extra.sendNotification({ method: 'notifications/progress', params: { progressToken: token, progress, total, message } }).catch(() => {});
}

const ActorSchema = z.object({
  userId: z.uuid(),
  tenantId: z.uuid(),
  role: z.enum(['ADMIN', 'SALES_MANAGER', 'SALES_REP', 'MARKETING_MANAGER']),
});

/**
 * The AuthInfo a transport hands to the server for an authenticated actor. The gateway's auth
 * (API key today, OAuth later) resolves the actor and passes it through `req.auth`.
 */
export function authInfoFor(actor: Actor, token = ''): AuthInfo {
  return { token, clientId: actor.userId, scopes: [], extra: { actor: { userId: actor.userId, tenantId: actor.tenantId, role: actor.role } } };
}

/**
 * Who is acting on this request: the transport's auth context when there is one (Streamable
 * HTTP), else the actor the server was configured with (stdio, in-process). No actor is an
 * UNAUTHENTICATED domain error, never a silent default.
 */
export function actorFrom(extra: Pick<Extra, 'authInfo'> | undefined, fallback?: Actor): Actor {
  // authInfoFor() puts it in `extra`; a transport that stores `{ actor }` directly works too
  const raw = extra?.authInfo?.extra?.actor ?? (extra?.authInfo as { actor?: unknown } | undefined)?.actor;
  if (raw !== undefined) {
    const parsed = ActorSchema.safeParse(raw);
    if (!parsed.success) throw new AppError('UNAUTHENTICATED', 'The transport passed an invalid actor');
    return parsed.data;
  }
  if (fallback) return fallback;
  throw new AppError('UNAUTHENTICATED', 'No authenticated user: connect with an API key (HTTP) or start the server with --user / CRM_API_KEY (stdio)');
}
