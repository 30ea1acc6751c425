import { ContactStatus, CreateContactInput, ImportReportSchema, ListContactsQuery, UpdateContactInput } from '@crm/core/contracts';
import { z } from 'zod';
import type { ToolContract } from '../../framework/tool.ts';
import { ContactId, ContactOut, ContactSummaryOut, Cursor, IsoDateInput, NextCursorOut } from './common.contract.ts';

const list = ListContactsQuery.shape;
/** leadScore is computed by scoring: like REST, the tools do not take it (runTool names why). */
const { leadScore: _computed, ...updatable } = UpdateContactInput.shape;

export const SearchContacts = {
  name: 'search_contacts',
  input: z
    .object({
      search: list.search.describe('Words to find in first name, last name, email or company (case-insensitive substring)'),
      status: list.status,
      leadScoreMin: list.leadScoreMin,
      leadScoreMax: list.leadScoreMax,
      assignedTo: list.assignedTo.describe('Only contacts assigned to this user id'),
      source: list.source,
      createdAfter: IsoDateInput.optional(),
      createdBefore: IsoDateInput.optional().describe('Contacts created before this moment (exclusive)'),
      lastContactedBefore: IsoDateInput.optional().describe('Contacts not contacted since this date (or never)'),
      sort: list.sort,
      order: list.order,
      limit: z.number().int('must be an integer').min(1, 'must be at least 1').max(100, 'must be at most 100').default(20),
      cursor: Cursor.optional(),
    })
    .strict(),
  output: z.object({
    contacts: z.array(ContactSummaryOut),
    totalCount: z.number().int().describe('Matches in all pages'),
    totalCountExact: z.boolean().describe('false when very many contacts match and totalCount is an estimate'),
    nextCursor: NextCursorOut,
  }),
} satisfies ToolContract;

export const GetContact = {
  name: 'get_contact',
  input: z.object({ id: ContactId }).strict(),
  output: ContactOut,
} satisfies ToolContract;

export const CreateContact = {
  name: 'create_contact',
  input: CreateContactInput.omit({ leadScore: true }).extend({
    status: CreateContactInput.shape.status.describe('Defaults to LEAD'),
    assignedTo: CreateContactInput.shape.assignedTo.describe('User id of the owning sales rep; a rep\'s new contacts default to themselves'),
  }).strict(),
  output: ContactOut,
} satisfies ToolContract;

export const UpdateContact = {
  name: 'update_contact',
  input: z
    .object({ id: ContactId, ...updatable })
    .strict()
    .describe('Give the id and only the fields to change; null clears an optional field'),
  output: ContactOut,
} satisfies ToolContract;

export const ChangeContactStatus = {
  name: 'change_contact_status',
  input: z
    .object({
      id: ContactId,
      status: ContactStatus,
      reason: z.string().trim().max(500, 'must be at most 500 characters').optional().describe('Why, for the audit log'),
    })
    .strict(),
  output: ContactOut,
} satisfies ToolContract;

export const FindDuplicateContacts = {
  name: 'find_duplicate_contacts',
  input: z
    .object({
      contactId: ContactId.optional().describe('Only pairs that include this contact; omit to scan the whole tenant'),
      limit: z.number().int('must be an integer').min(1, 'must be at least 1').max(200, 'must be at most 200').default(20).describe('Most pairs to return'),
    })
    .strict(),
  output: z.object({
    pairs: z.array(
      z.object({
        a: ContactSummaryOut.pick({ id: true, firstName: true, lastName: true, email: true, company: true }).extend({ phone: z.string().nullable() }),
        b: ContactSummaryOut.pick({ id: true, firstName: true, lastName: true, email: true, company: true }).extend({ phone: z.string().nullable() }),
        score: z.number().describe('0-1, higher is more likely the same person'),
        reasons: z.array(z.string()),
      }),
    ),
  }),
} satisfies ToolContract;

export const MergeContacts = {
  name: 'merge_contacts',
  input: z
    .object({
      primaryId: ContactId.describe('The contact to keep'),
      duplicateId: ContactId.describe('The contact merged into the primary and then deleted'),
    })
    .strict()
    .refine((v) => v.primaryId !== v.duplicateId, { message: 'a contact cannot be merged into itself', path: ['duplicateId'] }),
  output: z.object({
    contact: ContactOut,
    mergedId: z.uuid().describe('Id of the deleted duplicate'),
    moved: z.object({ interactions: z.number().int(), followUps: z.number().int() }),
  }),
} satisfies ToolContract;

/** ~5 MB of CSV: larger files go through `npx crm import` or REST (`POST /api/v1/contacts/import`, the file as a text/csv body), which stream from disk. */
export const MAX_IMPORT_CSV_CHARS = 5_000_000;

export const ImportContacts = {
  name: 'import_contacts',
  input: z
    .object({
      csv: z
        .string()
        .min(1, 'must not be empty')
        .max(MAX_IMPORT_CSV_CHARS, `must be at most ${MAX_IMPORT_CSV_CHARS} characters; use "npx crm import contacts FILE" for larger files`)
        .describe('The CSV file content, header row first. HubSpot and Salesforce exports work as they are'),
    })
    .strict(),
  output: ImportReportSchema,
} satisfies ToolContract;
