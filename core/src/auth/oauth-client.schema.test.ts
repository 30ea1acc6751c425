import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { OAuthClientMetadata, redirectUriProblem } from './oauth-client.schema.ts';
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
    expect(redirectUriProblem('/relative')).toMatch(/absolute/);
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
