import { z } from 'zod';
import { envFlag } from './env-types.ts';

const list = z
  .string()
  .default('')
  .transform((s) =>
    s
      .split(',')
      .map((x) => x.trim().toLowerCase())
      .filter(Boolean),
  );

/**
 * Environment variables of the HTTP gateway's protection layer (Host/Origin allow-lists, rate
 * limits, body size). The runtime's single config merges this object; tests pass values directly.
 */
export const HttpEnv = z.object({
  CRM_ALLOWED_HOSTS: list.describe(
    'Host names the gateway answers to, comma-separated; empty = loopback only (localhost, 127.0.0.1, [::1]); "*" = any (only behind a proxy that checks Host). Example: crm.example.com,localhost',
  ),
  CRM_ALLOWED_ORIGINS: list.describe(
    'Browser origins allowed to call the gateway, comma-separated; empty = loopback origins on any port; "*" = any. Requests without an Origin header (CLI, SDK clients) are not affected. Example: https://app.example.com',
  ),
  CRM_CORS_ORIGINS: list.describe(
    'Browser origins of web apps on another origin that may call /api/v1 (CORS), comma-separated; empty = CORS off; "*" = any origin (no credentials). These origins pass the Origin check too. Example: https://app.example.com',
  ),
  RATE_LIMIT_PER_KEY: z.coerce.number().int().min(1).default(600).describe('Requests per API key (or per client IP without a key) per window. Example: 600'),
  RATE_LIMIT_PER_TENANT: z.coerce.number().int().min(1).default(3000).describe('Requests per tenant, all its keys together, per window. Example: 3000'),
  RATE_LIMIT_WINDOW_SECONDS: z.coerce.number().int().min(1).max(86_400).default(60).describe('Length of the rate-limit window in seconds. Example: 60'),
  HTTP_BODY_LIMIT_BYTES: z.coerce.number().int().min(1024).max(100 * 1024 * 1024).default(1024 * 1024).describe('Largest request body accepted, in bytes (larger → 413). Example: 1048576'),
  CRM_TRUST_PROXY: z
    .string()
    .regex(
      /^(true|false|[0-9a-f.:]+(\/\d{1,3})?(\s*,\s*[0-9a-f.:]+(\/\d{1,3})?)*)$/i,
      'must be true, false, or comma-separated proxy addresses/CIDRs',
    )
    .default('false')
    .transform((v): boolean | string => (v === 'true' ? true : v === 'false' ? false : v))
    .describe(
      'Which proxies in front of the gateway to trust for the client address (X-Forwarded-For; per-IP rate limits, logs): false = none; true = every hop (only when nothing can reach the gateway directly); or the proxies\' addresses/CIDRs — behind a Google Cloud external load balancer its front ends (35.191.0.0/16, 130.211.0.0/22) and the forwarding rule\'s IP. Example: 35.191.0.0/16,130.211.0.0/22,203.0.113.50',
    ),
  MCP_MAX_SESSIONS: z.coerce.number().int().min(1).max(100_000).default(1000).describe('Open MCP sessions (Streamable HTTP) per server and process; more → 503. Example: 1000'),
  MCP_MAX_SESSIONS_PER_USER: z.coerce
    .number()
    .int()
    .min(1)
    .max(10_000)
    .default(20)
    .describe('Open MCP sessions one user may hold per server and process; one more → 429 (close unused sessions with DELETE). Example: 20'),
  GRAPHQL_GRAPHIQL: envFlag
    .default(false)
    .describe('Serve the GraphiQL IDE at /graphiql (the page loads GraphiQL and React from unpkg.com; queries still need "Authorization: Bearer <key or token>", set in its Headers tab). Off by default: for development. Example: true'),
  REDIS_URL: z
    .url()
    .optional()
    .describe('Redis for rate-limit counters shared by all replicas; unset = counters in process memory. Example: redis://127.0.0.1:6379'),
});
export type HttpEnv = z.infer<typeof HttpEnv>;
