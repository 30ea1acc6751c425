import { describe, expect, it } from 'vitest';
import { assertPublicUrl } from './ssrf-guard.ts';
import { signWebhook, signedHeaders, verifyWebhook } from './webhook-signature.ts';

const secret = 'a-long-enough-test-secret';
const now = Date.UTC(2026, 0, 1, 12);
const ts = Math.floor(now / 1000);

describe('webhook signatures', () => {
  it('accepts its own signature within 5 minutes either side', () => {
    const body = '{"a":1}';
    const h = signedHeaders(secret, body, now);
    expect(() => verifyWebhook(secret, { timestamp: h['x-crm-timestamp'], signature: h['x-crm-signature'], body }, now + 299_000)).not.toThrow();
    expect(() => verifyWebhook(secret, { timestamp: String(ts + 290), signature: signWebhook(secret, ts + 290, body), body }, now)).not.toThrow();
  });

  it.each([
    ['a changed body', { timestamp: String(ts), signature: signWebhook(secret, ts, '{"a":1}'), body: '{"a":2}' }, 'does not match'],
    ['another secret', { timestamp: String(ts), signature: signWebhook('other-secret-value', ts, 'x'), body: 'x' }, 'does not match'],
    ['a stale timestamp', { timestamp: String(ts - 301), signature: signWebhook(secret, ts - 301, 'x'), body: 'x' }, 'tolerance'],
    ['a future timestamp', { timestamp: String(ts + 301), signature: signWebhook(secret, ts + 301, 'x'), body: 'x' }, 'tolerance'],
    ['no signature', { timestamp: String(ts), body: 'x' }, 'missing'],
    ['a non-numeric timestamp', { timestamp: 'yesterday', signature: 'v1=00', body: 'x' }, 'unix seconds'],
  ])('rejects %s', (_, req, why) => {
    expect(() => verifyWebhook(secret, req, now)).toThrow(why);
  });
});

describe('SSRF guard', () => {
  const fakeDns = (address: string) => (async () => [{ address, family: address.includes(':') ? 6 : 4 }]) as never;
  it.each(['http://127.0.0.1/x', 'http://[::1]/', 'http://10.1.2.3/', 'http://172.20.0.1', 'http://192.168.1.1', 'http://169.254.169.254/latest', 'http://metadata.google.internal/', 'ftp://example.com'])(
    'refuses %s',
    async (url) => {
      await expect(assertPublicUrl(url)).rejects.toMatchObject({ code: 'PERMISSION_DENIED' });
    },
  );
  it('checks what a name resolves to, and lets configured hosts through', async () => {
    await expect(assertPublicUrl('https://hooks.example.com/a', [], fakeDns('10.0.0.5'))).rejects.toThrow('10.0.0.5');
    await expect(assertPublicUrl('https://hooks.example.com/a', [], fakeDns('93.184.216.34'))).resolves.toBeInstanceOf(URL);
    await expect(assertPublicUrl('http://127.0.0.1:9/a', ['127.0.0.1'])).resolves.toBeInstanceOf(URL);
    // an allowed host is still called over http(s) only
    await expect(assertPublicUrl('ftp://127.0.0.1/a', ['127.0.0.1'])).rejects.toThrow('only http and https are allowed');
  });
});
