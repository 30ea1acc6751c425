import { z } from 'zod';

/**
 * A dry run's report as a schema (REST's OpenAPI response and the MCP tool's output), field for field
 * the interfaces of workflow-dry-run.ts; pure, so `@crm/core/contracts` can carry it.
 */
export const DryRunResult = z.object({
  triggerType: z.string(),
  days: z.number().int(),
  eventsScanned: z.number().int(),
  rowsWithoutEvents: z.number().int().describe('Rows of the window with no outbox event (history seeded or loaded without events), replayed as events'),
  entered: z.number().int(),
  entries: z.array(
    z.object({
      eventId: z.string().nullable(),
      eventType: z.string().nullable(),
      fromTable: z.enum(['contacts', 'interactions', 'audit_log']).optional().describe('Rebuilt from this table: the row has no outbox event'),
      at: z.string(),
      contactId: z.string().nullable(),
      contactName: z.string().nullable(),
      path: z.array(z.string()),
      effects: z.array(z.object({ stepId: z.string(), type: z.string(), detail: z.record(z.string(), z.unknown()) })),
    }),
  ),
  stepCounts: z.record(z.string(), z.number().int()),
  emails: z.number().int(),
  webhooks: z.number().int(),
  note: z.string().optional(),
});
