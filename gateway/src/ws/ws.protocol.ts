import { z } from 'zod';

/** The subprotocol a client must offer (beside an optional `crm.bearer.<token>`). */
export const WS_PROTOCOL = 'crm.v1';

export const TOPICS = ['contacts', 'workflow-executions', 'insights', 'approvals'] as const;
export const Topic = z.enum(TOPICS);
export type Topic = z.infer<typeof Topic>;

/** Close codes a client can act on. */
export const CLOSE = {
  /** Server stopping (graceful shutdown). */
  goingAway: 1001,
  /** No valid credential in time, or the token expired. */
  unauthenticated: 4401,
  /** More connections than WS_MAX_CONNECTIONS_PER_USER. */
  tooManyConnections: 4429,
  /** Fell behind by more than WS_MAX_BUFFERED_BYTES. */
  slowConsumer: 4008,
} as const;

const id = z.string().min(1).max(100).optional();

/** Every message a client may send; `id` is echoed on the replies to it. */
export const ClientMessage = z.discriminatedUnion('type', [
  z.object({ type: z.literal('auth'), token: z.string().min(1).max(8192) }).strict(),
  z.object({ type: z.literal('ping'), id }).strict(),
  z.object({ type: z.literal('subscribe'), id, topic: Topic, contactId: z.uuid().optional() }).strict(),
  z.object({ type: z.literal('unsubscribe'), id, topic: Topic }).strict(),
  z
    .object({
      type: z.literal('chat'),
      id,
      threadId: z.string().min(1).max(100).optional(),
      // REST chat's wording: a blank message said "Too small: expected string to have >=1 characters"
      message: z.string().trim().min(1, 'message is required').max(8000, 'must be at most 8000 characters'),
      // research scoped to this contact's record and notes plus the knowledge base
      contactId: z.uuid('must be a contact id (UUID)').optional(),
    })
    .strict(),
  z
    .object({
      type: z.literal('approve'),
      id,
      threadId: z.string().min(1).max(100),
      decisions: z.record(z.string(), z.enum(['approve', 'reject'])),
    })
    .strict(),
]);
export type ClientMessage = z.infer<typeof ClientMessage>;
