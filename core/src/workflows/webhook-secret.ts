import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { AppError } from '../errors/app-error.ts';

const PREFIX = 'aes256gcm:v1';
const PLAIN = 'plain:';

/** A new inbound webhook signing secret: `whsec_` + 32 random bytes, base64url. */
export function generateWebhookSecret(): string {
  return `whsec_${randomBytes(32).toString('base64url')}`;
}

/** WORKFLOW_SECRETS_KEY: 32 bytes as 64 hex characters or base64 (44 characters). */
export function parseSecretsKey(text: string): Buffer {
  const key = /^[0-9a-f]{64}$/i.test(text) ? Buffer.from(text, 'hex') : Buffer.from(text, 'base64');
  if (key.length !== 32) throw AppError.validation([{ path: 'WORKFLOW_SECRETS_KEY', reason: 'must be 32 bytes as 64 hex characters or base64' }]);
  return key;
}

/**
 * Seals and opens the per-workflow webhook secrets kept in `workflows.webhook_secret`. Unlike API
 * keys they cannot be hashed: verifying an HMAC needs the key itself. With WORKFLOW_SECRETS_KEY
 * they are encrypted (AES-256-GCM, the key's id stored beside so a wrong key is named, not
 * mistaken for a bad signature); without it they are stored as they are, marked `plain:`.
 */
export function createWebhookSecretBox(keyText?: string) {
  const key = keyText ? parseSecretsKey(keyText) : undefined;
  const keyId = key ? createHash('sha256').update(key).digest('hex').slice(0, 8) : undefined;
  return {
    encrypted: !!key,
    seal(secret: string): string {
      if (!key) return `${PLAIN}${secret}`;
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      const ct = Buffer.concat([cipher.update(secret, 'utf8'), cipher.final()]);
      return [PREFIX, keyId, iv.toString('base64url'), cipher.getAuthTag().toString('base64url'), ct.toString('base64url')].join(':');
    },
    /** The secret of a stored value; a value sealed under another (or no) key is a clear configuration error. */
    open(stored: string, workflowId: string): string {
      if (stored.startsWith(PLAIN)) return stored.slice(PLAIN.length);
      const parts = stored.split(':');
      if (`${parts[0]}:${parts[1]}` !== PREFIX || parts.length !== 6) throw new AppError('INTERNAL', `The webhook secret of workflow ${workflowId} is stored in an unknown format`);
      const [, , storedKeyId, iv, tag, ct] = parts;
      if (!key) throw new AppError('INTERNAL', `The webhook secret of workflow ${workflowId} is encrypted (key ${storedKeyId}) but WORKFLOW_SECRETS_KEY is not set`);
      if (storedKeyId !== keyId) {
        throw new AppError('INTERNAL', `The webhook secret of workflow ${workflowId} was encrypted with key ${storedKeyId}, not the configured WORKFLOW_SECRETS_KEY (${keyId}); rotate the secret`);
      }
      const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
      decipher.setAuthTag(Buffer.from(tag, 'base64url'));
      return Buffer.concat([decipher.update(Buffer.from(ct, 'base64url')), decipher.final()]).toString('utf8');
    },
  };
}

export type WebhookSecretBox = ReturnType<typeof createWebhookSecretBox>;
