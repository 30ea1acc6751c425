import { z } from 'zod';

const seconds = (min: number, max: number) => z.coerce.number({ error: 'must be a whole number of seconds' }).int('must be a whole number').min(min).max(max);

/**
 * Token authentication of the gateway: the local JWT issuer (embedded default) and an optional
 * external OpenID Connect provider. API keys keep working beside both.
 */
export const AuthEnv = z.object({
  CRM_PUBLIC_URL: z
    .url()
    .optional()
    .describe('External base URL of the gateway (issuer of local tokens, base of token audiences and OAuth metadata); default http://HOST:PORT. Example: https://crm.example.com'),
  AUTH_ACCESS_TOKEN_TTL_SECONDS: seconds(60, 86_400).default(900).describe('Lifetime of access tokens issued by the local issuer (15 minutes). Example: 900'),
  AUTH_REFRESH_TOKEN_TTL_SECONDS: seconds(300, 90 * 86_400).default(604_800).describe('Lifetime of refresh tokens (7 days); each is good for one refresh. Example: 604800'),
  AUTH_CACHE_SECONDS: seconds(0, 3600)
    .default(60)
    .describe(
      'How long the gateway keeps a resolved API key (and the user and OAuth grant a verified token names) in memory instead of reading it on every request (PostgreSQL only; the embedded PGlite reads every time). Used only while the process LISTENs for key and user changes, so a revocation or role change by any process applies to the next request; 0 = read every time. Example: 60',
    ),
  OAUTH_DYNAMIC_REGISTRATION: z
    .enum(['true', 'false'], { error: 'must be true or false' })
    .default('true')
    .transform((v) => v === 'true')
    .describe('Whether MCP clients may register themselves at POST /oauth/register (RFC 7591; local issuer only). false = no new clients; registered ones keep working. Example: true'),
  OAUTH_REGISTRATIONS_PER_HOUR: z.coerce.number().int().min(1).max(10_000).default(20).describe('Client registrations one IP address may make per hour at POST /oauth/register (behind a load balancer set CRM_TRUST_PROXY, or every client shares its address). Example: 20'),
  OAUTH_CODE_TTL_SECONDS: seconds(10, 600).default(60).describe('Lifetime of an OAuth authorization code (one use) between the consent page and POST /oauth/token. Example: 60'),
  AUTH_OIDC_ISSUER: z.url().optional().describe('Issuer (iss) of an external OpenID Connect provider whose tokens the gateway accepts. Example: https://acme.eu.auth0.com/'),
  AUTH_OIDC_JWKS_URL: z.url().optional().describe('JWKS URL of the external provider (required with AUTH_OIDC_ISSUER). Example: https://acme.eu.auth0.com/.well-known/jwks.json'),
  AUTH_OIDC_AUDIENCE: z.string().min(1).optional().describe('Audience (aud) external tokens for the REST API must carry (required with AUTH_OIDC_ISSUER). Example: https://crm.example.com/api'),
  AUTH_OIDC_MCP_AUDIENCE: z.string().min(1).optional().describe('Audience external tokens for /mcp must carry; default <CRM_PUBLIC_URL>/mcp. Example: https://crm.example.com/mcp'),
  AUTH_OIDC_TENANT_CLAIM: z.string().min(1).default('https://agentic-crm/tenant').describe('Claim holding the tenant (slug or id) of an external token. Example: org_slug'),
  AUTH_OIDC_EMAIL_CLAIM: z.string().min(1).default('email').describe('Claim holding the user\'s email; the user must exist and be active in that tenant. Example: email'),
  AUTH_OIDC_SCOPE_CLAIM: z.string().min(1).default('scope').describe('Claim holding the granted scopes (space-separated string or array) of an external token. Example: scp'),
});
export type AuthEnv = z.infer<typeof AuthEnv>;

/** The WebSocket endpoints /ws and /graphql (subscriptions): limits that keep one client from hurting the others. */
export const WsEnv = z.object({
  WS_MAX_CONNECTIONS_PER_USER: z.coerce.number().int().min(1).max(1000).default(10).describe('Open /ws connections one user may hold, and as many GraphQL subscription connections on /graphql; one more is closed with code 4429. Example: 10'),
  WS_MAX_BUFFERED_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .max(64 * 1024 * 1024)
    .default(1024 * 1024)
    .describe('Unsent bytes a /ws client may fall behind by; beyond it the connection is closed with code 4008 (slow consumer). Example: 1048576'),
  WS_HEARTBEAT_SECONDS: seconds(1, 3600).default(30).describe('Ping interval of /ws and /graphql WebSockets; a peer that has not answered the previous ping is dropped. Example: 30'),
  WS_AUTH_TIMEOUT_SECONDS: seconds(1, 300).default(10).describe('How long a /ws connection may stay unauthenticated before it is closed with code 4401 (a /graphql one without connection_init: 4408). Example: 10'),
});
export type WsEnv = z.infer<typeof WsEnv>;
