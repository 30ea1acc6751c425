export { openCsv, CSV_DELIMITERS, delimiterName } from './csv-reader.ts';
export type { CsvDelimiter, CsvReadOptions, CsvRecord, CsvTable } from './csv-reader.ts';
export {
  mapContactHeaders,
  mapInteractionHeaders,
  mapStatusValue,
  describeHeaderMapping,
  headerAliases,
  ACCEPTED_STATUS_TEXT,
} from './header-map.ts';
export type {
  HeaderMapping,
  MappedColumn,
  UnmappedColumn,
  ContactColumnField,
  InteractionColumnField,
  ImportKind,
} from './header-map.ts';
export { readContactRows, openContactRows, convertContactRow, splitFullName } from './contact-rows.ts';
export type { ImportedContact, ContactRowResult, ContactImport, RowReadOptions } from './contact-rows.ts';
export {
  readInteractionRows,
  openInteractionRows,
  convertInteractionRow,
  ImportedInteractionInput,
} from './interaction-rows.ts';
export type { ImportedInteraction, InteractionRowResult, InteractionImport } from './interaction-rows.ts';
export {
  contactsToCsv,
  interactionsToCsv,
  guardFormula,
  CONTACT_CSV_COLUMNS,
  INTERACTION_CSV_COLUMNS,
} from './csv-writer.ts';
export type { ContactExportRow, CsvWriteOptions, InteractionExportRow } from './csv-writer.ts';
export { dateEvidence, dateOrderForLocale, decideDateOrder, parseDateOrder, DATE_FORMAT_CHOICES } from './date-order.ts';
export type { DateEvidence, DateOrder, DateOrderChoice } from './date-order.ts';
