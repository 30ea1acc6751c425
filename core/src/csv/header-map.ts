import type { ContactStatus } from '../contacts/contact.schema.ts';
import { normaliseKey, unescapeFormula } from './cell-parsers.ts';
import { localised } from './localised-headers.ts';

/**
 * Column aliases, compared after `normaliseKey` (case, spaces, underscores and punctuation are
 * ignored, so "First Name", "first_name", "FirstName" and "FIRST-NAME" are one key). Order within a
 * list is priority: when a file has two columns for one field (HubSpot exports carry both
 * "Lifecycle Stage" and "Lead Status"), the earlier alias is read first and the later column is
 * a fallback used only where the earlier cell is empty. Our own export headers come first, so an
 * export re-imports exactly; other languages' headers (localised-headers.ts) come last.
 */
const CONTACT_ALIASES = {
  firstName: ['firstName', 'First Name', 'Given Name', 'Forename', ...localised('firstName')],
  lastName: ['lastName', 'Last Name', 'Surname', 'Family Name', ...localised('lastName')],
  fullName: ['Name', 'Full Name', 'Contact Name', ...localised('fullName')],
  // numbered columns ("Email 1", "Email 2", as generic sample exports have): the first is the email,
  // the second fills only rows whose first is empty
  // Pipedrive writes the kind after a dash ("Email - Work", "Phone - Mobile")
  email: ['email', 'Email Address', 'E-mail Address', 'Work Email', 'Primary Email', 'Business Email', 'Email 1', 'Email Address 1', 'Email - Work', ...localised('email'), 'Email 2', 'Email Address 2', 'Secondary Email', 'Other Email', 'Email - Home', 'Email - Other'],
  phone: ['phone', 'Phone Number', 'Work Phone', 'Business Phone', 'Mobile Phone', 'Mobile Phone Number', 'Mobile', 'Cell Phone', 'Telephone', 'Phone 1', 'Phone Number 1', 'Phone - Work', 'Phone - Mobile', ...localised('phone'), 'Phone 2', 'Phone Number 2', 'Other Phone', 'Home Phone', 'Phone - Home', 'Phone - Other'],
  company: ['company', 'Company Name', 'Account Name', 'Organization', 'Organisation', 'Associated Company', ...localised('company')],
  position: ['position', 'Job Title', 'Title', 'Job Position', ...localised('position')],
  status: ['status', 'Lifecycle Stage', 'Lead Status', 'Contact Status', ...localised('status')],
  source: ['source', 'Original Source', 'Lead Source', 'Contact Source', ...localised('source')],
  leadScore: ['leadScore', 'HubSpot Score', 'Lead Score', 'Score', ...localised('leadScore')],
  ownerEmail: ['ownerEmail', 'Owner Email', 'Contact Owner', 'Lead Owner', 'Owner', 'Account Owner', 'HubSpot Owner', ...localised('ownerEmail')],
  assignedTo: ['assignedTo'],
  'metadata.campaignId': ['Campaign', 'Campaign ID', 'campaignId'],
  'metadata.ipAddress': ['IP Address', 'ipAddress'],
  'metadata.referrer': ['Referrer', 'Referrer URL'],
  'metadata.leadMagnet': ['Lead Magnet', 'leadMagnet'],
  // Zoho: "Created Time", "Last Activity Time"; Pipedrive: "Person created"
  lastContactDate: ['lastContactDate', 'Last Activity Date', 'Last Contacted', 'Last Contact Date', 'Last Activity', 'Last Engagement Date', 'Last Activity Time', ...localised('lastContactDate')],
  // when the contact entered its current status (lead scoring's outcome date): any status
  statusChangedAt: ['statusChangedAt', 'Status Changed At', 'Status Changed Date', 'Status Change Date', 'Date of Last Status Change'],
  // the date it became a customer (HubSpot, Salesforce): read only when the row's status is CUSTOMER
  customerSince: ['customerSince', 'Became a Customer Date', 'Converted Date', 'Date Converted', 'Conversion Date', 'Customer Since'],
  createdAt: ['createdAt', 'Create Date', 'Created Date', 'Date Created', 'Created On', 'Created', 'Created Time', 'Person created', ...localised('createdAt')],
  externalId: ['externalId', 'Record ID', 'Contact ID', 'Lead ID', 'HubSpot ID', 'Salesforce ID', 'ID', 'Customer ID', 'Person ID'],
  customFields: ['customFields'],
  metadata: ['metadata'],
} as const satisfies Record<string, readonly string[]>;

const INTERACTION_ALIASES = {
  contactEmail: ['contactEmail', 'Email', 'Email Address', 'E-mail Address', 'Contact Email Address', 'Associated Contact Email', ...localised('email')],
  type: ['type', 'Activity Type', 'Interaction Type', 'Engagement Type', 'Activity', 'Task Subtype', ...localised('interactionType')],
  channel: ['channel', 'Communication Channel', ...localised('channel')],
  direction: ['direction', 'Call Direction', 'Email Direction', ...localised('direction')],
  subject: ['subject', 'Title', 'Email Subject', 'Meeting Title', 'Call Title', ...localised('subject')],
  content: ['content', 'Body', 'Notes', 'Note', 'Description', 'Comments', 'Email Body', 'Call Notes', 'Meeting Notes', 'Note Body', 'Details', ...localised('notes')],
  occurredAt: ['occurredAt', 'createdAt', 'Date', 'Activity Date', 'Created Date', 'Create Date', 'Timestamp', 'Activity Timestamp', ...localised('occurredAt')],
  // a unit in the header is read by durationUnitOf: seconds and milliseconds are converted to minutes
  duration: [
    'duration', 'Duration (minutes)', 'Call Duration', 'Meeting Duration', 'Call Duration (HH:mm:ss)', 'Duration (HH:mm:ss)',
    'Duration (seconds)', 'Duration in Seconds', 'Call Duration (seconds)', 'Call Duration in Seconds', 'CallDurationInSeconds',
    'Duration (ms)', 'Call Duration (ms)', 'Duration (milliseconds)', ...localised('duration'),
  ],
  outcome: ['outcome', 'Call Outcome', 'Meeting Outcome', 'Result', 'Disposition', ...localised('outcome')],
  tags: ['tags', 'Tag', 'Labels'],
  scheduledFollowUp: ['scheduledFollowUp', 'Follow Up Date', 'Next Follow Up'],
  attachments: ['attachments', 'Attachment URLs'],
  sentiment: ['sentiment'],
  metadata: ['metadata'],
} as const satisfies Record<string, readonly string[]>;

/** Columns of our own exports that must not be imported (ids belong to the exporting tenant). */
const IGNORED = {
  contact: { id: 'our contact id; contacts are matched by email', updatedAt: 'set by the server', tenantId: 'set by the server' },
  interaction: {
    id: 'our interaction id',
    contactId: 'contacts are matched by contactEmail',
    userId: 'set to the importing user',
    tenantId: 'set by the server',
  },
} as const;

export type ContactColumnField = keyof typeof CONTACT_ALIASES;
export type InteractionColumnField = keyof typeof INTERACTION_ALIASES;
export type ImportKind = 'contact' | 'interaction';

export interface MappedColumn<F extends string = string> {
  index: number;
  header: string;
  field: F;
  /** Another column maps to the same field with higher priority; this one fills its empty cells. */
  fallback: boolean;
}

export interface UnmappedColumn {
  index: number;
  header: string;
  /** Where the cells go: contacts keep unknown columns in customFields, interactions in metadata. */
  action: 'customFields' | 'metadata' | 'ignored';
  reason: string;
}

export interface HeaderMapping<F extends string = string> {
  kind: ImportKind;
  mapped: MappedColumn<F>[];
  unmapped: UnmappedColumn[];
  /** Column indexes per field, highest priority first. */
  columns: Partial<Record<F, number[]>>;
  /** Required fields no column provides. */
  missing: string[];
}

function aliasIndex(table: Record<string, readonly string[]>): Map<string, { field: string; priority: number }> {
  const index = new Map<string, { field: string; priority: number }>();
  for (const [field, aliases] of Object.entries(table)) {
    aliases.forEach((alias, priority) => {
      const key = normaliseKey(alias);
      const taken = index.get(key);
      if (taken && taken.field !== field) throw new Error(`alias "${alias}" maps to ${taken.field} and ${field}`);
      if (!taken) index.set(key, { field, priority });
    });
  }
  return index;
}

const CONTACT_INDEX = aliasIndex(CONTACT_ALIASES);

/**
 * Pipedrive names every column after its entity: "Person - Name", "Person - Email - Work", and in an
 * activity export "Activity - Subject" beside "Person - Email". Tried only when the whole header is
 * no alias; other entities' columns ("Organization - Name", "Deal - Title") keep their prefix, so
 * they are never read as the contact's name.
 */
function withoutEntityPrefix(kind: ImportKind, header: string): string {
  const prefix = kind === 'contact' ? /^(person|contact|lead)\s+-\s+/i : /^(activity|person)\s+-\s+/i;
  return header.replace(prefix, '');
}
const INTERACTION_INDEX = aliasIndex(INTERACTION_ALIASES);

/** Where a file's unknown columns are kept: a contact's customFields, an interaction's metadata. */
export function extraColumnsTarget(kind: ImportKind): 'customFields' | 'metadata' {
  return kind === 'contact' ? 'customFields' : 'metadata';
}

function mapColumns<F extends string>(kind: ImportKind, header: readonly string[]): HeaderMapping<F> {
  const index = kind === 'contact' ? CONTACT_INDEX : INTERACTION_INDEX;
  const ignored: Record<string, string> = IGNORED[kind];
  const extraTarget = extraColumnsTarget(kind);
  const hits: { index: number; header: string; field: F; priority: number }[] = [];
  const unmapped: UnmappedColumn[] = [];
  header.forEach((raw, i) => {
    const text = raw.trim();
    // Exact spelling only: our export writes "id", while Salesforce's record id column is "Id"/"ID".
    const hit = Object.hasOwn(ignored, text) ? undefined : (index.get(normaliseKey(text)) ?? index.get(normaliseKey(withoutEntityPrefix(kind, text))));
    if (hit) hits.push({ index: i, header: text, field: hit.field as F, priority: hit.priority });
    else if (text === '') unmapped.push({ index: i, header: text, action: 'ignored', reason: 'empty header' });
    else if (Object.hasOwn(ignored, text)) unmapped.push({ index: i, header: text, action: 'ignored', reason: ignored[text]! });
    else if (text.length > 100) {
      unmapped.push({ index: i, header: text, action: 'ignored', reason: 'header longer than 100 characters' });
    } else {
      // a second "Notes" column gets its own key: one key for both kept only one of the two cells
      let key = text;
      for (let n = 2; unmapped.some((u) => u.action === extraTarget && u.header === key); n++) key = `${text} (${n})`;
      unmapped.push({ index: i, header: key, action: extraTarget, reason: `unknown column, kept in ${extraTarget}` });
    }
  });
  const columns: Partial<Record<F, number[]>> = {};
  const ranked = [...hits].sort((a, b) => a.priority - b.priority || a.index - b.index);
  for (const hit of ranked) (columns[hit.field] ??= []).push(hit.index);
  const mapped = hits.map((h) => ({ index: h.index, header: h.header, field: h.field, fallback: columns[h.field]![0] !== h.index }));
  return { kind, mapped, unmapped, columns, missing: [] };
}

export function mapContactHeaders(header: readonly string[]): HeaderMapping<ContactColumnField> {
  const mapping = mapColumns<ContactColumnField>('contact', header);
  const has = (f: ContactColumnField) => mapping.columns[f] !== undefined;
  if (!has('email')) mapping.missing.push('email');
  if (!has('firstName') && !has('fullName')) mapping.missing.push('firstName');
  if (!has('lastName') && !has('fullName')) mapping.missing.push('lastName');
  return mapping;
}

export function mapInteractionHeaders(header: readonly string[]): HeaderMapping<InteractionColumnField> {
  const mapping = mapColumns<InteractionColumnField>('interaction', header);
  if (mapping.columns.contactEmail === undefined) mapping.missing.push('contactEmail');
  // The type can be derived from the channel, so only a file with neither lacks it.
  if (mapping.columns.type === undefined && mapping.columns.channel === undefined) mapping.missing.push('type');
  return mapping;
}

/** The accepted header spellings for a field, for error messages. */
export function headerAliases(kind: ImportKind, field: string): readonly string[] {
  const table: Record<string, readonly string[]> = kind === 'contact' ? CONTACT_ALIASES : INTERACTION_ALIASES;
  return table[field] ?? [];
}

/** One line per column, for the CLI: `"Lifecycle Stage" → status (fallback)`. */
export function describeHeaderMapping(mapping: HeaderMapping): string[] {
  const lines = [
    ...mapping.mapped.map((c) => `"${c.header}" → ${c.field}${c.fallback ? ' (fallback)' : ''}`),
    ...mapping.unmapped.map((c) =>
      c.action === 'ignored' ? `"${c.header}" ignored (${c.reason})` : `"${c.header}" → ${c.action}["${c.header}"]`,
    ),
  ];
  return [...lines, ...mapping.missing.map((f) => `missing: no column for ${f}`)];
}

/**
 * Status values from other CRMs, compared with `normaliseKey` (so "Marketing Qualified Lead",
 * "marketingqualifiedlead" and "MARKETING_QUALIFIED_LEAD" agree).
 *
 * | Source                  | Value                                         | Our status |
 * |-------------------------|-----------------------------------------------|------------|
 * | ours                    | LEAD / PROSPECT / CUSTOMER / INACTIVE          | same       |
 * | HubSpot lifecycle stage | subscriber, lead, marketingqualifiedlead, other | LEAD     |
 * | HubSpot lifecycle stage | salesqualifiedlead, opportunity               | PROSPECT   |
 * | HubSpot lifecycle stage | customer, evangelist                          | CUSTOMER   |
 * | HubSpot lead status     | NEW, OPEN, ATTEMPTED_TO_CONTACT               | LEAD       |
 * | HubSpot lead status     | IN_PROGRESS, CONNECTED, OPEN_DEAL             | PROSPECT   |
 * | HubSpot lead status     | UNQUALIFIED, BAD_TIMING                       | INACTIVE   |
 * | Salesforce lead status  | Open - Not Contacted                          | LEAD       |
 * | Salesforce lead status  | Working - Contacted                           | PROSPECT   |
 * | Salesforce lead status  | Closed - Converted                            | CUSTOMER   |
 * | Salesforce lead status  | Closed - Not Converted                        | INACTIVE   |
 * | Zoho lead status        | Not Contacted, Attempted to Contact, Contact in Future | LEAD |
 * | Zoho lead status        | Contacted, Pre-Qualified                      | PROSPECT   |
 * | Zoho lead status        | Not Qualified, Junk Lead, Lost Lead           | INACTIVE   |
 *
 * MQLs stay LEAD: marketing interest is not yet a sales conversation, which is what PROSPECT means
 * here. HubSpot's "other" carries no signal, so it is the default LEAD rather than INACTIVE.
 */
const STATUS_VALUES: Record<ContactStatus, readonly string[]> = {
  LEAD: ['lead', 'subscriber', 'marketingqualifiedlead', 'mql', 'other', 'new', 'open', 'attemptedtocontact', 'opennotcontacted', 'notcontacted', 'contactinfuture'],
  PROSPECT: ['prospect', 'salesqualifiedlead', 'sql', 'opportunity', 'inprogress', 'connected', 'opendeal', 'workingcontacted', 'contacted', 'prequalified'],
  CUSTOMER: ['customer', 'evangelist', 'closedconverted'],
  INACTIVE: ['inactive', 'unqualified', 'badtiming', 'closednotconverted', 'notqualified', 'junklead', 'lostlead'],
};

/**
 * The same stages as HubSpot's German, French, Spanish, Dutch, Italian and Portuguese interfaces
 * name them (a localised export writes these), and the plain words for customer, prospect and
 * inactive; compared with `normaliseKey` like the English ones ("Kunde", "Opportunité",
 * "Lead qualifié marketing").
 */
const LOCALISED_STATUS_VALUES: Record<ContactStatus, readonly string[]> = {
  LEAD: [
    'Abonnent', 'Marketing-qualifizierter Lead', 'Andere', 'Neu',
    'Abonné', 'Lead qualifié marketing', 'Autre', 'Nouveau',
    'Suscriptor', 'Lead calificado para marketing', 'Otro', 'Nuevo',
    'Abonnee', 'Marketing gekwalificeerde lead', 'Overig', 'Nieuw',
    'Iscritto', 'Lead qualificato per il marketing', 'Altro', 'Nuovo',
    'Assinante', 'Lead qualificado para marketing', 'Outro', 'Novo',
  ],
  PROSPECT: [
    'Vertriebsqualifizierter Lead', 'Verkaufschance', 'Interessent', 'Kontaktiert',
    'Lead qualifié pour la vente', 'Opportunité', 'Contacté',
    'Lead calificado para ventas', 'Oportunidad', 'Prospecto', 'Contactado',
    'Sales gekwalificeerde lead', 'Verkoopkans', 'Kans', 'Gecontacteerd',
    'Lead qualificato per le vendite', 'Opportunità', 'Potenziale cliente', 'Contattato',
    'Lead qualificado para vendas', 'Oportunidade', 'Contatado', 'Contactado',
  ],
  CUSTOMER: [
    'Kunde', 'Bestandskunde',
    'Client', 'Ambassadeur',
    'Cliente', 'Promotor',
    'Klant',
    'Sostenitore',
    'Evangelizador',
  ],
  INACTIVE: [
    'Inaktiv', 'Nicht qualifiziert', 'Verloren',
    'Inactif', 'Non qualifié', 'Perdu',
    'Inactivo', 'No calificado', 'Perdido',
    'Inactief', 'Niet gekwalificeerd',
    'Inattivo', 'Non qualificato', 'Perso',
    'Inativo', 'Não qualificado',
  ],
};

const STATUS_INDEX = new Map([
  ...Object.entries(STATUS_VALUES).flatMap(([status, values]) => values.map((v) => [v, status as ContactStatus] as const)),
  ...Object.entries(LOCALISED_STATUS_VALUES).flatMap(([status, values]) => values.map((v) => [normaliseKey(v), status as ContactStatus] as const)),
]);

export const ACCEPTED_STATUS_TEXT =
  'LEAD, PROSPECT, CUSTOMER, INACTIVE; HubSpot lifecycle stages (subscriber, lead, marketingqualifiedlead, ' +
  'salesqualifiedlead, opportunity, customer, evangelist, other); HubSpot lead statuses (NEW, OPEN, IN_PROGRESS, ' +
  'OPEN_DEAL, UNQUALIFIED, ATTEMPTED_TO_CONTACT, CONNECTED, BAD_TIMING); Salesforce lead statuses ' +
  '(Open - Not Contacted, Working - Contacted, Closed - Converted, Closed - Not Converted); Zoho lead statuses ' +
  '(Not Contacted, Attempted to Contact, Contact in Future, Contacted, Pre-Qualified, Not Qualified, Junk Lead, Lost Lead); ' +
  'the same stages in German, French, Spanish, Dutch, Italian and Portuguese (Kunde, Client, Cliente, Klant, Interessent, Opportunité, …)';

export function mapStatusValue(raw: string): ContactStatus | undefined {
  return STATUS_INDEX.get(normaliseKey(raw));
}

export interface PickedCell {
  value: string;
  header: string;
}

/**
 * The first non-empty cell for a field, in priority order, trimmed and with the writer's
 * formula-injection apostrophe removed.
 */
export function pickCell<F extends string>(cells: readonly string[], mapping: HeaderMapping<F>, field: F): PickedCell | undefined {
  for (const i of mapping.columns[field] ?? []) {
    const value = unescapeFormula(cells[i]?.trim() ?? '');
    if (value !== '') return { value, header: mapping.mapped.find((c) => c.index === i)!.header };
  }
  return undefined;
}

/**
 * Cells of fallback columns that the field did not use: a field read from two columns (HubSpot's
 * "Lifecycle Stage" and "Lead Status", Zoho's "Phone" and "Mobile", Pipedrive's work and home
 * e-mail, "Notes" and "Description") takes the first non-empty one, and each other non-empty cell
 * with a different value is kept under its own header instead of being dropped.
 */
export function shadowedCells<F extends string>(cells: readonly string[], mapping: HeaderMapping<F>): Record<string, string> {
  const kept: Record<string, string> = {};
  for (const indices of Object.values(mapping.columns) as (number[] | undefined)[]) {
    if (!indices || indices.length < 2) continue;
    let used: string | undefined;
    for (const i of indices) {
      const value = unescapeFormula(cells[i]?.trim() ?? '');
      if (value === '') continue;
      if (used === undefined) used = value;
      else if (value !== used) kept[mapping.mapped.find((c) => c.index === i)!.header] = value;
    }
  }
  return kept;
}

/** Unknown columns' non-empty cells keyed by their original header text. */
export function extraCells(cells: readonly string[], mapping: HeaderMapping): Record<string, string> {
  const extra: Record<string, string> = {};
  for (const col of mapping.unmapped) {
    if (col.action === 'ignored') continue;
    const value = unescapeFormula(cells[col.index]?.trim() ?? '');
    if (value !== '' && !(col.header in extra)) extra[col.header] = value;
  }
  return extra;
}
