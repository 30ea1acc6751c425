import { getMailboxMessage, listMailbox, mailboxAttachment, AppError, type CrmCore } from '@crm/core';
import type { FastifyPluginAsync } from 'fastify';
import { z } from 'zod';
import { actorOf, IdParams, withErrors } from './api-schemas.ts';
import type { ZodTypeProvider } from './zod-route.ts';

/** Lists cut each HTML body here (a report's HTML with charts runs to hundreds of KB); GET /mailbox/{id} has all of it. */
export const MAILBOX_HTML_PREVIEW_CHARS = 4000;

const AttachmentOut = z.object({
  filename: z.string(),
  contentType: z.string(),
  cid: z.string().nullable().describe('Content-ID of an inline image (the HTML refers to it as cid:...)'),
  size: z.number().int().describe('bytes'),
  url: z.string().describe('GET this for the bytes'),
});
const MessageOut = z.object({
  id: z.uuid(),
  from: z.string(),
  to: z.string(),
  subject: z.string(),
  body: z.string().describe('plain text'),
  html: z.string().nullable(),
  htmlTruncated: z.boolean().describe('true when html was cut (lists only): GET /mailbox/{id} for all of it'),
  attachments: z.array(AttachmentOut),
  workflowId: z.string().nullable(),
  executionId: z.string().nullable(),
  createdAt: z.date(),
});

/** RFC 5987 ext-value: encodeURIComponent leaves ' ( ) * which are not attr-chars. */
const rfc5987 = (name: string) => encodeURIComponent(name).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
/** A stored type that is not a plain MIME type (it came from a template or an import) is sent as bytes. */
const safeType = (t: string) => (/^[\w.+-]+\/[\w.+-]+(\s*;\s*[\w.+-]+=[\w.+"-]+)*$/.test(t) ? t : 'application/octet-stream');

type Message = Awaited<ReturnType<typeof getMailboxMessage>>;
const view = (m: Message, htmlChars: number) => {
  const htmlTruncated = m.html !== null && m.html.length > htmlChars;
  return {
    ...m,
    html: m.html !== null && htmlTruncated ? m.html.slice(0, htmlChars) : m.html,
    htmlTruncated,
    attachments: m.attachments.map((a) => ({ ...a, url: `/api/v1/mailbox/${m.id}/attachments/${encodeURIComponent(a.filename)}` })),
  };
};

/**
 * The local mailbox (mail that workflows and scheduled reports sent with no SMTP server
 * configured): messages with text, HTML and attachment metadata, and each attachment's bytes.
 */
export const mailboxRoutes: FastifyPluginAsync<{ core: CrmCore }> = async (app, { core }) => {
  const f = app.withTypeProvider<ZodTypeProvider>();
  const tags = ['mailbox'];

  f.get('/mailbox', {
    schema: {
      tags,
      summary: `Local mailbox, newest first (HTML cut at ${MAILBOX_HTML_PREVIEW_CHARS} characters)`,
      querystring: z
        .object({
          to: z.string().max(320).optional().describe('Only mail to this address'),
          limit: z.coerce.number().int('must be an integer').min(1, 'must be at least 1').max(100, 'must be at most 100').default(20),
        })
        .strict(),
      response: withErrors({ 200: z.object({ data: z.array(MessageOut) }) }),
    },
    handler: async (req) => ({ data: (await listMailbox(core.db, actorOf(req), req.query)).map((m) => view(m, MAILBOX_HTML_PREVIEW_CHARS)) }),
  });

  f.get('/mailbox/:id', {
    schema: { tags, summary: 'One message with its whole HTML', params: IdParams, response: withErrors({ 200: MessageOut }) },
    handler: async (req) => view(await getMailboxMessage(core.db, actorOf(req), req.params.id), Number.MAX_SAFE_INTEGER),
  });

  f.get('/mailbox/:id/attachments/:filename', {
    schema: {
      tags,
      summary: 'The bytes of one attachment, with its content type',
      params: z.object({ id: z.uuid('must be a mailbox message id (UUID)'), filename: z.string().min(1).max(255) }).strict(),
      response: withErrors({ 200: z.custom<Buffer>().describe('the attachment (binary)') }),
    },
    handler: async (req, reply) => {
      const { id, filename } = req.params;
      const file = await mailboxAttachment(core.db, actorOf(req), id, filename);
      if (!file) throw AppError.notFound('Mailbox attachment', `${id}/${filename}`);
      // served as a download: an HTML or SVG attachment must not run as a page of this origin
      return reply
        .type(safeType(file.contentType))
        .header('content-disposition', `attachment; filename*=UTF-8''${rfc5987(file.filename)}`)
        .header('content-length', file.content.length)
        .send(file.content);
    },
  });
};
