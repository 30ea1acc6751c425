import { AppError } from '@crm/core';
import { SERVER_MODULES, serverNames } from '@crm/mcp-servers';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { SCOPES, type AuthOptions } from './auth.config.ts';
import { mcpServerOf, requestBase } from './authenticator.ts';

/** Tools that change something: calling one needs crm:write; everything else on /mcp needs crm:read. */
const WRITE_TOOLS = new Set(SERVER_MODULES.flatMap((m) => m.tools.filter((t) => !t.annotations.readOnlyHint).map((t) => t.contract.name)));

function metadataUrl(req: FastifyRequest): string {
  const server = mcpServerOf(req);
  return `${requestBase(req)}/.well-known/oauth-protected-resource${server ? `/mcp/${server}` : ''}`;
}

/** RFC 6750 challenge of /mcp: where the resource metadata is, and the scope to ask for. */
export function mcpChallenge(req: FastifyRequest, extra: { error?: string; scope?: string[] } = {}): string {
  const parts = ['Bearer realm="agentic-crm"'];
  if (extra.error) parts.push(`error="${extra.error}"`);
  parts.push(`scope="${(extra.scope ?? [SCOPES.read]).join(' ')}"`, `resource_metadata="${metadataUrl(req)}"`);
  return parts.join(', ');
}

function calledTools(body: unknown): string[] {
  const messages = Array.isArray(body) ? body : [body];
  return messages.flatMap((m) => {
    const msg = m as { method?: unknown; params?: { name?: unknown } } | null;
    return msg && msg.method === 'tools/call' && typeof msg.params?.name === 'string' ? [msg.params.name] : [];
  });
}

/** The scopes this MCP request needs. */
export function requiredMcpScopes(body: unknown): string[] {
  return calledTools(body).some((t) => WRITE_TOOLS.has(t)) ? [SCOPES.read, SCOPES.write] : [SCOPES.read];
}

/**
 * 403 insufficient_scope with a scope challenge (the MCP authorization spec's step-up) when the
 * credential lacks a scope this request needs. API keys hold every scope.
 */
export function assertMcpScopes(req: FastifyRequest, reply: FastifyReply, body: unknown): void {
  const required = requiredMcpScopes(body);
  const held = req.authScopes ?? [];
  const missing = required.filter((s) => !held.includes(s));
  if (!missing.length) return;
  void reply.header('www-authenticate', mcpChallenge(req, { error: 'insufficient_scope', scope: required }));
  throw new AppError('PERMISSION_DENIED', `This request needs the scope${missing.length > 1 ? 's' : ''} ${missing.join(', ')}; get a token that includes ${required.join(' ')}`, {
    details: missing.map((s) => ({ path: 'scope', reason: `missing ${s}` })),
  });
}

/**
 * The scopes this resource names, write first (a set: the order means nothing in OAuth). A step-up
 * client asks for the union of what it holds and what the 403 names, "crm:read crm:write";
 * mcp-remote 0.15 takes a requested scope that reads exactly like `scopes_supported` for its own
 * default and puts back the scope of its first 401 (crm:read), so with the natural order it asked
 * for crm:read again and could never call a write tool (mcp-remote.int.test.ts).
 */
export const RESOURCE_SCOPES: string[] = [SCOPES.write, SCOPES.read];

/**
 * OAuth 2.0 Protected Resource Metadata (RFC 9728) for the MCP servers: /mcp as a whole and one
 * document per server path, naming the authorization server(s) whose tokens are accepted.
 */
export const mcpOAuthRoutes: FastifyPluginAsync<{ options: AuthOptions }> = async (fastify, { options }) => {
  const document = (req: FastifyRequest, server?: string) => ({
    resource: `${requestBase(req)}/mcp${server ? `/${server}` : ''}`,
    authorization_servers: options.oidc ? [options.oidc.issuer] : [options.publicUrl],
    scopes_supported: RESOURCE_SCOPES,
    bearer_methods_supported: ['header'],
    resource_name: server ? `Agentic CRM MCP server "${server}"` : 'Agentic CRM MCP servers',
    ...(options.oidc ? {} : { jwks_uri: `${options.publicUrl}/.well-known/jwks.json` }),
  });
  // browser-based MCP clients (MCP Inspector) read this cross-origin; it is public
  fastify.addHook('onRequest', async (req, reply) => {
    if (req.headers.origin) void reply.header('access-control-allow-origin', '*').header('vary', 'origin');
  });
  fastify.options('/.well-known/oauth-protected-resource*', async (_req, reply) =>
    reply.status(204).header('access-control-allow-methods', 'GET, OPTIONS').header('access-control-allow-headers', 'mcp-protocol-version').header('access-control-max-age', '600').send(),
  );
  fastify.get('/.well-known/oauth-protected-resource', async (req) => document(req));
  fastify.get('/.well-known/oauth-protected-resource/mcp', async (req) => document(req));
  fastify.get<{ Params: { server: string } }>('/.well-known/oauth-protected-resource/mcp/:server', async (req) => {
    if (!serverNames().includes(req.params.server)) throw AppError.notFound('MCP server', req.params.server);
    return document(req, req.params.server);
  });
};
