import { authorize } from '../auth/rbac.ts';
import type { Database } from '../db/database.ts';
import { AppError } from '../errors/app-error.ts';
import { parseOrThrow } from '../errors/zod-issues.ts';
import type { ContactStatus } from '../contacts/contact.schema.ts';
import type { Actor } from '../users/user.schema.ts';
import { buildStages, findOpportunities, findPainPoints } from './journey.builder.ts';
import { AnalyzeJourneyInput, type AnalyzeJourneyOutput, type JourneyInteraction } from './journey.schema.ts';

/** At most this many interactions (the newest) go into one journey. */
const MAX_INTERACTIONS = 5000;

export function createJourneyService(db: Database, options: { now?: () => Date } = {}) {
  const now = options.now ?? (() => new Date());
  return {
    /** The insights MCP tool `analyze_customer_journey`. */
    async analyze(actor: Actor, raw: AnalyzeJourneyInput): Promise<AnalyzeJourneyOutput> {
      const { contact_id: id } = parseOrThrow(AnalyzeJourneyInput, raw);
      const [[contact], changes, interactions] = await db.readAsTenant(actor.tenantId, [
        { sql: 'SELECT id, first_name, last_name, status, assigned_to, created_at FROM contacts WHERE id = $1', params: [id] },
        {
          sql: `SELECT created_at AS at, diff->'before'->>'status' AS "from", diff->'after'->>'status' AS "to" FROM audit_log
                WHERE action = 'contact.status_changed' AND entity_id = $1 ORDER BY created_at, id`,
          params: [id],
        },
        {
          sql: `SELECT * FROM (SELECT created_at AS at, type, channel, direction, subject, (sentiment->>'score')::float8 AS sentiment FROM interactions
                WHERE contact_id = $1 ORDER BY created_at DESC LIMIT ${MAX_INTERACTIONS}) x ORDER BY at`,
          params: [id],
        },
      ]);
      if (!contact) throw AppError.notFound('Contact', id);
      // The journey is built from every interaction on the contact, so a rep needs to own it.
      authorize(actor, 'interactions:read', { ownerId: contact.assigned_to as string | null });
      const facts = {
        createdAt: new Date(contact.created_at as string),
        status: contact.status as ContactStatus,
        changes: changes.map((c) => ({ at: new Date(c.at as string), from: (c.from as string) ?? null, to: c.to as string })),
        interactions: interactions.map((x) => ({ ...x, at: new Date(x.at as string) }) as unknown as JourneyInteraction),
        now: now(),
      };
      const stages = buildStages(facts);
      return {
        contact: { id, name: `${contact.first_name} ${contact.last_name}`, status: facts.status },
        journey_stages: stages,
        pain_points: findPainPoints(facts),
        optimization_opportunities: findOpportunities(facts, stages),
      };
    },
  };
}

export type JourneyService = ReturnType<typeof createJourneyService>;
