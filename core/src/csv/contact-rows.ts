import type { z } from 'zod';
import type { Readable } from 'node:stream';
import { CreateContactInput, Email, type ContactStatus } from '../contacts/contact.schema.ts';
import type { FieldIssue } from '../errors/app-error.ts';
import { tooFarAhead } from '../errors/safe-input.schema.ts';
import { zodIssues } from '../errors/zod-issues.ts';
import { parseDate, parseJsonObject, parseNumber, normaliseKey } from './cell-parsers.ts';
import type { CsvReadOptions } from './csv-reader.ts';
import { openMappedRows, requireColumn, type DateOrders, type MappedRows, type RowReadOptions, type RowResult } from './mapped-rows.ts';
import {
  ACCEPTED_STATUS_TEXT,
  extraCells,
  shadowedCells,
  mapContactHeaders,
  mapStatusValue,
  pickCell,
  type ContactColumnField,
  type HeaderMapping,
} from './header-map.ts';

/**
 * One contact read from a file. `input` has been parsed by `CreateContactInput` (emails lower-cased,
 * text trimmed) and includes `status` for creates; `status` is repeated on its own because updating
 * an existing contact's status goes through changeStatus. `ownerEmail` is for the service to
 * resolve to a user id.
 */
export interface ImportedContact {
  input: z.output<typeof CreateContactInput>;
  status?: ContactStatus;
  ownerEmail?: string;
  createdAt?: Date;
  lastContactDate?: Date;
  /**
   * When the contact entered the row's status (a "Became a Customer Date" for a customer): lead
   * scoring dates the outcome by it. Without it an imported outcome is dated by the import.
   */
  statusChangedAt?: Date;
}

export type ContactRowResult = RowResult<ImportedContact>;
export type ContactImport = MappedRows<ContactColumnField, ImportedContact>;
export { requireColumn, type RowReadOptions };

/** "Jane Smith" → Jane / Smith; "Smith, Jane" → Jane / Smith; "Mary Ann Lee" → Mary Ann / Lee. */
export function splitFullName(full: string): { firstName?: string; lastName?: string } {
  const comma = full.split(',');
  if (comma.length === 2 && comma[0]!.trim() && comma[1]!.trim()) {
    return { firstName: comma[1]!.trim(), lastName: comma[0]!.trim() };
  }
  const parts = full.trim().split(/\s+/);
  if (parts.length === 1) return { firstName: parts[0] };
  return { firstName: parts.slice(0, -1).join(' '), lastName: parts.at(-1) };
}

/**
 * The last name in a full-name cell beside a first name: the rest after the first name ("Mary Ann"
 * + "Mary Ann Lee"), the whole cell when it is one other word (German forms' "Vorname;Name" put the
 * surname under "Name"), else the full name's last word.
 */
function lastNameBeside(first: string, full: string): string | undefined {
  const words = full.trim().split(/\s+/);
  if (words.length === 1) return normaliseKey(full) === normaliseKey(first) ? undefined : full.trim();
  const lead = first.trim().split(/\s+/);
  if (lead.every((w, i) => normaliseKey(w) === normaliseKey(words[i] ?? ''))) return words.slice(lead.length).join(' ') || undefined;
  return splitFullName(full).lastName;
}

/** The custom field an imported status that maps to none of ours is kept in. */
export const IMPORTED_STATUS_FIELD = 'importedStatus';

const quoteValue = (raw: string) => `"${raw.length > 60 ? `${raw.slice(0, 57)}...` : raw}"`;

export function convertContactRow(
  cells: readonly string[],
  mapping: HeaderMapping<ContactColumnField>,
  row: number,
  dates: DateOrders<ContactColumnField> = {},
  timeZone = 'UTC',
): ContactRowResult {
  const issues: FieldIssue[] = [];
  const warnings: FieldIssue[] = [];
  const fail = (path: string, reason: string) => issues.push({ path, reason, row });
  const get = (field: ContactColumnField) => pickCell(cells, mapping, field);
  const draft: Record<string, unknown> = {};
  const value: Omit<ImportedContact, 'input'> = {};

  let customFields: Record<string, unknown> = {};
  const customJson = get('customFields');
  if (customJson) {
    const parsed = parseJsonObject(customJson.value);
    if (parsed.ok) customFields = parsed.value;
    else fail('customFields', parsed.reason);
  }
  let metadata: Record<string, unknown> = {};
  const metadataJson = get('metadata');
  if (metadataJson) {
    const parsed = parseJsonObject(metadataJson.value);
    if (parsed.ok) metadata = parsed.value;
    else fail('metadata', parsed.reason);
  }
  // a fallback column's value the field did not use ("Lead Status" beside "Lifecycle Stage") is kept, not lost
  Object.assign(customFields, shadowedCells(cells, mapping), extraCells(cells, mapping));

  const full = get('fullName');
  const fromFullName = splitFullName(full?.value ?? '');
  const first = get('firstName')?.value;
  draft.firstName = first ?? fromFullName.firstName ?? '';
  draft.lastName = get('lastName')?.value ?? (full && first !== undefined ? lastNameBeside(first, full.value) : fromFullName.lastName) ?? '';
  if (draft.lastName === '' && full && !/\s/.test(full.value.trim())) {
    fail(
      'lastName',
      `full name ${quoteValue(full.value)} (column "${full.header}") has one word; a last name is required — add a Last Name column or a second word to the name`,
    );
  }
  const email = get('email');
  if (email) draft.email = email.value;
  else fail('email', 'email is required');

  for (const field of ['phone', 'company', 'position', 'source', 'assignedTo'] as const) {
    const cell = get(field);
    if (cell) draft[field] = cell.value;
  }

  const score = get('leadScore');
  if (score) {
    const parsed = parseNumber(score.value);
    if (parsed.ok) draft.leadScore = parsed.value;
    else fail('leadScore', parsed.reason);
  }

  const status = get('status');
  if (status) {
    const mapped = mapStatusValue(status.value);
    if (mapped) draft.status = value.status = mapped;
    else {
      // Pipedrive labels, custom Zoho or HubSpot stages: keep the row and the value, say so
      customFields[IMPORTED_STATUS_FIELD] = status.value;
      warnings.push({
        path: 'status',
        row,
        reason: `unknown status ${quoteValue(status.value)} kept as custom field ${IMPORTED_STATUS_FIELD}; a new contact is LEAD, an existing one keeps its status (mapped values: ${ACCEPTED_STATUS_TEXT})`,
      });
    }
  }

  const owner = get('ownerEmail');
  if (owner) {
    const parsed = Email.safeParse(owner.value);
    if (parsed.success) value.ownerEmail = parsed.data;
    // Salesforce's "Lead Owner" holds a name, which no service can resolve: keep it, don't fail the row.
    else if (!normaliseKey(owner.header).includes('email')) customFields[owner.header] = owner.value;
    else fail('ownerEmail', `must be a valid email address (got ${quoteValue(owner.value)})`);
  }

  for (const field of ['createdAt', 'lastContactDate', 'statusChangedAt', 'customerSince'] as const) {
    const cell = get(field);
    if (!cell) continue;
    // a customer date says nothing about a lead's or an inactive contact's status
    if (field === 'customerSince' && value.status !== 'CUSTOMER') continue;
    const parsed = parseDate(cell.value, dates[field], timeZone);
    // a typo far ahead (2099) would stick: lastContactDate only moves forward on re-import, and a
    // new contact created "in 2099" skews every report by creation date
    if (parsed.ok && tooFarAhead(parsed.value)) fail(field, `must not be in the future (at most a day ahead; got ${quoteValue(cell.value)})`);
    else if (parsed.ok) {
      if (field === 'customerSince') value.statusChangedAt ??= parsed.value;
      else value[field] = parsed.value;
    } else fail(field, parsed.reason);
  }

  for (const key of ['campaignId', 'ipAddress', 'referrer', 'leadMagnet'] as const) {
    const cell = get(`metadata.${key}`);
    if (cell) metadata[key] = cell.value;
  }
  const externalId = get('externalId');
  if (externalId) customFields.externalId = externalId.value;
  if (Object.keys(customFields).length) draft.customFields = customFields;
  if (Object.keys(metadata).length) draft.metadata = metadata;

  const parsed = CreateContactInput.safeParse(draft);
  if (!parsed.success) {
    const reported = new Set(issues.map((i) => i.path));
    for (const issue of zodIssues(parsed.error)) {
      if (reported.has(issue.path)) continue;
      const raw = draft[issue.path];
      const reason = typeof raw === 'string' && raw !== '' ? `${issue.reason} (got ${quoteValue(raw)})` : issue.reason;
      fail(issue.path, reason);
    }
  }
  if (issues.length || !parsed.success) return { row, ok: false, issues };
  return { row, ok: true, value: { input: parsed.data, ...value }, ...(warnings.length ? { warnings } : {}) };
}

/** Open a contact CSV: header mapping up front (throws VALIDATION_FAILED for a malformed file). */
export function openContactRows(stream: Readable | AsyncIterable<Uint8Array | string>, opts: CsvReadOptions = {}): Promise<ContactImport> {
  return openMappedRows(stream, opts, { map: mapContactHeaders, required: 'email', convert: convertContactRow, dateFields: ['createdAt', 'lastContactDate', 'statusChangedAt', 'customerSince'] });
}

/**
 * Stream a contact CSV row by row. Bad rows come back as `ok: false` with one issue per bad field;
 * malformed files throw VALIDATION_FAILED. Duplicate emails are not flagged: the service upserts
 * by email, so the later row wins.
 */
export async function* readContactRows(
  stream: Readable | AsyncIterable<Uint8Array | string>,
  opts: RowReadOptions<ContactColumnField> = {},
): AsyncGenerator<ContactRowResult, void, undefined> {
  const { mapping, rows } = await openContactRows(stream, opts);
  opts.onMapping?.(mapping);
  yield* rows;
}
