import { AppError, type Actor, type CrmCore } from '@crm/core';
import type { FastifyRequest } from 'fastify';

/** `Authorization: Bearer <API key>` or `X-API-Key: <API key>`. */
export function bearerToken(req: FastifyRequest): string | undefined {
  const auth = req.headers.authorization;
  if (auth?.toLowerCase().startsWith('bearer ')) return auth.slice(7).trim();
  const key = req.headers['x-api-key'];
  return typeof key === 'string' ? key.trim() : undefined;
}

export async function authenticate(core: CrmCore, req: FastifyRequest): Promise<{ actor: Actor; token: string }> {
  const token = bearerToken(req);
  if (!token) throw new AppError('UNAUTHENTICATED', 'Send an API key as "Authorization: Bearer <key>"');
  const user = await core.users.authenticate(token);
  return { actor: { userId: user.userId, tenantId: user.tenantId, role: user.role }, token };
}
