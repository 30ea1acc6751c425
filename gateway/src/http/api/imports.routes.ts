import type { Readable } from 'node:stream';
import { AppError, ImportReportSchema, parseCsvEncoding, type CrmCore } from '@crm/core';
import type { FastifyPluginAsync } from 'fastify';
import { z } from 'zod';
import { actorOf, withErrors } from './api-schemas.ts';
import type { ZodTypeProvider } from './zod-route.ts';

export const CSV_MEDIA_TYPES = ['text/csv', 'application/csv'];

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The one media type the route's body takes, for the 415 answer (default application/json). */
    mediaType?: string;
  }
}

const isStream = (body: unknown): body is Readable => typeof (body as Readable | undefined)?.pipe === 'function';

/**
 * CSV imports over REST: the file is the request body (`Content-Type: text/csv`), streamed to the
 * same import as `crm import` (spooled to a private temporary file and checked whole before the
 * first row is written), so a 50 MB export needs no JSON wrapping and no body limit. These two routes
 * take CSV only; every other route takes JSON only.
 */
export const importRoutes: FastifyPluginAsync<{ core: CrmCore }> = async (app, { core }) => {
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser(CSV_MEDIA_TYPES, (_req, payload, done) => done(null, payload));
  const f = app.withTypeProvider<ZodTypeProvider>();
  const config = { mediaType: 'text/csv' };
  /** `Content-Type: text/csv; charset=windows-1252` reads Excel's plain "CSV" as it is; UTF-8 by default. */
  const optionsOf = (contentType: string | undefined) => {
    const charset = /;\s*charset\s*=\s*"?([^";]+)"?/i.exec(contentType ?? '')?.[1];
    return { encoding: charset === undefined ? undefined : parseCsvEncoding(charset, 'headers.content-type') };
  };
  const query = z
    .object({ dateFormat: z.enum(['dmy', 'mdy']).optional().describe('read slashed dates day-first (dmy) or month-first (mdy) in every date column; default: detected per column, ties by the tenant\'s locale') })
    .strict();
  const fileOf = (body: unknown): Readable => {
    if (isStream(body)) return body;
    throw AppError.validation([{ path: 'body', reason: 'send the CSV file as the request body with "Content-Type: text/csv" (curl --data-binary @contacts.csv)' }]);
  };

  f.post('/contacts/import', {
    config,
    schema: {
      tags: ['contacts'],
      summary: 'Import contacts from a CSV file (the body, Content-Type: text/csv)',
      description:
        'Comma, semicolon or tab separated, UTF-8 (BOM allowed), or Windows-1252 with `Content-Type: text/csv; charset=windows-1252`; HubSpot, Salesforce, Zoho and Pipedrive exports work as they are. Rows are matched by email: ' +
        'new emails create contacts, known ones update them, unchanged rows write nothing. Valid rows land even when others fail; `errors` lists every bad row. ' +
        'A file-level problem (not UTF-8, no email column, an unterminated quote) is 400 and nothing is stored. Needs contacts:write on all contacts. Idempotency-Key is not used (re-importing is idempotent).',
      querystring: query,
      response: withErrors({ 200: ImportReportSchema }),
    },
    handler: (req) => core.imports.importContacts(actorOf(req), fileOf(req.body), { ...optionsOf(req.headers['content-type']), dateFormat: req.query.dateFormat }),
  });

  f.post('/interactions/import', {
    config,
    schema: {
      tags: ['interactions'],
      summary: 'Import interactions from a CSV file (the body, Content-Type: text/csv)',
      description: 'Each row names its contact by email; re-importing the same file is a no-op (each row carries a fingerprint).',
      querystring: query,
      response: withErrors({ 200: ImportReportSchema }),
    },
    handler: (req) => core.imports.importInteractions(actorOf(req), fileOf(req.body), { ...optionsOf(req.headers['content-type']), dateFormat: req.query.dateFormat }),
  });
};
