import { z } from 'zod';
import { envFlag as flag, envList as list } from '../config/env-types.ts';

/** Environment variables of the Google Cloud Pub/Sub relay of outbox events (off unless PUBSUB_TOPIC is set). */
export const PubSubEnv = z.object({
  PUBSUB_TOPIC: z
    .string()
    .regex(/^[A-Za-z][\w.~+%-]{2,254}$/, 'must be a Pub/Sub topic id: 3–255 letters, digits, - _ . ~ + %, starting with a letter')
    .optional()
    .describe('Relay every committed outbox event to this Pub/Sub topic (ordering key per contact, attribute eventId for de-duplication); unset ⇒ no relay. Example: crm-events'),
  PUBSUB_PROJECT_ID: z
    .string()
    .min(1)
    .optional()
    .describe('Google Cloud project of PUBSUB_TOPIC; defaults to GOOGLE_CLOUD_PROJECT. Example: acme-crm-prod'),
  PUBSUB_CREATE_TOPIC: flag.default(false).describe('Create PUBSUB_TOPIC at start when it does not exist (emulator, first deploy); otherwise a missing topic stops the relay with a clear error. Example: true'),
  PUBSUB_EMULATOR_HOST: z
    .string()
    .regex(/^[^\s:/]+:\d{1,5}$/, 'must be host:port')
    .optional()
    .describe('Send the relay to a Pub/Sub emulator instead of Google Cloud (read by the client library). Example: 127.0.0.1:8085'),
  PUBSUB_EVENT_TYPES: list.describe('Only relay these event types (a trailing * matches a prefix); empty ⇒ all. Example: contact.*,workflow.completed'),
});
export type PubSubEnv = z.infer<typeof PubSubEnv>;

export interface PubSubConfig {
  topic: string;
  projectId: string;
  createTopic: boolean;
  /** Empty ⇒ every event type. */
  eventTypes: string[];
  /** Set ⇒ the client talks to the emulator at this host:port (the client reads it from the environment). */
  emulatorHost?: string;
}

/** The relay's config, or undefined when it is off. Missing project ⇒ a field issue for the caller. */
export function pubSubConfigFrom(e: PubSubEnv, env: Record<string, string | undefined>): PubSubConfig | { issue: { path: string; reason: string } } | undefined {
  if (!e.PUBSUB_TOPIC) return undefined;
  const projectId = e.PUBSUB_PROJECT_ID ?? env.GOOGLE_CLOUD_PROJECT;
  if (!projectId) return { issue: { path: 'PUBSUB_PROJECT_ID', reason: 'is required when PUBSUB_TOPIC is set (or set GOOGLE_CLOUD_PROJECT)' } };
  return {
    topic: e.PUBSUB_TOPIC,
    projectId,
    createTopic: e.PUBSUB_CREATE_TOPIC,
    eventTypes: e.PUBSUB_EVENT_TYPES,
    ...(e.PUBSUB_EMULATOR_HOST ? { emulatorHost: e.PUBSUB_EMULATOR_HOST } : {}),
  };
}
