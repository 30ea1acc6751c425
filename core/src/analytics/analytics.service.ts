import type { Database } from '../db/database.ts';
import { AppError } from '../errors/app-error.ts';
import { parseOrThrow } from '../errors/zod-issues.ts';
import type { Actor } from '../users/user.schema.ts';
import { DateRange, MetricsQuery, type DailyPoint, type MetricGroup, type MetricsResult, type SegmentRow } from './analytics.schema.ts';
import { analyticsScope, type AnalyticsScope } from './analytics.scope.ts';
import {
  activitySql,
  conversionSql,
  dailySql,
  pipelineSql,
  responseTimeSql,
  segmentSql,
  sentimentSql,
  velocitySql,
  type SqlParams,
} from './analytics.sql.ts';
import { buildMetrics, type RawMetrics } from './metric-builder.ts';
import type { ReadStatement } from '../db/database.ts';
import { addDays, localDate, needsZone, placeRange, startOfLocalDate } from '../tenants/local-day.ts';

const DAY_MS = 86_400_000;

/** The last `days` days up to `now`; with a time zone the start is that zone's midnight (whole local days plus today so far). */
export function defaultRange(now = new Date(), days = 30, timeZone?: string): DateRange {
  if (!timeZone) return { start: new Date(now.getTime() - days * DAY_MS), end: now };
  return { start: startOfLocalDate(addDays(localDate(now, timeZone), -days), timeZone), end: now };
}

/**
 * Per read: no JIT (compiling a one-off analytics plan cost up to 2.4 s of a 6 s segment query on
 * 1M interactions) and room to sort a period's rows in memory instead of spilling to disk.
 */
const ANALYTICS_SESSION: ReadStatement = { sql: "SELECT set_config('jit', 'off', true), set_config('work_mem', '64MB', true)" };

/** `source=webinar` / `campaign=webinar-q3` → the SQL segment filter. */
export function parseSegment(segment: string | undefined): SqlParams['segment'] {
  if (!segment) return undefined;
  const m = /^(source|campaign)=(.{1,128})$/.exec(segment);
  if (!m) throw AppError.validation([{ path: 'customer_segment', reason: 'must look like source=<name> or campaign=<id>' }]);
  return m[1] === 'source' ? { source: m[2] } : { campaign: m[2] };
}

function previousOf(r: DateRange): DateRange {
  const len = r.end.getTime() - r.start.getTime();
  return { start: new Date(r.start.getTime() - len), end: r.start };
}

/** The owner a query is narrowed to: the one asked for (a rep may ask only for themself), else the caller's scope. */
function ownerOf(actor: Actor, scope: AnalyticsScope, ownerId: string | undefined): string | null {
  if (ownerId && scope.kind === 'own' && ownerId !== actor.userId) {
    throw AppError.denied('analytics:read', `${actor.role} sees only their own numbers: ownerId must be their own user id`);
  }
  return ownerId ?? scope.ownerId;
}

export function createAnalyticsService(db: Database, options: { now?: () => Date } = {}) {
  const now = options.now ?? (() => new Date());

  async function raw(tenantId: string, p: SqlParams, groups: Set<MetricGroup>): Promise<RawMetrics> {
    const plan: [keyof RawMetrics, ReturnType<typeof pipelineSql>][] = [['users', { sql: 'SELECT id::text AS user_id, name FROM users' }]];
    if (groups.has('pipeline')) plan.push(['pipelineEnd', pipelineSql(p, 'end')], ['pipelineStart', pipelineSql(p, 'start')]);
    if (groups.has('conversion')) plan.push(['conversion', conversionSql(p)]);
    if (groups.has('velocity')) plan.push(['velocity', velocitySql(p)]);
    if (groups.has('activity')) plan.push(['activity', activitySql(p)]);
    if (groups.has('response_time')) plan.push(['responseTime', responseTimeSql(p)]);
    if (groups.has('sentiment')) plan.push(['sentiment', sentimentSql(p)]);
    const rows = await read(tenantId, plan.map(([, s]) => s));
    const out: RawMetrics = {};
    plan.forEach(([k], i) => (out[k] = rows[i] as never));
    return out;
  }

  /**
   * The statements in up to three parallel read batches on PostgreSQL (each its own connection and
   * snapshot; the groups are independent), one batch on PGlite (one connection anyway).
   */
  async function read(tenantId: string, statements: ReadStatement[]): Promise<Record<string, unknown>[][]> {
    const lanes = db.kind === 'postgres' ? Math.min(3, statements.length) : 1;
    const batches: number[][] = Array.from({ length: lanes }, () => []);
    statements.forEach((_, i) => batches[i % lanes].push(i));
    const results = await Promise.all(batches.map((idx) => db.readAsTenant(tenantId, [ANALYTICS_SESSION, ...idx.map((i) => statements[i])])));
    const out: Record<string, unknown>[][] = new Array(statements.length);
    batches.forEach((idx, b) => idx.forEach((i, k) => (out[i] = results[b][k + 1])));
    return out;
  }

  /** The tenant's IANA zone (tenants.time_zone): calendar days of the daily series and report periods. */
  async function timeZoneOf(tenantId: string): Promise<string> {
    const [[row]] = await db.readAsTenant(tenantId, [{ sql: 'SELECT time_zone FROM tenants WHERE id = crm_current_tenant()' }]);
    return (row?.time_zone as string | undefined) ?? 'UTC';
  }

  /** A period as the caller meant it: offset-less bounds in the tenant's zone, a date-only end including its day. */
  async function placed(actor: Actor, r: DateRange): Promise<DateRange> {
    return needsZone(r.start) || needsZone(r.end) ? placeRange(r, await timeZoneOf(actor.tenantId)) : r;
  }

  return {
    /** The actor's tenant's time zone (report periods, insights' complete days). */
    timeZone: (actor: Actor) => timeZoneOf(actor.tenantId),

    /** A parsed period placed in the tenant's zone (see placeRange); a period of instants as it is. */
    placeRange: placed,

    /** Period-over-period metrics in the design document's Metric shape (scoped by RBAC). */
    async metrics(actor: Actor, input: MetricsQuery = {}): Promise<MetricsResult> {
      const q = parseOrThrow(MetricsQuery, input);
      const scope = analyticsScope(actor);
      const period = q.dateRange ? await placed(actor, q.dateRange) : defaultRange(now(), 30, await timeZoneOf(actor.tenantId));
      const previous = previousOf(period);
      const groups = new Set<MetricGroup>(q.groups ?? ['pipeline', 'conversion', 'velocity', 'activity', 'response_time', 'sentiment']);
      const ownerId = ownerOf(actor, scope, q.ownerId);
      const p = { start: period.start, end: period.end, prevStart: previous.start, ownerId };
      const rawMetrics = await raw(actor.tenantId, p, groups);
      if (q.ownerId && !rawMetrics.users?.some((u) => u.user_id === q.ownerId)) throw AppError.notFound('User', q.ownerId);
      const kind = ownerId === null ? 'all' : ownerId === actor.userId ? 'own' : 'owner';
      return { period, previous, scope: kind, metrics: buildMetrics(rawMetrics) };
    },

    /** Contacts, conversions and touches per source, campaign and owner for contacts created in the range. */
    async segments(actor: Actor, range: unknown, segment?: string, options: { ownerId?: string } = {}): Promise<SegmentRow[]> {
      const r = await placed(actor, parseOrThrow(DateRange, range));
      const ownerId = ownerOf(actor, analyticsScope(actor), options.ownerId && parseOrThrow(MetricsQuery.shape.ownerId, options.ownerId, 'ownerId'));
      const [[...users], rows] = await read(actor.tenantId, [
        { sql: 'SELECT id::text AS id, name FROM users' },
        segmentSql({ start: r.start, end: r.end, prevStart: r.start, ownerId, segment: parseSegment(segment) }),
      ]);
      if (options.ownerId && !users.some((u) => u.id === options.ownerId)) throw AppError.notFound('User', options.ownerId);
      const names = new Map(users.map((u) => [u.id as string, u.name as string]));
      return rows.map((row) => ({
        dim: row.dim as SegmentRow['dim'],
        key: row.key as string,
        label: row.dim === 'owner' ? (names.get(row.key as string) ?? (row.key as string)) : (row.key as string),
        trials: row.trials as number,
        successes: row.successes as number,
        touches: row.touches as number,
      }));
    },

    /** One point per calendar day of the tenant's time zone touching the range (days without activity are zeros). */
    async daily(actor: Actor, range: unknown, segment?: string): Promise<{ scope: AnalyticsScope['kind']; timeZone: string; points: DailyPoint[] }> {
      const r = await placed(actor, parseOrThrow(DateRange, range));
      const scope = analyticsScope(actor);
      const timeZone = await timeZoneOf(actor.tenantId);
      const [contacts, conversions, interactions] = await read(
        actor.tenantId,
        dailySql({ start: r.start, end: r.end, prevStart: r.start, ownerId: scope.ownerId, segment: parseSegment(segment), timeZone }),
      );
      const byDay = new Map<string, DailyPoint>();
      for (let day = localDate(r.start, timeZone); startOfLocalDate(day, timeZone).getTime() < r.end.getTime(); day = addDays(day, 1)) {
        byDay.set(day, { day, newContacts: 0, conversions: 0, interactions: 0, inbound: 0, sentimentSum: 0, sentimentCount: 0 });
      }
      for (const row of contacts) {
        const d = byDay.get(row.day as string);
        if (d) d.newContacts = row.n as number;
      }
      for (const row of conversions) {
        const d = byDay.get(row.day as string);
        if (d) d.conversions = row.n as number;
      }
      for (const row of interactions) {
        const d = byDay.get(row.day as string);
        if (!d) continue;
        d.interactions = row.n as number;
        d.inbound = row.inbound as number;
        d.sentimentSum = Number(row.s_sum);
        d.sentimentCount = row.s_n as number;
      }
      return { scope: scope.kind, timeZone, points: [...byDay.values()] };
    },
  };
}

export type AnalyticsService = ReturnType<typeof createAnalyticsService>;
