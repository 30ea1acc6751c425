import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { OAuthClientMetadata, redirectUriProblem, redirectUriRegistered } from './oauth-client.schema.ts';
import { pkceMatches } from './oauth.service.ts';

describe('OAuth client rules', () => {
  it('allows https anywhere and http only to loopback hosts, never fragments, credentials or other schemes', () => {
    expect(redirectUriProblem('https://claude.ai/api/mcp/auth_callback')).toBeUndefined();
    expect(redirectUriProblem('http://localhost:33418/callback')).toBeUndefined();
    expect(redirectUriProblem('http://127.0.0.1:6274/oauth/callback')).toBeUndefined();
    expect(redirectUriProblem('http://[::1]:8080/cb')).toBeUndefined();
    expect(redirectUriProblem('http://example.com/cb')).toMatch(/loopback/);
    expect(redirectUriProblem('http://localhost.evil.com/cb')).toMatch(/loopback/);
    expect(redirectUriProblem('https://app.example/cb#x')).toMatch(/fragment/);
    expect(redirectUriProblem('https://user:pw@app.example/cb')).toMatch(/credentials/);
    expect(redirectUriProblem('javascript:alert(1)')).toMatch(/scheme javascript:/);
    expect(redirectUriProblem('data:text/html,x')).toMatch(/scheme data:/);
    expect(redirectUriProblem('file:///etc/passwd')).toMatch(/scheme file:/);
    expect(redirectUriProblem('/relative')).toMatch(/absolute/);
    // native apps' own schemes (Cursor, RFC 8252 §7.1 reverse-domain ones)
    expect(redirectUriProblem('cursor://anysphere.cursor-retrieval/oauth/user-crm/callback')).toBeUndefined();
    expect(redirectUriProblem('com.example.app:/oauth2redirect')).toBeUndefined();
  });

  it('matches a redirect_uri exactly, or for http to a loopback host with any port', () => {
    const registered = ['http://127.0.0.1/callback', 'http://localhost:6274/oauth/callback', 'https://claude.ai/api/mcp/auth_callback', 'cursor://anysphere.cursor-retrieval/cb'];
    expect(redirectUriRegistered(registered, 'https://claude.ai/api/mcp/auth_callback')).toBe(true);
    expect(redirectUriRegistered(registered, 'cursor://anysphere.cursor-retrieval/cb')).toBe(true);
    expect(redirectUriRegistered(registered, 'http://127.0.0.1:53682/callback')).toBe(true);
    expect(redirectUriRegistered(registered, 'http://localhost:33418/oauth/callback')).toBe(true);
    // the port is the only thing that may differ
    expect(redirectUriRegistered(registered, 'http://127.0.0.1:53682/other')).toBe(false);
    expect(redirectUriRegistered(registered, 'http://127.0.0.1:53682/callback?x=1')).toBe(false);
    expect(redirectUriRegistered(registered, 'http://localhost:53682/callback')).toBe(false);
    expect(redirectUriRegistered(registered, 'http://[::1]:53682/callback')).toBe(false);
    expect(redirectUriRegistered(registered, 'https://claude.ai:8443/api/mcp/auth_callback')).toBe(false);
    expect(redirectUriRegistered(registered, 'https://127.0.0.1/callback')).toBe(false);
    expect(redirectUriRegistered(registered, 'cursor://anysphere.cursor-retrieval:1/cb')).toBe(false);
    expect(redirectUriRegistered(registered, 'not a url')).toBe(false);
  });

  it('defaults metadata as RFC 7591 says and refuses control characters in names', () => {
    expect(OAuthClientMetadata.parse({ redirect_uris: ['https://a.example/cb'] })).toMatchObject({ token_endpoint_auth_method: 'client_secret_basic', grant_types: ['authorization_code'], response_types: ['code'] });
    const bad = OAuthClientMetadata.safeParse({ redirect_uris: ['https://a.example/cb'], client_name: 'Evil\u0007' });
    expect(bad.success).toBe(false);
    expect(bad.error?.issues[0]).toMatchObject({ path: ['client_name'], message: 'must not contain control characters' });
    expect(OAuthClientMetadata.safeParse({ redirect_uris: ['https://a.example/cb'], response_types: ['token'] }).error?.issues[0]?.message).toBe('only "code" is supported');
  });

  it('verifies PKCE S256 and refuses verifiers outside RFC 7636 §4.1', () => {
    const verifier = 'a'.repeat(20) + '-._~' + 'Z9'.repeat(10);
    const challenge = createHash('sha256').update(verifier).digest('base64url');
    expect(pkceMatches(verifier, challenge)).toBe(true);
    expect(pkceMatches(`${verifier}x`, challenge)).toBe(false);
    expect(pkceMatches('short', createHash('sha256').update('short').digest('base64url'))).toBe(false);
    const spaced = `${'b'.repeat(43)} `;
    expect(pkceMatches(spaced, createHash('sha256').update(spaced).digest('base64url'))).toBe(false);
    // plain (challenge = verifier) never matches
    expect(pkceMatches(verifier, verifier)).toBe(false);
  });
});
