import type { MailboxMessage } from '@crm/core';
import { AppError, getMailboxMessage, mailboxAttachment } from '@crm/core/contracts';
import { ResourceTemplate, type McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { toJsonValue } from '../framework/json.ts';
import { guarded } from '../framework/mcp-errors.ts';
import type { ModuleContext } from '../framework/server-module.ts';

export const mailboxUri = (id: string) => `crm://mailbox/${id}`;
export const mailboxAttachmentUri = (id: string, filename: string) => `crm://mailbox/${id}/attachments/${encodeURIComponent(filename)}`;

const variable = (v: string | string[] | undefined) => {
  const raw = (Array.isArray(v) ? v[0] : v) ?? '';
  try {
    return decodeURIComponent(raw);
  } catch {
    return raw;
  }
};

/** A message as tools show it: HTML cut at `htmlChars`, attachments as metadata with the resource that has the bytes. */
export function mailboxView(m: MailboxMessage, htmlChars: number) {
  const htmlTruncated = m.html !== null && m.html.length > htmlChars;
  return {
    ...m,
    html: m.html === null ? null : htmlTruncated ? m.html.slice(0, htmlChars) : m.html,
    htmlTruncated,
    attachments: m.attachments.map((a) => ({ ...a, uri: mailboxAttachmentUri(m.id, a.filename) })),
    uri: mailboxUri(m.id),
  };
}

/**
 * crm://mailbox/{id} (the whole message, full HTML, attachment metadata) and
 * crm://mailbox/{id}/attachments/{filename} (the bytes, base64 `blob` with the attachment's type).
 */
export function registerMailboxResources(server: McpServer, ctx: ModuleContext): void {
  const { logger } = ctx;
  server.registerResource(
    'mailbox-message',
    new ResourceTemplate('crm://mailbox/{id}', { list: undefined }),
    { title: 'Mailbox message', description: 'One message of the local mailbox: text, the whole HTML and attachment metadata (uris for the bytes).', mimeType: 'application/json' },
    guarded(logger, 'resources/read', async (uri, vars, extra) => {
      const { actor, core } = ctx.context(extra);
      const message = await getMailboxMessage(core.db, actor, variable(vars.id));
      return { contents: [{ uri: uri.href, mimeType: 'application/json', text: JSON.stringify(toJsonValue(mailboxView(message, Number.MAX_SAFE_INTEGER))) }] };
    }),
  );
  server.registerResource(
    'mailbox-attachment',
    new ResourceTemplate('crm://mailbox/{id}/attachments/{filename}', { list: undefined }),
    { title: 'Mailbox attachment', description: 'The bytes of one attachment of a mailbox message (base64 blob, with its content type).' },
    guarded(logger, 'resources/read', async (uri, vars, extra) => {
      const { actor, core } = ctx.context(extra);
      const id = variable(vars.id);
      const filename = variable(vars.filename);
      const file = await mailboxAttachment(core.db, actor, id, filename);
      if (!file) throw AppError.notFound('Mailbox attachment', `${id}/${filename}`);
      return { contents: [{ uri: uri.href, mimeType: file.contentType, blob: file.content.toString('base64') }] };
    }),
  );
}
