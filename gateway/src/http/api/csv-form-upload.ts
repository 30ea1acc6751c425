import { once } from 'node:events';
import { PassThrough, type Readable } from 'node:stream';
import { AppError } from '@crm/core';
import type { FastifyRequest } from 'fastify';

/** Form fields the import routes read besides the file (the same options as the query string). */
export const CSV_FORM_FIELDS = ['dateFormat', 'charset'] as const;

/** @fastify/multipart limits: one file (a second is counted so it can be named), a few short fields. */
export const CSV_FORM_LIMITS = { files: 2, fields: 10, fieldSize: 200, parts: 12, fileSize: Infinity, headerPairs: 50 };

const ZIP_MAGIC = Buffer.from('PK\x03\x04', 'latin1');
const CURL = 'curl -F file=@contacts.csv';

const invalid = (field: string, reason: string) => AppError.validation([{ path: `body.${field}`, reason }]);

/**
 * A `multipart/form-data` upload (curl -F, Postman's form-data, an HTML form) read part by part
 * and the file streamed into `run` as it arrives — no copy in memory or on disk beyond what the
 * import itself spools. Each form field goes to `field` as it arrives, before or after the file
 * (the import reads its options only once the whole file is saved, and the stream given to `run`
 * ends only after the whole form is read), so a bad field value, a second file or an unknown field
 * fails the import before its first row is written.
 */
export async function importFormUpload<T>(
  req: FastifyRequest,
  handlers: { field: (name: (typeof CSV_FORM_FIELDS)[number], value: string) => void; run: (file: Readable) => Promise<T> },
): Promise<T> {
  let source: PassThrough | undefined;
  let running: Promise<T> | undefined;
  let fileField: string | undefined;
  // the import may fail before it reads a byte (a role without contacts:write): stop feeding it then
  let settled = false;
  try {
    for await (const part of req.parts()) {
      if (part.type === 'field') {
        if (!(CSV_FORM_FIELDS as readonly string[]).includes(part.fieldname)) {
          throw invalid(part.fieldname, `unknown form field; this upload takes one file (field "file") and the fields ${CSV_FORM_FIELDS.join(', ')}`);
        }
        handlers.field(part.fieldname as (typeof CSV_FORM_FIELDS)[number], String(part.value));
        continue;
      }
      if (source) {
        part.file.resume();
        throw invalid(part.fieldname, `one file per upload: "${fileField}" already sent ${fileField === part.fieldname ? 'a file' : 'the file'}; import each CSV in its own request`);
      }
      fileField = part.fieldname;
      const stream = new PassThrough();
      // the import sees a destroyed stream through its own reader; without a listener here the
      // error would also be an uncaught exception whenever the import had not started reading
      stream.on('error', () => undefined);
      source = stream;
      running = (async () => handlers.run(stream))();
      void running.then(
        () => (settled = true),
        () => (settled = true),
      );
      let head = Buffer.alloc(0);
      for await (const chunk of part.file as AsyncIterable<Buffer>) {
        if (head.length < ZIP_MAGIC.length) {
          head = Buffer.concat([head, chunk]).subarray(0, ZIP_MAGIC.length);
          if (head.length === ZIP_MAGIC.length && head.equals(ZIP_MAGIC)) {
            throw invalid(fileField, `"${part.filename}" is a ZIP file (an Excel workbook .xlsx?), not CSV: export it as CSV (Excel: File → Save As → "CSV UTF-8") and upload that`);
          }
        }
        if (settled) continue;
        if (!stream.write(chunk)) await Promise.race([once(stream, 'drain'), running.catch(() => undefined)]);
      }
    }
  } catch (err) {
    source?.destroy(err as Error);
    await running?.catch(() => undefined);
    throw err;
  }
  if (!source || !running) throw invalid('file', `no file in the form: send the CSV as a file field named "file" (${CURL})`);
  source.end();
  return running;
}
