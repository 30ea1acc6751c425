import { CreateFollowUpInput, ListFollowUpsQuery, InteractionType, ListInteractionsFilters, LogInteractionInput, SendEmailInput } from '@crm/core/contracts';
import { z } from 'zod';
import type { ToolContract } from '../../framework/tool.ts';
import { ContactId, Cursor, FollowUpOut, InteractionOut, IsoDateInput, NextCursorOut } from './common.contract.ts';

const log = LogInteractionInput.shape;

export const LogInteraction = {
  name: 'log_interaction',
  input: LogInteractionInput.extend({
    contactId: ContactId,
    content: log.content.describe('Notes: what was said or done'),
    duration: log.duration.describe('Minutes, for calls and meetings'),
    scheduledFollowUp: IsoDateInput.optional().describe('Also creates a follow-up due at this date'),
    occurredAt: IsoDateInput.optional().describe('When it happened; defaults to now'),
    sentiment: log.sentiment.describe(
      'Only when you know it, e.g. {"score": -0.4, "confidence": 0.7, "emotions": ["frustrated"]}: score -1 (negative) to 1 (positive), confidence 0 to 1. Left out, it is estimated from the content',
    ),
    outcome: log.outcome.describe('How it ended, in a few words, e.g. "demo booked" or "no answer"'),
    tags: log.tags.describe('Short labels, e.g. ["pricing", "renewal"]'),
  }).strict(),
  output: InteractionOut,
} satisfies ToolContract;

export const GetContactTimeline = {
  name: 'get_contact_timeline',
  input: z
    .object({
      contactId: ContactId,
      type: InteractionType.optional().describe('Only interactions of this type'),
      limit: z.number().int('must be an integer').min(1, 'must be at least 1').max(100, 'must be at most 100').default(20),
      cursor: Cursor.optional(),
    })
    .strict(),
  output: z.object({
    contact: z.object({ id: z.uuid(), name: z.string() }),
    interactions: z.array(InteractionOut).describe('Newest first'),
    nextCursor: NextCursorOut,
  }),
} satisfies ToolContract;

const li = ListInteractionsFilters.shape;

/** REST `GET /interactions`: across the tenant's contacts (or one contact's), newest first. */
export const ListInteractions = {
  name: 'list_interactions',
  input: z
    .object({
      contactId: ContactId.optional().describe('Only interactions with this contact'),
      type: li.type.describe('Only interactions of this type'),
      direction: li.direction.describe('Only inbound or only outbound'),
      from: IsoDateInput.optional().describe(li.from.description!),
      to: IsoDateInput.optional().describe(li.to.description!),
      ownerId: li.ownerId,
      userId: li.userId.describe('Only interactions logged by this user (your id from get_current_user: "what did I log")'),
      limit: z.number().int('must be an integer').min(1, 'must be at least 1').max(100, 'must be at most 100').default(20),
      cursor: Cursor.optional(),
    })
    .strict(),
  output: z.object({
    interactions: z.array(InteractionOut).describe('Newest first'),
    totalCount: z.number().int().describe('Matches in all pages'),
    totalCountExact: z.boolean().describe('false when over 10,000 match and totalCount is a lower bound'),
    nextCursor: NextCursorOut,
  }),
} satisfies ToolContract;

const fu = ListFollowUpsQuery.shape;

export const ListFollowUps = {
  name: 'list_follow_ups',
  input: z
    .object({
      scope: fu.scope.describe('due: open and due by dueBefore (default end of today); overdue: open and past due; open; done; all'),
      dueBefore: IsoDateInput.optional().describe('With scope "due": the cut-off (a date alone includes that whole day)'),
      ownerId: fu.ownerId.describe('Only follow-ups owned by this user id'),
      contactId: ContactId.optional().describe('Only follow-ups on this contact'),
      limit: z.number().int('must be an integer').min(1, 'must be at least 1').max(100, 'must be at most 100').default(50),
      cursor: Cursor.optional(),
    })
    .strict(),
  output: z.object({ followUps: z.array(FollowUpOut).describe('Earliest due first'), nextCursor: NextCursorOut }),
} satisfies ToolContract;

export const CreateFollowUp = {
  name: 'create_follow_up',
  input: CreateFollowUpInput.extend({
    contactId: ContactId,
    dueAt: IsoDateInput,
    ownerId: CreateFollowUpInput.shape.ownerId.describe('User id; defaults to the contact\'s owner, else you'),
  }).strict(),
  output: FollowUpOut,
} satisfies ToolContract;

export const CompleteFollowUp = {
  name: 'complete_follow_up',
  input: z
    .object({
      id: z.uuid('must be a follow-up id (UUID)').describe('Follow-up id, e.g. from list_follow_ups'),
      note: z.string().trim().max(2000, 'must be at most 2000 characters').optional().describe('Appended to the follow-up\'s notes'),
    })
    .strict(),
  output: FollowUpOut,
} satisfies ToolContract;

const mail = SendEmailInput.shape;

export const SendEmail = {
  name: 'send_email',
  input: z
    .object({
      contactId: ContactId.describe('The contact to write to: the mail goes to their stored address, never another one'),
      subject: mail.subject.describe('Subject line'),
      body: mail.body.describe('Plain-text body'),
      idempotencyKey: mail.idempotencyKey.describe('Sending the same key again sends nothing (default: derived from contact, subject and body)'),
    })
    .strict(),
  output: z.object({
    to: z.string(),
    subject: z.string(),
    messageId: z.string(),
    transport: z.enum(['mailbox', 'smtp']),
    interactionId: z.uuid(),
    duplicate: z.boolean(),
  }),
} satisfies ToolContract;
