import { AppError, ERROR_CODES, type Actor } from '@crm/core';
import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import { named } from './openapi-schemas.ts';

/** One item of the error envelope's details: a field-level issue (VALIDATION_FAILED). */
export const ErrorDetail = named(
  z.looseObject({ path: z.string().describe('dotted: body.email, query.limit, rows.3.email'), reason: z.string(), row: z.number().int().optional().describe('CSV row, for imports') }),
  'ErrorDetail',
);

/** The design document's error envelope, for the OpenAPI document (error-envelope.ts builds it). */
export const ErrorEnvelopeSchema = named(
  z.object({
    error: z.object({
      code: z.enum(ERROR_CODES),
      message: z.string(),
      details: z
        .union([z.array(ErrorDetail), z.record(z.string(), z.unknown())])
        .optional()
        .describe('field-level issues [{ path, reason }] for VALIDATION_FAILED; an object of facts for some other codes (NOT_FOUND: entity, id)'),
      traceId: z.string(),
      timestamp: z.string(),
      path: z.string(),
    }),
    meta: z.object({ retryAfter: z.number().optional() }).optional(),
  }),
  'ErrorEnvelope',
);

/** Every route documents the envelope for its client and server errors. */
export const withErrors = <R extends Record<number, z.ZodType>>(ok: R) => ({ ...ok, '4XX': ErrorEnvelopeSchema, '5XX': ErrorEnvelopeSchema });

/** The design document's PaginationInfo, as the contact list always had it. */
export const Pagination = named(
  z.object({
    page: z.number().int(),
    limit: z.number().int(),
    totalPages: z.number().int(),
    hasNextPage: z.boolean(),
    hasPreviousPage: z.boolean(),
  }),
  'Pagination',
);

export const pageOf = <T extends z.ZodType>(item: T) =>
  z.object({
    data: z.array(item),
    pagination: Pagination,
    totalCount: z.number().int(),
    totalCountExact: z.boolean().describe('false when totalCount is an estimate or a capped count'),
  });

export const PageQuery = {
  page: z.coerce.number().int('must be an integer').min(1, 'must be at least 1').default(1),
  limit: z.coerce.number().int('must be an integer').min(1, 'must be at least 1').max(100, 'must be at most 100').default(20),
};

export interface Page<T> {
  data: T[];
  pagination: z.infer<typeof Pagination>;
  totalCount: number;
  totalCountExact: boolean;
}

/**
 * One page of a list a service returns whole (or up to its cap): `capped` says the service stopped
 * at its limit, so the total is a lower bound.
 */
export function paginate<T>(items: readonly T[], page: number, limit: number, capped = false): Page<T> {
  const totalPages = Math.max(1, Math.ceil(items.length / limit));
  return {
    data: items.slice((page - 1) * limit, page * limit),
    pagination: { page, limit, totalPages, hasNextPage: page < totalPages || (capped && page === totalPages), hasPreviousPage: page > 1 },
    totalCount: items.length,
    totalCountExact: !capped,
  };
}

const uuid = (what: string) => z.uuid(`must be ${what} id (UUID)`);
export const IdParams = z.object({ id: uuid('an') }).strict();
export const ContactIdParams = z.object({ id: uuid('a contact') }).strict();

/** The authenticated caller; the API plugin's hook guarantees one on every /api/v1 route. */
export function actorOf(req: FastifyRequest): Actor {
  if (!req.actor) throw new AppError('UNAUTHENTICATED', 'Send an API key as "Authorization: Bearer <key>"');
  return req.actor;
}

/** Loose documentation of a result whose shape core's service types already fix. */
export const AnyObject = z.record(z.string(), z.unknown());
