import { createHash } from 'node:crypto';
import { authorize } from '../auth/rbac.ts';
import { loadContact } from '../contacts/contact.service.ts';
import type { Database } from '../db/database.ts';
import { inTenantTx } from '../db/tenant-tx.ts';
import { AppError } from '../errors/app-error.ts';
import { parseOrThrow } from '../errors/zod-issues.ts';
import type { InteractionService } from '../interactions/interaction.service.ts';
import type { Actor } from '../users/user.schema.ts';
import { createMailboxTransport, type MailTransport } from './mail.transport.ts';
import { SendEmailInput } from './email.schema.ts';

export { SendEmailInput } from './email.schema.ts';


export interface SentEmail {
  to: string;
  subject: string;
  messageId: string;
  transport: MailTransport['kind'];
  /** The EMAIL/OUTBOUND interaction logged on the contact's timeline. */
  interactionId: string;
  /** True when this key had already been sent: nothing went out again. */
  duplicate: boolean;
}

export interface MailDelivery {
  mail: MailTransport;
  from: string;
}

/**
 * Email to one CRM contact, from a person, an assistant (after approval) or a background agent's
 * approved draft. The recipient is always the contact's stored address — never a free-form one, so
 * a tool result or a note can't redirect mail. It goes through the platform's transport (SMTP when
 * SMTP_URL is set, else the local mailbox), once per idempotency key, and is logged on the
 * contact's timeline as an outbound EMAIL interaction.
 */
export function createEmailService(db: Database, interactions: InteractionService) {
  let delivery: () => MailDelivery = () => ({ mail: createMailboxTransport(db), from: 'CRM <crm@crm.local>' });
  /** The contact to email, once the actor may email them and they have an address (the send and its pre-check). */
  async function recipient(actor: Actor, input: { contactId: string }) {
    const contact = await inTenantTx(db, actor, async (em) => {
      const c = await loadContact(em, input.contactId);
      authorize(actor, 'interactions:write', { ownerId: c.assignedTo });
      return c;
    });
    if (!contact.email) throw AppError.validation([{ path: 'contactId', reason: 'the contact has no email address' }]);
    return contact as typeof contact & { email: string };
  }
  return {
    /** The runtime sets the transport it built from SMTP_URL / MAIL_FROM (called on first send). */
    setDelivery(d: () => MailDelivery) {
      delivery = d;
    },
    /** The transport and sender everything that emails uses (tools that send scheduled reports, too). */
    delivery: (): MailDelivery => delivery(),

    /** Would `send` be allowed? Its validation, recipient and authorization, sending nothing (the approval queue asks first). */
    checks: {
      async send(actor: Actor, raw: unknown): Promise<void> {
        await recipient(actor, parseOrThrow(SendEmailInput, raw));
      },
    },

    async send(actor: Actor, raw: unknown): Promise<SentEmail> {
      const input = parseOrThrow(SendEmailInput, raw);
      const contact = await recipient(actor, input);
      const key =
        input.idempotencyKey ??
        `email:${actor.userId}:${createHash('sha256').update(`${input.contactId}\u0000${input.subject}\u0000${input.body}`).digest('hex').slice(0, 32)}`;
      const [logged] = await db.readAsTenant(actor.tenantId, [
        { sql: "SELECT id, metadata->>'messageId' AS message_id FROM interactions WHERE contact_id = $1 AND metadata->>'emailKey' = $2 LIMIT 1", params: [input.contactId, key] },
      ]);
      const { mail, from } = delivery();
      if (logged.length) {
        return { to: contact.email, subject: input.subject, messageId: String(logged[0].message_id), transport: mail.kind, interactionId: String(logged[0].id), duplicate: true };
      }
      const sent = await mail.send({ tenantId: actor.tenantId, idempotencyKey: key, from, to: contact.email, subject: input.subject, body: input.body });
      const interaction = await interactions.log(actor, {
        contactId: input.contactId,
        type: 'EMAIL',
        channel: 'EMAIL',
        direction: 'OUTBOUND',
        subject: input.subject,
        content: input.body,
        metadata: { emailKey: key, messageId: sent.messageId, transport: mail.kind },
      });
      return { to: contact.email, subject: input.subject, messageId: sent.messageId, transport: mail.kind, interactionId: interaction.id, duplicate: false };
    },
  };
}

export type EmailService = ReturnType<typeof createEmailService>;
