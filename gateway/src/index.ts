// The gateway's public surface for benchmarks and embedding: the Fastify app plugin and the token issuer.
export { app } from './app.ts';
export type { AppOptions } from './app.ts';
export { createTokenService } from './auth/token.service.ts';
export type { TokenService, IssuedTokens } from './auth/token.service.ts';
export { DEFAULT_AUTH, DEFAULT_WS } from './auth/auth.config.ts';
export type { AuthOptions, WsOptions } from './auth/auth.config.ts';
export { WS_PROTOCOL, CLOSE as WS_CLOSE } from './ws/ws.protocol.ts';
export { httpServerOptions } from './http/http-security.ts';
export { DEFAULT_HTTP_SECURITY } from './http/http.config.ts';
export type { HttpSecurityOptions } from './http/http.config.ts';
