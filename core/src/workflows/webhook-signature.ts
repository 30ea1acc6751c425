import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Database } from '../db/database.ts';
import { AppError } from '../errors/app-error.ts';

export const SIGNATURE_HEADER = 'x-crm-signature';
export const TIMESTAMP_HEADER = 'x-crm-timestamp';
export const WEBHOOK_TOLERANCE_SECONDS = 300;

/** `v1=` + hex HMAC-SHA256 over `<unix seconds>.<raw body>`, the scheme of both directions. */
export function signWebhook(secret: string, timestamp: number, body: string): string {
  return `v1=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

/** Headers for an outbound call signed now. */
export function signedHeaders(secret: string, body: string, now = Date.now()): Record<string, string> {
  const ts = Math.floor(now / 1000);
  return { [TIMESTAMP_HEADER]: String(ts), [SIGNATURE_HEADER]: signWebhook(secret, ts, body) };
}

/**
 * Check an inbound webhook: a signature over its timestamp and exact body bytes, and a timestamp
 * within 5 minutes of now (either side), so a captured request cannot be replayed later.
 */
export function verifyWebhook(secret: string, req: { timestamp?: string; signature?: string; body: string }, now = Date.now()): void {
  const fail = (path: string, reason: string) => {
    throw new AppError('UNAUTHENTICATED', `Webhook rejected: ${reason}`, { details: [{ path, reason }] });
  };
  if (!req.timestamp || !/^\d{1,12}$/.test(req.timestamp)) fail(TIMESTAMP_HEADER, 'missing or not unix seconds');
  if (!req.signature) fail(SIGNATURE_HEADER, 'missing');
  const ts = Number(req.timestamp);
  if (Math.abs(now / 1000 - ts) > WEBHOOK_TOLERANCE_SECONDS) fail(TIMESTAMP_HEADER, 'outside the 5-minute tolerance');
  const expected = Buffer.from(signWebhook(secret, ts, req.body));
  const given = Buffer.from(req.signature!);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) fail(SIGNATURE_HEADER, "does not match the body signed with this workflow's secret (a secret of another workflow, or one rotated away, does not verify)");
}

/**
 * Replay protection: remember each accepted signature for the tolerance window; the same
 * signature again is refused with CONFLICT. Old receipts are pruned as new ones arrive.
 */
export async function recordWebhookReceipt(db: Database, tenantId: string, workflowId: string, signature: string): Promise<void> {
  const inserted = await db.withTenant(tenantId, async (em) => {
    await em.execute(`DELETE FROM webhook_receipts WHERE received_at < now() - make_interval(secs => ?)`, [WEBHOOK_TOLERANCE_SECONDS * 2]);
    return em.execute<unknown[]>(
      'INSERT INTO webhook_receipts (signature, tenant_id, workflow_id) VALUES (?, ?, ?) ON CONFLICT (signature) DO NOTHING RETURNING 1',
      [signature, tenantId, workflowId],
    );
  });
  if (!inserted.length) throw new AppError('CONFLICT', 'Webhook rejected: this request was already received (replay)', { details: [{ path: SIGNATURE_HEADER, reason: 'replayed' }] });
}
