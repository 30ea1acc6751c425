import { z } from 'zod';
import { ContactStatus } from '../contacts/contact.schema.ts';

export const AnalyzeJourneyInput = z.object({ contact_id: z.uuid('must be a contact id (UUID)') }).strict();
export type AnalyzeJourneyInput = z.input<typeof AnalyzeJourneyInput>;

export const JourneyStage = z.object({
  stage: ContactStatus,
  enteredAt: z.date(),
  exitedAt: z.date().nullable(),
  durationDays: z.number(),
  interactions: z.number().int(),
  inbound: z.number().int(),
  channels: z.array(z.string()),
  averageSentiment: z.number().nullable(),
  /** Where the stage boundary came from: the audit history, or the contact's creation. */
  evidence: z.string(),
});
export type JourneyStage = z.infer<typeof JourneyStage>;

export const AnalyzeJourneyOutput = z.object({
  contact: z.object({ id: z.uuid(), name: z.string(), status: ContactStatus }),
  journey_stages: z.array(JourneyStage),
  pain_points: z.array(z.string()),
  optimization_opportunities: z.array(z.string()),
});
export type AnalyzeJourneyOutput = z.infer<typeof AnalyzeJourneyOutput>;

export interface JourneyInteraction {
  at: Date;
  type: string;
  channel: string;
  direction: 'INBOUND' | 'OUTBOUND';
  subject: string | null;
  sentiment: number | null;
}

export interface StatusChange {
  at: Date;
  from: string | null;
  to: string;
}
