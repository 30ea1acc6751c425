import { isAppError, isPoolBusy, toDatabaseUnavailable, type ErrorCode } from '@crm/core';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';

/** The one place REST maps domain errors to HTTP statuses; exhaustive by type. */
export const STATUS_BY_CODE: Record<ErrorCode, number> = {
  NOT_FOUND: 404,
  VALIDATION_FAILED: 400,
  CONFLICT: 409,
  IDEMPOTENCY_KEY_REUSED: 422,
  PERMISSION_DENIED: 403,
  UNAUTHENTICATED: 401,
  RATE_LIMIT_EXCEEDED: 429,
  BUDGET_EXCEEDED: 429,
  AI_SERVICE_UNAVAILABLE: 503,
  DATABASE_UNAVAILABLE: 503,
  SERVICE_UNAVAILABLE: 503,
  INTERNAL: 500,
};

export interface ErrorEnvelope {
  error: { code: string; message: string; details?: unknown; traceId: string; timestamp: string; path: string };
  meta?: { retryAfter?: number };
}

/** The design document's error envelope; 5xx messages never carry internals. */
export function errorHandler(err: FastifyError | Error, req: FastifyRequest, reply: FastifyReply): FastifyReply {
  const { status, body } = errorEnvelope(err, req);
  if (body.meta?.retryAfter) void reply.header('retry-after', String(body.meta.retryAfter));
  return reply.status(status).send(body);
}

/** The status and envelope of an error (also what a stream sends once its headers are out). */
/** The body limit a request was held to: its route's own, else the server's (HTTP_BODY_LIMIT_BYTES). */
export function bodyLimitOf(req: FastifyRequest): number | undefined {
  return req.routeOptions?.bodyLimit ?? req.server?.initialConfig?.bodyLimit;
}

export function errorEnvelope(err: FastifyError | Error, req: FastifyRequest): { status: number; body: ErrorEnvelope } {
  const base = { traceId: String(req.id), timestamp: new Date().toISOString(), path: req.url };
  let body: ErrorEnvelope;
  let status: number;
  // a raw driver error from an outage is 503 + Retry-After, not 500
  err = toDatabaseUnavailable(err) ?? err;
  if (isAppError(err)) {
    status = STATUS_BY_CODE[err.code];
    const located = err.code === 'VALIDATION_FAILED' ? locateIssues(err.message, err.details, req) : { message: err.message, details: err.details };
    body = { error: { code: err.code, message: status >= 500 ? publicMessage(err.code, err.details) : located.message, details: located.details, ...base } };
    if (err.retryAfter) body.meta = { retryAfter: err.retryAfter };
  } else if ((err as FastifyError).validation) {
    status = 400;
    const fe = err as FastifyError;
    body = {
      error: {
        code: 'VALIDATION_FAILED',
        message: fe.message,
        details: fe.validation!.map((v) => ({ path: `${fe.validationContext ?? 'body'}${v.instancePath.replace(/\//g, '.')}`, reason: v.message ?? 'invalid' })),
        ...base,
      },
    };
  } else if ((err as FastifyError).code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
    status = 415;
    const type = String(req.headers['content-type'] ?? '').split(';')[0].trim() || '(none)';
    // the CSV import routes take text/csv; every other route JSON
    const wanted = req.routeOptions?.config?.mediaType ?? 'application/json';
    const what = wanted === 'application/json' ? 'the body as JSON' : 'the file as the body';
    // the import routes also read a form upload (curl -F file=@contacts.csv)
    const form = wanted === 'text/csv';
    body = {
      error: {
        code: 'VALIDATION_FAILED',
        message: `Unsupported Media Type ${type}: send ${what} with "Content-Type: ${wanted}"${form ? ', or upload it as a form (multipart/form-data: curl -F file=@contacts.csv)' : ''}`,
        details: [{ path: 'headers.content-type', reason: `must be ${wanted}${form ? ' or multipart/form-data' : ''}` }],
        ...base,
      },
    };
  } else if ((err as FastifyError).code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
    status = 413;
    const serverLimit = req.server?.initialConfig?.bodyLimit;
    const limit = bodyLimitOf(req);
    const setting = limit === serverLimit ? ' (HTTP_BODY_LIMIT_BYTES)' : '';
    body = { error: { code: 'VALIDATION_FAILED', message: limit ? `Request body is too large: at most ${limit} bytes${setting}` : 'Request body is too large', ...base } };
  } else if ((err as FastifyError).statusCode && (err as FastifyError).statusCode! < 500) {
    status = (err as FastifyError).statusCode!;
    const details = (err as { details?: unknown }).details;
    body = { error: { code: status === 404 ? 'NOT_FOUND' : 'VALIDATION_FAILED', message: err.message, ...(details ? { details } : {}), ...base } };
  } else {
    status = 500;
    req.log.error({ err }, 'unhandled error');
    body = { error: { code: 'INTERNAL', message: publicMessage('INTERNAL'), ...base } };
  }
  return { status, body };
}

const own = (o: unknown, key: string) => typeof o === 'object' && o !== null && !Array.isArray(o) && Object.hasOwn(o, key);

/**
 * A field a service refuses (an unknown assignee, …) is named as the schema's issues are:
 * `body.assignedTo`, `query.ownerId`, when the request carried that field; a field the handler
 * renamed on its way to the service (`/metrics`' `start` → `dateRange.start`) is named by the
 * route's `config.issuePaths`. Other paths stay as they are.
 */
function locateIssues(message: string, details: unknown, req: FastifyRequest): { message: string; details: unknown } {
  if (!Array.isArray(details)) return { message, details };
  const renamed = req.routeOptions?.config?.issuePaths ?? {};
  let text = message;
  const located = details.map((d: { path?: unknown }) => {
    if (typeof d?.path !== 'string' || /^(body|query|params|headers)(\.|$)/.test(d.path)) return d;
    const path = d.path;
    const head = path.split('.')[0];
    const where = own(req.body, head) ? 'body' : own(req.query, head) ? 'query' : undefined;
    // the longest renamed prefix wins: `dateRange.start` before `dateRange`
    const from = Object.keys(renamed)
      .filter((k) => path === k || path.startsWith(`${k}.`))
      .sort((a, b) => b.length - a.length)[0];
    const to = where ? `${where}.${path}` : from !== undefined ? `${renamed[from]}${path.slice(from.length)}` : undefined;
    if (!to) return d;
    text = text.replace(`— ${path}:`, `— ${to}:`);
    return { ...d, path: to };
  });
  return { message: text, details: located };
}

/**
 * What a client is told for a 5xx code (no internals); REST and GraphQL say the same. A database
 * pool with every connection in use (`details.reason: "pool_busy"`) is a busy server, not a
 * database that is down.
 */
export function publicMessage(code: ErrorCode, details?: unknown): string {
  if (isPoolBusy({ code, details })) {
    return 'The server is busy: all its database connections are in use. Please retry shortly.';
  }
  if (code === 'DATABASE_UNAVAILABLE') return 'The database is unavailable. Please retry shortly.';
  if (code === 'AI_SERVICE_UNAVAILABLE') return 'The AI service is temporarily unavailable.';
  if (code === 'SERVICE_UNAVAILABLE') return 'The server is shutting down. Please retry shortly.';
  return 'Internal error. The request was logged with its trace id.';
}
