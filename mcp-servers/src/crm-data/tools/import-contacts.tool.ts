import { Readable } from 'node:stream';
import { describeIgnoredColumn } from '@crm/core/contracts';
import { ImportContacts } from '../../contracts/crm-data/contacts.contract.ts';
import { defineTool } from '../../framework/tool.ts';

export const importContactsTool = defineTool(ImportContacts, {
  title: 'Import contacts from CSV',
  description:
    'Import contacts from CSV text (comma, semicolon or tab separated; HubSpot and Salesforce exports work as they are). ' +
    'Rows are matched by email: new emails create contacts, known ones update them (empty cells never blank a value). ' +
    'Valid rows land even when others fail; the report lists every bad row with its field and reason. Needs contacts:write on all contacts.',
  annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: false },
  handler: ({ csv }, { core, actor }) => core.imports.importContacts(actor, Readable.from([csv])),
  summarize: (r) =>
    `Imported ${r.rows} row(s): ${r.created} created, ${r.updated} updated, ${r.skipped} skipped, ${r.failed} failed` +
    (r.errors.length ? `; first error: row ${r.errors[0].row}, ${r.errors[0].path}: ${r.errors[0].reason}` : '') +
    '.' +
    r.ignoredColumns.map((c) => ` Ignored: ${describeIgnoredColumn(c)}.`).join(''),
});
