import type { Readable } from 'node:stream';
import multipart from '@fastify/multipart';
import { AppError, ImportReportSchema, parseCsvEncoding, type CrmCore } from '@crm/core';
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { actorOf, withErrors } from './api-schemas.ts';
import { CSV_FORM_LIMITS, importFormUpload } from './csv-form-upload.ts';
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
 * take CSV only (as the body, or one file of a multipart/form-data upload: csv-form-upload.ts); every
 * other route takes JSON only.
 */
export const importRoutes: FastifyPluginAsync<{ core: CrmCore }> = async (app, { core }) => {
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser(CSV_MEDIA_TYPES, (_req, payload, done) => done(null, payload));
  // curl -F, Postman's form-data, an HTML form: registered here only, so no other route takes a form
  await app.register(multipart, { limits: CSV_FORM_LIMITS });
  const f = app.withTypeProvider<ZodTypeProvider>();
  const config = { mediaType: 'text/csv' };
  /** `Content-Type: text/csv; charset=windows-1252` reads Excel's plain "CSV" as it is; UTF-8 by default. */
  const optionsOf = (contentType: string | undefined) => {
    const charset = /;\s*charset\s*=\s*"?([^";]+)"?/i.exec(contentType ?? '')?.[1];
    return { encoding: charset === undefined ? undefined : parseCsvEncoding(charset, 'headers.content-type') };
  };
  const dateFormat = z.enum(['dmy', 'mdy']).optional().describe('read slashed dates day-first (dmy) or month-first (mdy) in every date column; default: detected per column, ties by the tenant\'s locale');
  const query = z.object({ dateFormat }).strict();
  const fileOf = (body: unknown): Readable => {
    if (isStream(body)) return body;
    throw AppError.validation([{ path: 'body', reason: 'send the CSV file as the request body with "Content-Type: text/csv" (curl --data-binary @contacts.csv), or as a form upload (curl -F file=@contacts.csv)' }]);
  };
  type Importer = CrmCore['imports']['importContacts'];
  /** The same import for a text/csv body and a multipart upload; a form field overrides the query string. */
  const importFrom = (req: FastifyRequest, importer: Importer) => {
    const q = req.query as z.infer<typeof query>;
    if (!req.isMultipart()) return importer(actorOf(req), fileOf(req.body), { ...optionsOf(req.headers['content-type']), dateFormat: q.dateFormat });
    // filled in as the form's fields arrive, before or after the file: the import reads them once the file is saved
    const options: NonNullable<Parameters<Importer>[2]> = { dateFormat: q.dateFormat };
    return importFormUpload(req, {
      field(name, value) {
        if (name === 'dateFormat') {
          const format = dateFormat.safeParse(value);
          if (!format.success) throw AppError.validation([{ path: 'body.dateFormat', reason: `must be dmy or mdy, got "${value}"` }]);
          options.dateFormat = format.data;
        } else options.encoding = parseCsvEncoding(value, 'body.charset');
      },
      run: (file) => importer(actorOf(req), file, options),
    });
  };

  const documentedBody = {
    content: {
      'text/csv': { schema: { type: 'string', format: 'binary', description: 'the CSV file as it is (curl --data-binary @contacts.csv -H "Content-Type: text/csv")' } },
      'multipart/form-data': {
        schema: {
          type: 'object',
          required: ['file'],
          properties: {
            file: { type: 'string', format: 'binary', description: 'the CSV file (curl -F file=@contacts.csv); any one file field name is read; an .xlsx is refused: export it as CSV' },
            dateFormat: { type: 'string', enum: ['dmy', 'mdy'], description: 'as the query parameter (a form field overrides it); before or after the file' },
            charset: { type: 'string', description: 'utf-8 (default) or windows-1252 (also cp1252, latin1, iso-8859-1); before or after the file' },
          },
        },
      },
    },
  };

  f.post('/contacts/import', {
    config,
    schema: {
      tags: ['contacts'],
      summary: 'Import contacts from a CSV file (a text/csv body or a multipart/form-data upload)',
      description:
        'The file is the body (`Content-Type: text/csv`, curl --data-binary @contacts.csv) or one file of a form upload (`multipart/form-data`, curl -F file=@contacts.csv; options as form fields, before or after the file). ' +
        'Comma, semicolon or tab separated, UTF-8 (BOM allowed), or Windows-1252 with `Content-Type: text/csv; charset=windows-1252`; HubSpot, Salesforce, Zoho and Pipedrive exports work as they are. Rows are matched by email: ' +
        'new emails create contacts, known ones update them, unchanged rows write nothing. Valid rows land even when others fail; `errors` lists every bad row. ' +
        'A file-level problem (not UTF-8, no email column, an unterminated quote) is 400 and nothing is stored. Needs contacts:write on all contacts. Idempotency-Key is not used (re-importing is idempotent).',
      querystring: query,
      documentedBody,
      response: withErrors({ 200: ImportReportSchema }),
    },
    handler: (req) => importFrom(req, (actor, file, opts) => core.imports.importContacts(actor, file, opts)),
  });

  f.post('/interactions/import', {
    config,
    schema: {
      tags: ['interactions'],
      summary: 'Import interactions from a CSV file (a text/csv body or a multipart/form-data upload)',
      description: 'Each row names its contact by email; re-importing the same file is a no-op (each row carries a fingerprint).',
      querystring: query,
      documentedBody,
      response: withErrors({ 200: ImportReportSchema }),
    },
    handler: (req) => importFrom(req, (actor, file, opts) => core.imports.importInteractions(actor, file, opts)),
  });
};
