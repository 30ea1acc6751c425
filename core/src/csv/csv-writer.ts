import { Readable, pipeline } from 'node:stream';
import { stringify } from 'csv-stringify';
import type { Contact } from '../contacts/contact.schema.ts';
import type { Interaction } from '../interactions/interaction.schema.ts';
import { FORMULA_TRIGGERS } from './cell-parsers.ts';

/**
 * Column order of our exports. Custom fields and metadata are one JSON column each: a stream
 * cannot know every custom key before the first row is written.
 */
export const CONTACT_CSV_COLUMNS = [
  'id',
  'firstName',
  'lastName',
  'email',
  'phone',
  'company',
  'position',
  'status',
  'statusChangedAt',
  'leadScore',
  'source',
  'assignedTo',
  'lastContactDate',
  'createdAt',
  'updatedAt',
  'customFields',
  'metadata',
] as const;

/** A contact with the day its status last changed (`status_changed_at`, what lead scoring dates outcomes by). */
export type ContactExportRow = Contact & { statusChangedAt?: Date | null };

/** `createdAt` is when the interaction happened; the importer reads it back as `occurredAt`. */
export const INTERACTION_CSV_COLUMNS = [
  'id',
  'contactId',
  'contactEmail',
  'type',
  'channel',
  'direction',
  'subject',
  'content',
  'duration',
  'outcome',
  'tags',
  'createdAt',
  'scheduledFollowUp',
  'userId',
  'attachments',
  'sentiment',
  'metadata',
] as const;

/** An interaction with its contact's email, which the importer matches on. */
export type InteractionExportRow = Interaction & { contactEmail: string };

export interface CsvWriteOptions {
  /** Prepend a UTF-8 BOM so Excel on Windows opens accented text correctly. */
  bom?: boolean;
}

type Source<T> = AsyncIterable<T> | Iterable<T>;

/** Keep spreadsheets from executing cells as formulas (CSV injection): `=1+1` → `'=1+1`. */
export function guardFormula(text: string): string {
  return text.length > 0 && (FORMULA_TRIGGERS as readonly string[]).includes(text[0]!) ? `'${text}` : text;
}

function cell(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (value instanceof Date) return value.toISOString();
  if (typeof value === 'number') return String(value);
  if (typeof value === 'object') return Object.keys(value).length ? JSON.stringify(value) : '';
  return guardFormula(String(value));
}

/** `a; b`, or a JSON array when a tag itself contains a separator, so the importer splits it back exactly. */
function listCell(values: readonly string[]): string {
  if (values.length === 0) return '';
  return values.some((v) => /[;,]/.test(v) || v.trim() !== v) ? JSON.stringify(values) : guardFormula(values.join('; '));
}

function toCsv<T>(source: Source<T>, columns: readonly string[], toCells: (item: T) => string[], opts: CsvWriteOptions): Readable {
  async function* records() {
    for await (const item of source) yield toCells(item);
  }
  // RFC 4180: CRLF line ends, fields quoted when they hold the delimiter, a quote or a line break.
  // csv-stringify only quotes the configured record delimiter, so a bare \n needs quoted_match.
  const out = stringify({
    header: true,
    columns: [...columns],
    record_delimiter: '\r\n',
    quoted_match: /[\r\n]/,
    bom: opts.bom ?? false,
  });
  pipeline(Readable.from(records()), out, () => {
    /* a failing source destroys `out`, so the reader of the export sees the error */
  });
  return out;
}

export function contactsToCsv(contacts: Source<ContactExportRow>, opts: CsvWriteOptions = {}): Readable {
  return toCsv(contacts, CONTACT_CSV_COLUMNS, (c) => CONTACT_CSV_COLUMNS.map((key) => cell(c[key])), opts);
}

export function interactionsToCsv(interactions: Source<InteractionExportRow>, opts: CsvWriteOptions = {}): Readable {
  return toCsv(
    interactions,
    INTERACTION_CSV_COLUMNS,
    (i) => INTERACTION_CSV_COLUMNS.map((key) => (key === 'tags' || key === 'attachments' ? listCell(i[key]) : cell(i[key]))),
    opts,
  );
}
