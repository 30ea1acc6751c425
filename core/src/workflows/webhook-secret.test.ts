import { describe, expect, it } from 'vitest';
import { createWebhookSecretBox, generateWebhookSecret } from './webhook-secret.ts';

const KEY = '0f'.repeat(32);

describe('per-workflow webhook secrets at rest', () => {
  it('generates distinct 32-byte secrets', () => {
    const a = generateWebhookSecret();
    expect(a).toMatch(/^whsec_[A-Za-z0-9_-]{43}$/);
    expect(generateWebhookSecret()).not.toBe(a);
  });

  it('seals with AES-256-GCM under the key (never the secret in clear) and opens it again', () => {
    const box = createWebhookSecretBox(KEY);
    const secret = generateWebhookSecret();
    const sealed = box.seal(secret);
    expect(sealed).toMatch(/^aes256gcm:v1:[0-9a-f]{8}:/);
    expect(sealed).not.toContain(secret.slice(6));
    expect(box.seal(secret)).not.toBe(sealed); // a fresh IV each time
    expect(box.open(sealed, 'wf')).toBe(secret);
    // the same key given as base64 opens it too
    expect(createWebhookSecretBox(Buffer.from(KEY, 'hex').toString('base64')).open(sealed, 'wf')).toBe(secret);
  });

  it('names a missing or different key instead of failing as a bad signature; refuses tampering', () => {
    const sealed = createWebhookSecretBox(KEY).seal('whsec_x');
    expect(() => createWebhookSecretBox().open(sealed, 'wf-1')).toThrow(/workflow wf-1 is encrypted .* WORKFLOW_SECRETS_KEY is not set/);
    expect(() => createWebhookSecretBox('1e'.repeat(32)).open(sealed, 'wf-1')).toThrow(/was encrypted with key [0-9a-f]{8}, not the configured/);
    const parts = sealed.split(':');
    parts[5] = Buffer.from('whsec_y').toString('base64url');
    expect(() => createWebhookSecretBox(KEY).open(parts.join(':'), 'wf-1')).toThrow();
    expect(() => createWebhookSecretBox('too-short')).toThrow(/32 bytes/);
  });

  it('without a key stores the secret marked plain (documented), and opens it', () => {
    const box = createWebhookSecretBox();
    expect(box.encrypted).toBe(false);
    expect(box.seal('whsec_abc')).toBe('plain:whsec_abc');
    expect(box.open('plain:whsec_abc', 'wf')).toBe('whsec_abc');
  });
});
