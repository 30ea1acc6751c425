import { z } from 'zod';

/** Past this many matches a list stops counting (`totalCountExact: false`), as the contact list does. */
export const LIST_COUNT_CAP = 10_000;

/** Deepest page of an offset-paged list: deeper pages cost a walk over every row before them. */
export const MAX_LIST_PAGE = 500;

/** `page` and `limit` of an offset-paged list (limit ≤ 100, page ≤ 500). */
export const ListPageQuery = {
  page: z.coerce
    .number()
    .int('must be an integer')
    .min(1, 'must be at least 1')
    .max(MAX_LIST_PAGE, `must be at most ${MAX_LIST_PAGE} (narrow the filters for older pages)`)
    .default(1),
  limit: z.coerce.number().int('must be an integer').min(1, 'must be at least 1').max(100, 'must be at most 100').default(20),
};

export interface ListPage<T> {
  data: T[];
  pagination: { page: number; limit: number; totalPages: number; hasNextPage: boolean; hasPreviousPage: boolean };
  totalCount: number;
  totalCountExact: boolean;
}

/** SQL of the capped count of a list's matches: `SELECT count(*) AS n` over at most cap + 1 rows. */
export function cappedCountSql(fromWhere: string): string {
  return `SELECT count(*) AS n FROM (SELECT 1 ${fromWhere} LIMIT ${LIST_COUNT_CAP + 1}) capped`;
}

/**
 * One page of a list read with `LIMIT limit + 1 OFFSET (page − 1) × limit` (the extra row says
 * whether a next page exists) and its capped count.
 */
export function offsetPage<T>(rows: readonly T[], counted: number, page: number, limit: number): ListPage<T> {
  const totalCountExact = counted <= LIST_COUNT_CAP;
  const totalCount = totalCountExact ? counted : LIST_COUNT_CAP + 1;
  return {
    data: rows.slice(0, limit),
    pagination: { page, limit, totalPages: Math.max(1, Math.ceil(totalCount / limit)), hasNextPage: rows.length > limit, hasPreviousPage: page > 1 },
    totalCount,
    totalCountExact,
  };
}

/**
 * `offsetPage` for a list read with one row past the page: a page that is not full is its own count
 * (no count statement); a full page, or an empty one past the first, asks `count` (capped).
 */
export async function offsetPageCounting<T>(rows: readonly T[], page: number, limit: number, count: () => Promise<number>): Promise<ListPage<T>> {
  const ownCount = rows.length <= limit && (rows.length > 0 || page === 1);
  return offsetPage(rows, ownCount ? (page - 1) * limit + rows.length : await count(), page, limit);
}
