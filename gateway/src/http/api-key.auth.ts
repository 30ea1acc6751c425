import { AppError, type Actor, type CrmCore } from '@crm/core';
import type { FastifyRequest } from 'fastify';

/** Browsers cannot set headers on a WebSocket: they offer `crm.bearer.<token>` as a subprotocol. */
export const WS_BEARER_PROTOCOL_PREFIX = 'crm.bearer.';

/** `Authorization: Bearer <token>`, `X-API-Key: <API key>`, or a WebSocket upgrade's bearer subprotocol. */
export function bearerToken(req: FastifyRequest): string | undefined {
  const auth = req.headers.authorization;
  if (auth?.toLowerCase().startsWith('bearer ')) return auth.slice(7).trim();
  const key = req.headers['x-api-key'];
  if (typeof key === 'string') return key.trim();
  const protocols = req.headers['sec-websocket-protocol'];
  if (typeof protocols === 'string') {
    const offered = protocols.split(',').map((p) => p.trim()).find((p) => p.startsWith(WS_BEARER_PROTOCOL_PREFIX));
    if (offered) return offered.slice(WS_BEARER_PROTOCOL_PREFIX.length);
  }
  return undefined;
}

export async function authenticate(core: CrmCore, req: FastifyRequest): Promise<{ actor: Actor; token: string }> {
  const token = bearerToken(req);
  if (!token) throw new AppError('UNAUTHENTICATED', 'Send an API key as "Authorization: Bearer <key>"');
  const user = await core.users.authenticate(token);
  return { actor: { userId: user.userId, tenantId: user.tenantId, role: user.role }, token };
}
