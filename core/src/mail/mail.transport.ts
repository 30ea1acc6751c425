import { createHash, randomUUID } from 'node:crypto';
import type nodemailer from 'nodemailer';
import { lazyModule } from '../lazy-module.ts';

const mailer = lazyModule<typeof nodemailer>('nodemailer');
import { z } from 'zod';
import { authorize } from '../auth/rbac.ts';
import type { ReadStatement } from '../db/database.ts';
import { AppError } from '../errors/app-error.ts';
import { parseOrThrow } from '../errors/zod-issues.ts';

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
import type { Actor } from '../users/user.schema.ts';
import { databaseOf, type DatabaseHandle } from '../db/database-handle.ts';

export interface OutgoingMail {
  tenantId: string;
  /** Same key ⇒ same message: the mailbox stores it once, SMTP carries it as Message-ID and a header. */
  idempotencyKey: string;
  from: string;
  to: string;
  subject: string;
  /** Plain-text body (always there: clients without HTML show it). */
  body: string;
  /** Optional HTML alternative; images reference attachments as `cid:`. */
  html?: string;
  attachments?: MailAttachment[];
  workflowId?: string;
  executionId?: string;
}

export interface MailAttachment {
  filename: string;
  contentType: string;
  content: Buffer;
  /** Content-ID for inline images (`<img src="cid:...">`). */
  cid?: string;
}

export interface MailTransport {
  kind: 'mailbox' | 'smtp';
  send(mail: OutgoingMail): Promise<{ messageId: string }>;
  /**
   * Only a transport that delivers by a database write (the mailbox): that write as a statement,
   * so a caller commits the delivery together with its own records (the workflow engine: with the
   * step's ledger entry and attempt, one round trip and exactly once by construction).
   */
  sendStatement?(mail: OutgoingMail): ReadStatement;
}

/** A stable Message-ID for an idempotency key, so receivers can drop a resent copy. */
export function messageIdFor(key: string): string {
  return `<${createHash('sha256').update(key).digest('hex').slice(0, 32)}@crm.local>`;
}

/** The embedded default: mail lands in the tenant's mailbox table, nothing leaves the machine. */
export function createMailboxTransport(handle: DatabaseHandle): MailTransport {
  const db = databaseOf(handle);
  const statement = (m: OutgoingMail): ReadStatement => ({
    sql: `INSERT INTO mailbox_messages (id, tenant_id, idempotency_key, from_address, to_address, subject, body, html_body, attachments, workflow_id, execution_id)
          VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9::jsonb, $10, $11) ON CONFLICT (tenant_id, idempotency_key) DO NOTHING`,
    params: [
      randomUUID(),
      m.tenantId,
      m.idempotencyKey,
      m.from,
      m.to,
      m.subject,
      m.body,
      m.html ?? null,
      JSON.stringify((m.attachments ?? []).map((a) => ({ filename: a.filename, contentType: a.contentType, cid: a.cid ?? null, content: a.content.toString('base64') }))),
      m.workflowId ?? null,
      m.executionId ?? null,
    ],
  });
  return {
    kind: 'mailbox',
    async send(m) {
      // one round trip: workflow steps send here on their hot path
      await db.writeAsTenant(m.tenantId, [statement(m)]);
      return { messageId: messageIdFor(m.idempotencyKey) };
    },
    sendStatement: statement,
  };
}

/** Real delivery over SMTP (nodemailer), e.g. `smtp://user:pass@smtp.example.com:587`. */
export function createSmtpTransport(url: string): MailTransport & { close(): void } {
  const transporter = mailer().createTransport(url);
  return {
    kind: 'smtp',
    async send(m) {
      const messageId = messageIdFor(m.idempotencyKey);
      await transporter.sendMail({
        from: m.from,
        to: m.to,
        subject: m.subject,
        text: m.body,
        ...(m.html ? { html: m.html } : {}),
        ...(m.attachments?.length ? { attachments: m.attachments.map((a) => ({ filename: a.filename, contentType: a.contentType, content: a.content, ...(a.cid ? { cid: a.cid } : {}) })) } : {}),
        messageId,
        headers: { 'X-Idempotency-Key': m.idempotencyKey },
      });
      return { messageId };
    },
    close: () => transporter.close(),
  };
}

export const ListMailboxQuery = z
  .object({ to: z.string().optional(), limit: z.number().int().min(1).max(500).default(50) })
  .strict();

export interface MailboxMessage {
  id: string;
  from: string;
  to: string;
  subject: string;
  body: string;
  html: string | null;
  /** Attachment metadata; `mailboxAttachment` returns the bytes. */
  attachments: { filename: string; contentType: string; cid: string | null; size: number }[];
  workflowId: string | null;
  executionId: string | null;
  createdAt: Date;
}

interface StoredAttachment {
  filename: string;
  contentType: string;
  cid: string | null;
  content: string;
}

/** Attachment metadata computed in SQL, so a list never ships the (base64) contents. */
const MAILBOX_COLUMNS = `id, from_address, to_address, subject, body, html_body, workflow_id, execution_id, created_at,
  (SELECT coalesce(jsonb_agg(jsonb_build_object('filename', a->>'filename', 'contentType', a->>'contentType', 'cid', a->'cid',
     'size', length(a->>'content') * 3 / 4 - (CASE WHEN right(a->>'content', 2) = '==' THEN 2 WHEN right(a->>'content', 1) = '=' THEN 1 ELSE 0 END))
   ORDER BY n), '[]'::jsonb) FROM jsonb_array_elements(attachments) WITH ORDINALITY AS x(a, n)) AS attachment_meta`;

function toMailboxMessage(r: Record<string, unknown>): MailboxMessage {
  const meta = (r.attachment_meta as { filename: string; contentType: string; cid: string | null; size: number | string }[] | null) ?? [];
  return {
    id: r.id as string,
    from: r.from_address as string,
    to: r.to_address as string,
    subject: r.subject as string,
    body: r.body as string,
    html: (r.html_body as string | null) ?? null,
    attachments: meta.map((a) => ({ filename: a.filename, contentType: a.contentType, cid: a.cid ?? null, size: Number(a.size) })),
    workflowId: (r.workflow_id as string | null) ?? null,
    executionId: (r.execution_id as string | null) ?? null,
    createdAt: r.created_at instanceof Date ? r.created_at : new Date(r.created_at as string),
  };
}

/** The tenant's local mailbox, newest first (CLI `crm workflow mailbox`, MCP, REST). */
export async function listMailbox(handle: DatabaseHandle, actor: Actor, query: z.input<typeof ListMailboxQuery> = {}): Promise<MailboxMessage[]> {
  const db = databaseOf(handle);
  authorize(actor, 'workflows:read');
  const q = parseOrThrow(ListMailboxQuery, query);
  const rows = await db.withTenant(actor.tenantId, (em) =>
    em.execute<Record<string, unknown>[]>(
      `SELECT ${MAILBOX_COLUMNS} FROM mailbox_messages WHERE (?::text IS NULL OR to_address = ?) ORDER BY created_at DESC, id LIMIT ?`,
      [q.to ?? null, q.to ?? null, q.limit],
    ),
  );
  return rows.map(toMailboxMessage);
}

/** One mailbox message with its whole HTML and attachment metadata; NOT_FOUND when it is not the tenant's. */
export async function getMailboxMessage(handle: DatabaseHandle, actor: Actor, id: string): Promise<MailboxMessage> {
  const db = databaseOf(handle);
  authorize(actor, 'workflows:read');
  const messageId = parseOrThrow(z.uuid('must be a mailbox message id (UUID)'), id, 'id');
  const rows = await db.withTenant(actor.tenantId, (em) =>
    em.execute<Record<string, unknown>[]>(`SELECT ${MAILBOX_COLUMNS} FROM mailbox_messages WHERE id = ?`, [messageId]),
  );
  if (!rows.length) throw AppError.notFound('Mailbox message', messageId);
  return toMailboxMessage(rows[0]);
}

/** One attachment of a mailbox message, with its bytes (null when there is no such message or file). */
export async function mailboxAttachment(handle: DatabaseHandle, actor: Actor, messageId: string, filename: string): Promise<MailAttachment | null> {
  const db = databaseOf(handle);
  authorize(actor, 'workflows:read');
  if (!UUID_RE.test(messageId)) return null;
  const rows = await db.withTenant(actor.tenantId, (em) =>
    em.execute<{ attachments: StoredAttachment[] }[]>(`SELECT attachments FROM mailbox_messages WHERE id = ?`, [messageId]),
  );
  const a = rows[0]?.attachments.find((x) => x.filename === filename);
  return a ? { filename: a.filename, contentType: a.contentType, content: Buffer.from(a.content, 'base64'), ...(a.cid ? { cid: a.cid } : {}) } : null;
}
