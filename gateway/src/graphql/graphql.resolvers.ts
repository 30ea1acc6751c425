import { AppError, type Actor, type Contact, type CrmCore, type WorkflowExecution } from '@crm/core';
import { GraphQLScalarType, Kind, valueFromASTUntyped } from 'graphql';

/** The request's actor; the plugin refuses unauthenticated requests before any resolver runs. */
export interface GraphqlContext {
  actor: Actor;
}

type Args = Record<string, unknown>;
const MAX_PAGE = 100;

/** Page-size arguments are capped like REST's limit (1..100); the error names the argument. */
function pageSize(value: unknown, arg: string, max = MAX_PAGE): number {
  const n = value === undefined || value === null ? 20 : Number(value);
  if (!Number.isInteger(n) || n < 1 || n > max) throw AppError.validation([{ path: arg, reason: `must be between 1 and ${max}` }]);
  return n;
}

/** Offset cursors: opaque to clients, checked on the way back. */
export const cursorOf = (offset: number) => Buffer.from(`o:${offset}`).toString('base64url');
function offsetOf(cursor: string, arg: string): number {
  const m = /^o:(\d{1,9})$/.exec(Buffer.from(cursor, 'base64url').toString());
  if (!m) throw AppError.validation([{ path: arg, reason: 'is not a cursor this API issued' }]);
  return Number(m[1]);
}

/** GraphQL input objects drop explicit nulls only where core's schema does not take them. */
function defined(input: Args): Args {
  return Object.fromEntries(Object.entries(input).filter(([, v]) => v !== undefined));
}
const withoutNulls = (input: Args): Args => Object.fromEntries(Object.entries(input).filter(([, v]) => v !== undefined && v !== null));

const SORT_FIELDS: Record<string, string> = { CREATED_AT: 'createdAt', UPDATED_AT: 'updatedAt', LEAD_SCORE: 'leadScore', LAST_NAME: 'lastName', LAST_CONTACT_DATE: 'lastContactDate' };
const lower = (s: string) => s.toLowerCase();

/** ISO 8601 only: `new Date` reads "01/11/2026" as 11 January and an offset-less time in the server's zone (QA round 5). */
const ISO_DATE_TIME = /^(\d{4}-\d{2}-\d{2})(?:[T ](\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?)(Z|[+-]\d{2}:?\d{2})?)?$/i;

function dateScalar(): GraphQLScalarType {
  // The checked text goes on to core, which reads it as REST and MCP do: a date alone and an
  // offset-less date-time in the tenant's time zone (a Date made here would have to guess a zone).
  const parse = (v: unknown) => {
    const text = typeof v === 'string' ? v.trim() : '';
    const m = ISO_DATE_TIME.exec(text);
    const d = m ? new Date(m[2] && !m[3] ? `${m[1]}T${m[2]}Z` : text) : undefined;
    if (!d || Number.isNaN(d.getTime())) throw AppError.validation([{ path: 'DateTime', reason: 'must be an ISO 8601 date string (YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ)' }]);
    return text;
  };
  return new GraphQLScalarType({
    name: 'DateTime',
    description: 'ISO 8601 date-time',
    serialize: (v) => (v instanceof Date ? v.toISOString() : new Date(v as string).toISOString()),
    parseValue: parse,
    parseLiteral: (ast) => parse(ast.kind === Kind.STRING ? ast.value : undefined),
  });
}

const jsonScalar = new GraphQLScalarType({
  name: 'JSON',
  description: 'Any JSON value',
  serialize: (v) => v,
  parseValue: (v) => v,
  parseLiteral: (ast, variables) => valueFromASTUntyped(ast, variables),
});

/** Resolvers over core's services with the request's actor: core decides every permission. */
export function createResolvers(core: CrmCore) {
  return {
    DateTime: dateScalar(),
    JSON: jsonScalar,

    Query: {
      async contacts(_: unknown, args: Args, { actor }: GraphqlContext) {
        const first = pageSize(args.first, 'first');
        const start = args.after ? offsetOf(String(args.after), 'after') + 1 : 0;
        if (start % first !== 0) throw AppError.validation([{ path: 'after', reason: 'was issued for another page size: keep first the same while paging' }]);
        const filter = (args.filter ?? {}) as Args;
        const sort = args.sort as { field: string; direction?: string } | undefined;
        const range = filter.leadScoreRange as { min: number; max: number } | undefined;
        const page = await core.contacts.list(actor, {
          ...withoutNulls({ search: filter.search, status: filter.status, assignedTo: filter.assignedTo, source: filter.source, createdAfter: filter.createdAfter, createdBefore: filter.createdBefore, lastContactedBefore: filter.lastContactedBefore }),
          ...(range ? { leadScoreMin: range.min, leadScoreMax: range.max } : {}),
          ...(sort ? { sort: SORT_FIELDS[sort.field], order: lower(sort.direction ?? 'DESC') } : {}),
          page: start / first + 1,
          limit: first,
        });
        const edges = page.data.map((node, i) => ({ cursor: cursorOf(start + i), node }));
        return {
          edges,
          pageInfo: { hasNextPage: page.pagination.hasNextPage, hasPreviousPage: start > 0, startCursor: edges[0]?.cursor ?? null, endCursor: edges.at(-1)?.cursor ?? null },
          totalCount: page.totalCount,
          totalCountExact: page.totalCountExact,
        };
      },
      contact: (_: unknown, args: Args, { actor }: GraphqlContext) => core.contacts.get(actor, String(args.id)),
      async analytics(_: unknown, args: Args, { actor }: GraphqlContext) {
        const dateRange = args.dateRange as { start: Date; end: Date };
        const ownerId = (args.ownerId as string | null | undefined) ?? undefined;
        const metrics = await core.analytics.metrics(actor, { dateRange, groups: (args.metrics as string[]).map(lower) as never, ownerId });
        const dims = ((args.groupBy as string[] | null) ?? []).map(lower);
        const rows = dims.length ? await core.analytics.segments(actor, dateRange, undefined, { ownerId }) : [];
        return { dateRange: metrics.period, previousPeriod: metrics.previous, scope: metrics.scope.toUpperCase(), metrics: metrics.metrics, groups: dims.map((d) => ({ dimension: d.toUpperCase(), rows: rows.filter((r) => r.dim === d) })) };
      },
      async workflowExecutions(_: unknown, args: Args, { actor }: GraphqlContext) {
        const limit = pageSize(args.limit ?? 50, 'limit');
        await core.workflows.get(actor, String(args.workflowId)); // NOT_FOUND for an unknown (or another tenant's) workflow
        return core.workflows.listExecutions(actor, { workflowId: String(args.workflowId), ...(args.status ? { status: lower(String(args.status)) as never } : {}), limit });
      },
      workflow: (_: unknown, args: Args, { actor }: GraphqlContext) => core.workflows.get(actor, String(args.id)),
      workflows: (_: unknown, args: Args, { actor }: GraphqlContext) =>
        core.workflows.list(actor, { ...(typeof args.active === 'boolean' ? { active: args.active } : {}), limit: pageSize(args.first, 'first') }),
    },

    Mutation: {
      createContact: async (_: unknown, args: Args, { actor }: GraphqlContext) => ({ contact: await core.contacts.create(actor, withoutNulls(args.input as Args)) }),
      updateContact: async (_: unknown, args: Args, { actor }: GraphqlContext) => ({ contact: await core.contacts.update(actor, String(args.id), defined(args.input as Args)) }),
      logInteraction: async (_: unknown, args: Args, { actor }: GraphqlContext) => ({ interaction: await core.interactions.log(actor, withoutNulls(args.input as Args)) }),
      scoreContact: (_: unknown, args: Args, { actor }: GraphqlContext) => core.scoring.scoreContact(actor, String(args.contactId)),
      generateInsights(_: unknown, args: Args, { actor }: GraphqlContext) {
        const input = args.input as Args;
        return core.insights.generate(actor, withoutNulls({ customer_segment: input.customerSegment, time_period: input.timePeriod, metrics: input.metrics, types: input.types }) as never);
      },
      createWorkflow: async (_: unknown, args: Args, { actor }: GraphqlContext) => ({ workflow: await core.workflows.create(actor, withoutNulls(args.input as Args) as never) }),
      executeWorkflow: async (_: unknown, args: Args, { actor }: GraphqlContext) => ({
        execution: await core.workflows.execute(actor, String(args.workflowId), withoutNulls(args.input as Args) as never),
      }),
    },

    Contact: {
      fullName: (c: Contact) => `${c.firstName} ${c.lastName}`,
      // assignedTo, interactions and recentActivity (and Interaction.contact) are batched per request: graphql.loaders.ts
    },

    WorkflowExecution: {
      status: (e: WorkflowExecution) => e.status.toUpperCase(),
    },
  };
}
