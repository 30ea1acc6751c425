import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger, redactSecrets } from './logger.ts';

describe('log redaction', () => {
  it('censors keys, tokens and authorization at any depth, keeping everything else', () => {
    const lines: string[] = [];
    const sink = new Writable({ write: (chunk, _enc, done) => (lines.push(String(chunk)), done()) });
    const logger = createLogger({ level: 'info', destination: sink });
    logger.child({ component: 'http' }).info(
      {
        req: { headers: { authorization: 'Bearer crm_secret1', 'x-api-key': 'crm_secret2', host: 'localhost' } },
        provider: { config: { nested: { deeper: { apiKey: 'sk-secret3', accessToken: 'ya29.secret4', model: 'gemini' } } } },
        items: [{ password: 'secret5' }, { refresh_token: 'secret6' }],
        tokensUsed: 42,
      },
      'call',
    );
    const line = lines.join('');
    for (const s of ['crm_secret1', 'crm_secret2', 'sk-secret3', 'ya29.secret4', 'secret5', 'secret6']) expect(line).not.toContain(s);
    const parsed = JSON.parse(line);
    expect(parsed.req.headers).toEqual({ authorization: '[redacted]', 'x-api-key': '[redacted]', host: 'localhost' });
    expect(parsed.provider.config.nested.deeper.model).toBe('gemini');
    expect(parsed.tokensUsed).toBe(42);
  });

  it('survives cycles and leaves errors intact', () => {
    const a: Record<string, unknown> = { token: 't' };
    a.self = a;
    const err = new Error('boom');
    expect(redactSecrets({ a, err })).toEqual({ a: { token: '[redacted]', self: '[…]' }, err });
  });
});
