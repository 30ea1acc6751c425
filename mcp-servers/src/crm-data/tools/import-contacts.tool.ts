import { holdsTenantWide } from '../../framework/access.ts';
import { Readable } from 'node:stream';
import { describeIgnoredColumn } from '@crm/core/contracts';
import { ImportContacts } from '../../contracts/crm-data/contacts.contract.ts';
import { defineTool } from '../../framework/tool.ts';

/**
 * Bad rows listed in the result. Core keeps up to 1,000 (~55 KB of JSON, ~14k tokens of a model's
 * context); a model fixes a CSV from the first few, and `failed` still counts every bad row.
 */
export const MCP_IMPORT_ERRORS = 100;

export const importContactsTool = defineTool(ImportContacts, {
  title: 'Import contacts from CSV',
  description:
    'Import contacts from CSV text (comma, semicolon or tab separated; HubSpot and Salesforce exports work as they are). ' +
    'Rows are matched by email: new emails create contacts, known ones update them (empty cells never blank a value). ' +
    `Valid rows land even when others fail; the report lists the first ${MCP_IMPORT_ERRORS} bad fields with row, field and reason (errorsTruncated when there were more; failed counts every bad row); rows imported with a change (an unknown status kept as custom field importedStatus) are listed under warnings. Needs contacts:write on all contacts.`,
  annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: false },
  access: holdsTenantWide('contacts:write'),
  async handler({ csv }, { core, actor }) {
    const report = await core.imports.importContacts(actor, Readable.from([csv]));
    const errors = report.errors.length <= MCP_IMPORT_ERRORS ? {} : { errors: report.errors.slice(0, MCP_IMPORT_ERRORS), errorsTruncated: true };
    const warnings = report.warnings.length <= MCP_IMPORT_ERRORS ? {} : { warnings: report.warnings.slice(0, MCP_IMPORT_ERRORS), warningsTruncated: true };
    return { ...report, ...errors, ...warnings };
  },
  summarize: (r) =>
    `Imported ${r.rows} row(s): ${r.created} created, ${r.updated} updated, ${r.unchanged} unchanged, ${r.skipped} skipped, ${r.failed} failed` +
    (r.errorsTruncated ? ` (the first ${r.errors.length} errors are listed)` : '') +
    (r.errors.length ? `; first error: row ${r.errors[0].row}, ${r.errors[0].path}: ${r.errors[0].reason}` : '') +
    '.' +
    (r.warnings.length ? ` ${r.warningsTruncated ? 'More than ' : ''}${r.warnings.length} warning(s), e.g. row ${r.warnings[0].row}, ${r.warnings[0].path}: ${r.warnings[0].reason}.` : '') +
    r.ignoredColumns.map((c) => ` Ignored: ${describeIgnoredColumn(c)}.`).join(''),
});
