/**
 * The SQL behind the metrics. Every statement runs through `db.readAsTenant` (crm_app role,
 * app.tenant_id set, read-only), so row-level security scopes it; nothing here filters by tenant.
 * Shared parameters: $1 period start, $2 period end, $3 previous-period start, $4 owner (uuid or NULL),
 * $5 / $6 segment source / campaign (or NULL).
 *
 * Status history is the audit log (`contact.status_changed`, diff.before/after.status; the demo
 * seeder writes the same rows). A contact's status at time T is the `before` of its first change
 * after T, or its current status when nothing changed since — one DISTINCT ON pass, no per-contact lookups.
 */
import type { ReadStatement } from '../db/database.ts';

export interface SqlParams {
  start: Date;
  end: Date;
  prevStart: Date;
  ownerId: string | null;
  segment?: { source?: string; campaign?: string };
  /** IANA zone whose calendar days the daily series use ($7); default UTC. */
  timeZone?: string;
}

// Owner scope (reps) and the optional customer segment (source or campaign) on the contact.
const OWNER_CONTACT = `($4::uuid IS NULL OR c.assigned_to = $4::uuid) AND ($5::text IS NULL OR c.source = $5::text)
  AND ($6::text IS NULL OR c.metadata->>'campaignId' = $6::text)`;
const CONVERSIONS = `SELECT entity_id, min(created_at) AS at FROM audit_log
  WHERE action = 'contact.status_changed' AND diff->'after'->>'status' = 'CUSTOMER' GROUP BY entity_id`;
const day = (col: string) => `to_char(date_trunc('day', ${col} AT TIME ZONE $7::text), 'YYYY-MM-DD')`;

const params = (p: SqlParams) => [p.start, p.end, p.prevStart, p.ownerId, p.segment?.source ?? null, p.segment?.campaign ?? null, p.timeZone ?? 'UTC'] as const;

/**
 * Interactions filtered by the owner/segment of their contact. Without a filter the contact join is
 * left out: every interaction has its contact (foreign key), and joining 100k contacts only to keep
 * them all cost a hash of the whole contacts table per statement. `owner` says which column is the
 * owner: the contact's assignee, or (activity) the user who logged the interaction.
 */
function interactionsOf(p: SqlParams, owner: 'contact' | 'logger' = 'contact'): { from: string; where: string } {
  const ownerCond = owner === 'logger' ? '($4::uuid IS NULL OR i.user_id = $4::uuid)' : '($4::uuid IS NULL OR c.assigned_to = $4::uuid)';
  const needsContact = (owner === 'contact' && p.ownerId !== null) || p.segment?.source !== undefined || p.segment?.campaign !== undefined;
  if (!needsContact) return { from: 'interactions i', where: owner === 'logger' ? ownerCond : 'TRUE' };
  return {
    from: 'interactions i JOIN contacts c ON c.id = i.contact_id',
    where: `${ownerCond} AND ($5::text IS NULL OR c.source = $5::text) AND ($6::text IS NULL OR c.metadata->>'campaignId' = $6::text)`,
  };
}

/** Pipeline by status at the end and at the start of the period. */
export function pipelineSql(p: SqlParams, at: 'start' | 'end'): ReadStatement {
  const t = at === 'end' ? '$2::timestamptz' : '$1::timestamptz';
  return {
    sql: `SELECT COALESCE(f.before, c.status) AS status, count(*)::int AS n
      FROM contacts c
      LEFT JOIN (SELECT DISTINCT ON (entity_id) entity_id, diff->'before'->>'status' AS before FROM audit_log
                 WHERE action = 'contact.status_changed' AND created_at > ${t} ORDER BY entity_id, created_at) f ON f.entity_id = c.id
      WHERE c.created_at < ${t} AND ${OWNER_CONTACT}
      GROUP BY 1`,
    params: params(p),
  };
}

/**
 * Conversion by source, campaign and owner for the contacts created in each period: a contact
 * counts as converted when it became a CUSTOMER before its period ended (created as a customer
 * with no history ⇒ converted at creation).
 */
export function conversionSql(p: SqlParams): ReadStatement {
  return {
    sql: `WITH conv AS (${CONVERSIONS}),
      cohort AS (
        SELECT c.source, c.metadata->>'campaignId' AS campaign, c.assigned_to::text AS owner,
          CASE WHEN c.created_at >= $1::timestamptz THEN 'current' ELSE 'previous' END AS period,
          COALESCE(conv.at, CASE WHEN c.status = 'CUSTOMER' THEN c.created_at END) AS conv_at
        FROM contacts c LEFT JOIN conv ON conv.entity_id = c.id
        WHERE c.created_at >= $3::timestamptz AND c.created_at < $2::timestamptz AND ${OWNER_CONTACT})
      SELECT d.dim, d.key, period, count(*)::int AS trials,
        count(*) FILTER (WHERE conv_at < CASE WHEN period = 'current' THEN $2::timestamptz ELSE $1::timestamptz END)::int AS successes
      FROM cohort, LATERAL (VALUES ('all', 'all'), ('source', source), ('campaign', campaign), ('owner', owner)) AS d(dim, key)
      WHERE d.key IS NOT NULL
      GROUP BY 1, 2, 3`,
    params: params(p),
  };
}

/** Days from creation (as a lead) to becoming a customer, for deals won in each period (a stable sample of ≤ 2,000). */
export function velocitySql(p: SqlParams): ReadStatement {
  return {
    sql: `SELECT CASE WHEN conv.at >= $1::timestamptz THEN 'current' ELSE 'previous' END AS period, count(*)::int AS n,
        (array_agg(extract(epoch FROM conv.at - c.created_at)::float8 / 86400 ORDER BY md5(c.id::text)))[1:2000] AS days
      FROM (${CONVERSIONS}) conv JOIN contacts c ON c.id = conv.entity_id
      WHERE conv.at >= $3::timestamptz AND conv.at < $2::timestamptz AND ${OWNER_CONTACT}
      GROUP BY 1`,
    params: params(p),
  };
}

/** Interactions logged per user and period (counted first; only the few aggregated rows meet the users table). */
export function activitySql(p: SqlParams): ReadStatement {
  const s = interactionsOf(p, 'logger');
  return {
    sql: `SELECT a.user_id::text AS user_id, u.name, u.role, a.period, a.n
      FROM (SELECT i.user_id, CASE WHEN i.created_at >= $1::timestamptz THEN 'current' ELSE 'previous' END AS period, count(*)::int AS n
            FROM ${s.from}
            WHERE i.created_at >= $3::timestamptz AND i.created_at < $2::timestamptz AND i.user_id IS NOT NULL AND ${s.where}
            GROUP BY 1, 2) a
      JOIN users u ON u.id = a.user_id`,
    params: params(p),
  };
}

/**
 * Hours from each inbound interaction to the next outbound one on the same contact (any later
 * reply counts, also after the period). Unanswered inbound ones are counted, not timed.
 */
export function responseTimeSql(p: SqlParams): ReadStatement {
  const s = interactionsOf(p);
  return {
    sql: `SELECT period, count(*)::int AS inbound, count(reply_at)::int AS answered,
        (array_agg(extract(epoch FROM reply_at - created_at)::float8 / 3600 ORDER BY md5(id::text)) FILTER (WHERE reply_at IS NOT NULL))[1:2000] AS hours
      FROM (
        SELECT i.id, i.created_at, i.direction,
          CASE WHEN i.created_at >= $1::timestamptz THEN 'current' ELSE 'previous' END AS period,
          min(CASE WHEN i.direction = 'OUTBOUND' THEN i.created_at END)
            OVER (PARTITION BY i.contact_id ORDER BY i.created_at, i.id ROWS BETWEEN 1 FOLLOWING AND UNBOUNDED FOLLOWING) AS reply_at
        FROM ${s.from}
        WHERE i.created_at >= $3::timestamptz AND ${s.where}) x
      WHERE direction = 'INBOUND' AND created_at < $2::timestamptz
      GROUP BY 1`,
    params: params(p),
  };
}

/** Mean and spread of the sentiment score (the 0260 `sentiment_score` column) per period. */
export function sentimentSql(p: SqlParams): ReadStatement {
  const s = interactionsOf(p);
  return {
    sql: `SELECT CASE WHEN i.created_at >= $1::timestamptz THEN 'current' ELSE 'previous' END AS period, count(*)::int AS n,
        avg(i.sentiment_score) AS mean, coalesce(stddev_samp(i.sentiment_score), 0) AS sd
      FROM ${s.from}
      WHERE i.sentiment_score IS NOT NULL AND i.created_at >= $3::timestamptz AND i.created_at < $2::timestamptz AND ${s.where}
      GROUP BY 1`,
    params: params(p),
  };
}

/** Daily series over [$1, $2) in the calendar days of zone $7: new contacts, conversions, interactions (inbound), sentiment sums. */
export function dailySql(p: SqlParams): ReadStatement[] {
  const s = interactionsOf(p);
  return [
    {
      sql: `SELECT ${day('c.created_at')} AS day, count(*)::int AS n FROM contacts c
        WHERE c.created_at >= $1::timestamptz AND c.created_at < $2::timestamptz AND ${OWNER_CONTACT} GROUP BY 1`,
      params: params(p),
    },
    {
      sql: `SELECT ${day('conv.at')} AS day, count(*)::int AS n FROM (${CONVERSIONS}) conv JOIN contacts c ON c.id = conv.entity_id
        WHERE conv.at >= $1::timestamptz AND conv.at < $2::timestamptz AND ${OWNER_CONTACT} GROUP BY 1`,
      params: params(p),
    },
    {
      sql: `SELECT ${day('i.created_at')} AS day, count(*)::int AS n, count(*) FILTER (WHERE i.direction = 'INBOUND')::int AS inbound,
          coalesce(sum(i.sentiment_score), 0)::float8 AS s_sum, count(i.sentiment_score)::int AS s_n
        FROM ${s.from}
        WHERE i.created_at >= $1::timestamptz AND i.created_at < $2::timestamptz AND ${s.where} GROUP BY 1`,
      params: params(p),
    },
  ];
}

/**
 * Per source and campaign over the period: contacts, conversions and touches (interactions per
 * contact) — "converts well but gets little attention" needs both numbers side by side. Touches
 * are counted per cohort contact through the (tenant, contact, created_at) index: joining the
 * cohort to all interactions hashed the whole table (1M rows) for a 90-day cohort.
 */
export function segmentSql(p: SqlParams): ReadStatement {
  return {
    sql: `WITH conv AS (${CONVERSIONS}),
      cohort AS (
        SELECT c.id, c.source, c.metadata->>'campaignId' AS campaign, c.assigned_to::text AS owner,
          (COALESCE(conv.at, CASE WHEN c.status = 'CUSTOMER' THEN c.created_at END) < $2::timestamptz) AS won
        FROM contacts c LEFT JOIN conv ON conv.entity_id = c.id
        WHERE c.created_at >= $1::timestamptz AND c.created_at < $2::timestamptz AND ${OWNER_CONTACT}),
      touched AS (
        SELECT cohort.*, t.n FROM cohort,
          LATERAL (SELECT count(*)::int AS n FROM interactions i WHERE i.contact_id = cohort.id AND i.created_at < $2::timestamptz) t)
      SELECT d.dim, d.key, count(*)::int AS trials, count(*) FILTER (WHERE won)::int AS successes,
        coalesce(sum(touched.n), 0)::int AS touches
      FROM touched, LATERAL (VALUES ('source', source), ('campaign', campaign), ('owner', owner)) AS d(dim, key)
      WHERE d.key IS NOT NULL
      GROUP BY 1, 2`,
    params: params(p),
  };
}

/**
 * Every statement one `get_metrics` (over `days`) and one `generate_insights` (over 90 days) run,
 * named, for EXPLAIN ANALYZE in the insights benchmark (evals/src/insights/explain-insights.ts).
 */
export function analyticsStatements(o: { end: Date; days: number; ownerId?: string | null }): [string, ReadStatement][] {
  const DAY_MS = 86_400_000;
  const start = new Date(o.end.getTime() - o.days * DAY_MS);
  const p: SqlParams = { start, end: o.end, prevStart: new Date(start.getTime() - o.days * DAY_MS), ownerId: o.ownerId ?? null };
  const w: SqlParams = { start: new Date(o.end.getTime() - 90 * DAY_MS), end: o.end, prevStart: new Date(o.end.getTime() - 90 * DAY_MS), ownerId: o.ownerId ?? null };
  const [dContacts, dConversions, dInteractions] = dailySql(w);
  return [
    ['pipeline end', pipelineSql(p, 'end')],
    ['pipeline start', pipelineSql(p, 'start')],
    ['conversion', conversionSql(p)],
    ['velocity', velocitySql(p)],
    ['activity', activitySql(p)],
    ['response time', responseTimeSql(p)],
    ['sentiment', sentimentSql(p)],
    ['daily contacts (90 d)', dContacts],
    ['daily conversions (90 d)', dConversions],
    ['daily interactions (90 d)', dInteractions],
    ['segments (90 d)', segmentSql(w)],
  ];
}
