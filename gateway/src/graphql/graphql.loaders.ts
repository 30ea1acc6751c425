import { AppError, type Contact, type CrmCore, type Interaction } from '@crm/core';
import { cursorOf, type GraphqlContext } from './graphql.resolvers.ts';

type Query<P = Record<string, unknown>> = { obj: Contact; params: P };
const MAX_PAGE = 100;

function connection(rows: Interaction[], first: number) {
  const edges = rows.slice(0, first).map((node, i) => ({ cursor: cursorOf(i), node }));
  return { edges, pageInfo: { hasNextPage: rows.length > first, hasPreviousPage: false, startCursor: edges[0]?.cursor ?? null, endCursor: edges.at(-1)?.cursor ?? null } };
}

/**
 * mercurius loaders (DataLoader-style): every `Contact.assignedTo`, `Contact.interactions`,
 * `Contact.recentActivity` and `Interaction.contact` of one request is collected and answered by ONE core call per field
 * (per distinct `first`/`type` of `interactions`), not one per contact. Permissions are core's,
 * as the caller, exactly as the per-contact calls were.
 */
export function createContactLoaders(core: CrmCore) {
  return {
    Interaction: {
      // every interaction's contact in the request, one statement for all (a page of contacts with
      // their recent activity asks for the same few contacts many times)
      async contact(queries: { obj: Interaction }[], { actor }: GraphqlContext) {
        const contacts = await core.contacts.getMany(actor, queries.map((q) => q.obj.contactId));
        return queries.map((q) => contacts.get(q.obj.contactId) ?? AppError.notFound('Contact', q.obj.contactId));
      },
    },
    Contact: {
      async assignedTo(queries: Query[], { actor }: GraphqlContext) {
        const ids = queries.map((q) => q.obj.assignedTo).filter((id): id is string => !!id);
        const users = await core.users.getMany(actor, ids);
        return queries.map((q) => (q.obj.assignedTo ? (users.get(q.obj.assignedTo) ?? null) : null));
      },

      async interactions(queries: Query<{ first?: number | null; type?: string | null }>[], { actor }: GraphqlContext) {
        // one core call per distinct (first, type); a bad `first` fails only its own field
        const groups = new Map<string, { first: number; type?: string; ids: string[] }>();
        const results: unknown[] = queries.map(() => undefined);
        queries.forEach((q, i) => {
          const first = q.params.first ?? 20;
          if (!Number.isInteger(first) || first < 1 || first > MAX_PAGE) {
            results[i] = AppError.validation([{ path: 'first', reason: `must be between 1 and ${MAX_PAGE}` }]);
            return;
          }
          const key = `${first}:${q.params.type ?? ''}`;
          const g = groups.get(key) ?? { first, ...(q.params.type ? { type: q.params.type } : {}), ids: [] };
          g.ids.push(q.obj.id);
          groups.set(key, g);
        });
        const fetched = new Map<string, Map<string, Interaction[]>>();
        await Promise.all(
          [...groups].map(async ([key, g]) => {
            // one row more than asked tells whether there is a next page
            fetched.set(key, await core.interactions.timelines(actor, g.ids, { ...(g.type ? { type: g.type } : {}), limit: g.first + 1 }));
          }),
        );
        return queries.map((q, i) => {
          if (results[i]) return results[i];
          const first = q.params.first ?? 20;
          return connection(fetched.get(`${first}:${q.params.type ?? ''}`)?.get(q.obj.id) ?? [], first);
        });
      },

      async recentActivity(queries: Query[], { actor }: GraphqlContext) {
        const byContact = await core.interactions.timelines(
          actor,
          queries.map((q) => q.obj.id),
          { limit: 5 },
        );
        return queries.map((q) => byContact.get(q.obj.id) ?? []);
      },
    },
  };
}
