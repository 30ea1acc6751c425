import type { Readable } from 'node:stream';
import { Email } from '../contacts/contact.schema.ts';
import type { FieldIssue } from '../errors/app-error.ts';
import { zodIssues } from '../errors/zod-issues.ts';
import {
  CHANNELS,
  INTERACTION_TYPES,
  LogInteractionInput,
  type Channel,
  type Direction,
  type InteractionType,
} from '../interactions/interaction.schema.ts';
import { durationUnitOf, normaliseKey, parseDate, parseDurationMinutes, parseJson, parseJsonObject, parseList } from './cell-parsers.ts';
import type { CsvReadOptions } from './csv-reader.ts';
import { openMappedRows, type DateOrders, type MappedRows, type RowReadOptions, type RowResult } from './mapped-rows.ts';
import { extraCells, mapInteractionHeaders, pickCell, shadowedCells, type HeaderMapping, type InteractionColumnField } from './header-map.ts';

/** What the service needs to log an imported interaction once it has resolved the contact by email. */
export const ImportedInteractionInput = LogInteractionInput.omit({ contactId: true });
export type ImportedInteractionInput = Omit<LogInteractionInput, 'contactId'>;

export interface ImportedInteraction {
  /** Lower-cased; the service resolves it to a contact id. */
  contactEmail: string;
  input: ImportedInteractionInput;
}

export type InteractionRowResult = RowResult<ImportedInteraction>;
export type InteractionImport = MappedRows<InteractionColumnField, ImportedInteraction>;

interface TypeHint {
  type: InteractionType | 'NOTE';
  channel?: Channel;
  direction?: Direction;
}

/** Lookup entries for groups of localised words, each group mapped to one value (keys compared with `normaliseKey`). */
function localisedValues<T>(groups: readonly (readonly [readonly string[], T])[]): Record<string, T> {
  return Object.fromEntries(groups.flatMap(([words, value]) => words.map((w) => [normaliseKey(w), value])));
}

/**
 * Activity type values (compared with `normaliseKey`) from our export, HubSpot engagements and
 * Salesforce activities:
 *
 * | Value                                                      | Type            | Implied            |
 * |------------------------------------------------------------|-----------------|--------------------|
 * | EMAIL, Email, Logged Email, Forwarded Email, Sent Email    | EMAIL           |                    |
 * | Incoming Email, Email Received, Email Reply               | EMAIL           | direction INBOUND  |
 * | PHONE_CALL, Call, Phone, Logged Call, Outbound Call       | PHONE_CALL      |                    |
 * | Inbound Call                                               | PHONE_CALL      | direction INBOUND  |
 * | MEETING, Meeting, Event (Salesforce), Meeting Booked       | MEETING         |                    |
 * | CHAT, Chat, Live Chat, Conversation, Message, SMS, WhatsApp| CHAT            |                    |
 * | SOCIAL_MEDIA, Social; LinkedIn / Twitter / Facebook        | SOCIAL_MEDIA    | that network       |
 * | FORM_SUBMISSION, Form, Form Submitted                      | FORM_SUBMISSION |                    |
 * | WEBSITE_VISIT, Page View, Visit, Web Visit                 | WEBSITE_VISIT   |                    |
 * | Note, Task                                                 | see below       |                    |
 *
 * The same in German, French, Spanish, Dutch, Italian and Portuguese (Anruf, Appel, Llamada,
 * Chiamata, Chamada; Besprechung, Réunion, Reunión, Afspraak, Riunione, Reunião; Notiz, Tâche,
 * Nota, Taak, …) map the same way.
 *
 * We have no NOTE type. A HubSpot note or Salesforce task is almost always the write-up of a call
 * or meeting, so when the row has a channel the type follows it (PHONE → PHONE_CALL, IN_PERSON →
 * MEETING, EMAIL → EMAIL, social networks → SOCIAL_MEDIA, WEBSITE → WEBSITE_VISIT, CHAT → CHAT).
 * Without a channel it becomes CHAT over CHAT, the least specific conversation, tagged "note" (or
 * "task") with `metadata.importedType` keeping the original value so it can be told apart.
 */
const TYPE_VALUES: Record<string, TypeHint> = {
  ...Object.fromEntries(INTERACTION_TYPES.map((t) => [normaliseKey(t), { type: t }])),
  email: { type: 'EMAIL' },
  loggedemail: { type: 'EMAIL' },
  forwardedemail: { type: 'EMAIL' },
  sentemail: { type: 'EMAIL' },
  incomingemail: { type: 'EMAIL', direction: 'INBOUND' },
  emailreceived: { type: 'EMAIL', direction: 'INBOUND' },
  emailreply: { type: 'EMAIL', direction: 'INBOUND' },
  call: { type: 'PHONE_CALL' },
  phone: { type: 'PHONE_CALL' },
  loggedcall: { type: 'PHONE_CALL' },
  outboundcall: { type: 'PHONE_CALL', direction: 'OUTBOUND' },
  inboundcall: { type: 'PHONE_CALL', direction: 'INBOUND' },
  event: { type: 'MEETING' },
  meetingbooked: { type: 'MEETING' },
  livechat: { type: 'CHAT' },
  conversation: { type: 'CHAT' },
  message: { type: 'CHAT' },
  sms: { type: 'CHAT' },
  whatsapp: { type: 'CHAT' },
  social: { type: 'SOCIAL_MEDIA' },
  linkedin: { type: 'SOCIAL_MEDIA', channel: 'LINKEDIN' },
  linkedinmessage: { type: 'SOCIAL_MEDIA', channel: 'LINKEDIN' },
  twitter: { type: 'SOCIAL_MEDIA', channel: 'TWITTER' },
  facebook: { type: 'SOCIAL_MEDIA', channel: 'FACEBOOK' },
  form: { type: 'FORM_SUBMISSION' },
  formsubmitted: { type: 'FORM_SUBMISSION' },
  pageview: { type: 'WEBSITE_VISIT' },
  visit: { type: 'WEBSITE_VISIT' },
  webvisit: { type: 'WEBSITE_VISIT' },
  note: { type: 'NOTE' },
  task: { type: 'NOTE' },
  // German, French, Spanish, Dutch, Italian, Portuguese (accents and case do not matter)
  ...localisedValues<TypeHint>([
    [['Anruf', 'Telefonat', 'Telefonanruf', 'Appel', 'Appel téléphonique', 'Llamada', 'Llamada telefónica', 'Telefoongesprek', 'Telefoontje', 'Chiamata', 'Telefonata', 'Chamada', 'Ligação', 'Telefonema'], { type: 'PHONE_CALL' }],
    [['Besprechung', 'Termin', 'Treffen', 'Réunion', 'Rendez-vous', 'Reunión', 'Cita', 'Afspraak', 'Vergadering', 'Riunione', 'Incontro', 'Appuntamento', 'Reunião'], { type: 'MEETING' }],
    [['Courriel', 'Correo', 'Correo electrónico', 'E-mail bericht', 'Posta elettronica'], { type: 'EMAIL' }],
    [['Nachricht', 'Mensaje', 'Messaggio', 'Mensagem'], { type: 'CHAT' }],
    [['Formular', 'Formulaire', 'Formulario', 'Formulier', 'Modulo', 'Formulário'], { type: 'FORM_SUBMISSION' }],
    [['Notiz', 'Aufgabe', 'Tâche', 'Nota', 'Tarea', 'Notitie', 'Taak', 'Compito', 'Tarefa'], { type: 'NOTE' }],
  ]),
};

const CHANNEL_VALUES: Record<string, Channel> = {
  ...Object.fromEntries(CHANNELS.map((c) => [normaliseKey(c), c])),
  phonecall: 'PHONE',
  call: 'PHONE',
  telephone: 'PHONE',
  x: 'TWITTER',
  web: 'WEBSITE',
  livechat: 'CHAT',
  sms: 'CHAT',
  facetoface: 'IN_PERSON',
  meeting: 'IN_PERSON',
  onsite: 'IN_PERSON',
  // German, French, Spanish, Dutch, Italian, Portuguese
  ...localisedValues<Channel>([
    [['Telefon', 'Téléphone', 'Teléfono', 'Telefoon', 'Telefono', 'Telefone', 'Anruf', 'Appel', 'Llamada', 'Chiamata', 'Chamada'], 'PHONE'],
    [['E-Mail', 'Courriel', 'Correo', 'Correo electrónico', 'Posta elettronica'], 'EMAIL'],
    [['Persönlich', 'Vor Ort', 'En personne', 'En persona', 'Presencial', 'In persoon', 'Di persona', 'Pessoalmente'], 'IN_PERSON'],
    [['Webseite', 'Site web', 'Sitio web', 'Sito web'], 'WEBSITE'],
  ]),
};

const DIRECTION_VALUES: Record<string, Direction> = {
  inbound: 'INBOUND',
  in: 'INBOUND',
  incoming: 'INBOUND',
  received: 'INBOUND',
  outbound: 'OUTBOUND',
  out: 'OUTBOUND',
  outgoing: 'OUTBOUND',
  sent: 'OUTBOUND',
  ...localisedValues<Direction>([
    [['Eingehend', 'Entrant', 'Entrante', 'Inkomend', 'In entrata', 'Recebido', 'Recibido', 'Reçu', 'Empfangen'], 'INBOUND'],
    [['Ausgehend', 'Sortant', 'Saliente', 'Uitgaand', 'In uscita', 'Enviado', 'Envoyé', 'Gesendet', 'Inviato'], 'OUTBOUND'],
  ]),
};

/** Channel when the file gives none; SOCIAL_MEDIA has no safe default network. */
const DEFAULT_CHANNEL: Record<InteractionType, Channel | undefined> = {
  EMAIL: 'EMAIL',
  PHONE_CALL: 'PHONE',
  MEETING: 'IN_PERSON',
  CHAT: 'CHAT',
  SOCIAL_MEDIA: undefined,
  FORM_SUBMISSION: 'WEBSITE',
  WEBSITE_VISIT: 'WEBSITE',
};

const TYPE_FROM_CHANNEL: Record<Channel, InteractionType> = {
  EMAIL: 'EMAIL',
  PHONE: 'PHONE_CALL',
  IN_PERSON: 'MEETING',
  CHAT: 'CHAT',
  LINKEDIN: 'SOCIAL_MEDIA',
  TWITTER: 'SOCIAL_MEDIA',
  FACEBOOK: 'SOCIAL_MEDIA',
  WEBSITE: 'WEBSITE_VISIT',
};

export function convertInteractionRow(
  cells: readonly string[],
  mapping: HeaderMapping<InteractionColumnField>,
  row: number,
  dates: DateOrders<InteractionColumnField> = {},
  timeZone = 'UTC',
): InteractionRowResult {
  const issues: FieldIssue[] = [];
  const fail = (path: string, reason: string) => issues.push({ path, reason, row });
  const get = (field: InteractionColumnField) => pickCell(cells, mapping, field);
  const draft: Record<string, unknown> = {};

  let metadata: Record<string, unknown> = {};
  const metadataJson = get('metadata');
  if (metadataJson) {
    const parsed = parseJsonObject(metadataJson.value);
    if (parsed.ok) metadata = parsed.value;
    else fail('metadata', parsed.reason);
  }
  Object.assign(metadata, shadowedCells(cells, mapping), extraCells(cells, mapping));

  let contactEmail = '';
  const emailCell = get('contactEmail');
  const email = Email.safeParse(emailCell?.value ?? '');
  if (!emailCell) fail('contactEmail', 'contactEmail is required');
  else if (email.success) contactEmail = email.data;
  else fail('contactEmail', `must be a valid email address (got "${emailCell.value}")`);

  const channelCell = get('channel');
  const channel = channelCell ? CHANNEL_VALUES[normaliseKey(channelCell.value)] : undefined;
  if (channelCell && !channel) fail('channel', `unknown channel "${channelCell.value}"; accepted: ${CHANNELS.join(', ')}`);

  const typeCell = get('type');
  const hint: TypeHint | undefined = typeCell
    ? TYPE_VALUES[normaliseKey(typeCell.value)]
    : channel
      ? { type: TYPE_FROM_CHANNEL[channel] }
      : undefined;
  if (!typeCell && !channelCell) fail('type', `type is required; accepted: ${INTERACTION_TYPES.join(', ')}, Call, Note, Task`);
  else if (typeCell && !hint) {
    fail('type', `unknown type "${typeCell.value}"; accepted: ${INTERACTION_TYPES.join(', ')} or Call, Email, Meeting, Note, Task`);
  }
  if (hint) {
    let type: InteractionType;
    if (hint.type === 'NOTE') {
      type = channel ? TYPE_FROM_CHANNEL[channel] : 'CHAT';
      metadata.importedType = typeCell!.value;
      if (!channel) draft.tags = [normaliseKey(typeCell!.value)];
    } else type = hint.type;
    draft.type = type;
    const resolved = channel ?? hint.channel ?? DEFAULT_CHANNEL[type];
    if (resolved) draft.channel = resolved;
    else if (!channelCell) fail('channel', `channel is required for ${type}: one of LINKEDIN, TWITTER, FACEBOOK`);
  } else if (channel) draft.channel = channel;
  draft.direction = hint?.direction ?? 'OUTBOUND';

  const directionCell = get('direction');
  if (directionCell) {
    const direction = DIRECTION_VALUES[normaliseKey(directionCell.value)];
    if (direction) draft.direction = direction;
    else fail('direction', `unknown direction "${directionCell.value}"; accepted: INBOUND, OUTBOUND`);
  }

  for (const field of ['subject', 'content', 'outcome'] as const) {
    const cell = get(field);
    if (cell) draft[field] = cell.value;
  }
  const duration = get('duration');
  if (duration) {
    // a header may name its unit: "Call Duration (seconds)", "Duration (ms)"
    const parsed = parseDurationMinutes(duration.value, durationUnitOf(duration.header));
    if (parsed.ok) draft.duration = parsed.value;
    else fail('duration', parsed.reason);
  }
  for (const field of ['occurredAt', 'scheduledFollowUp'] as const) {
    const cell = get(field);
    if (!cell) continue;
    const parsed = parseDate(cell.value, dates[field], timeZone);
    if (parsed.ok) draft[field] = parsed.value;
    else fail(field, parsed.reason);
  }
  for (const field of ['tags', 'attachments'] as const) {
    const cell = get(field);
    if (!cell) continue;
    const parsed = parseList(cell.value);
    if (parsed.ok) draft[field] = [...new Set([...((draft[field] as string[] | undefined) ?? []), ...parsed.value])];
    else fail(field, parsed.reason);
  }
  const sentiment = get('sentiment');
  if (sentiment) {
    const parsed = parseJson(sentiment.value);
    if (parsed.ok) draft.sentiment = parsed.value;
    else fail('sentiment', 'must be JSON like {"score":0.5,"confidence":0.9,"emotions":[]}');
  }
  if (Object.keys(metadata).length) draft.metadata = metadata;

  const parsed = ImportedInteractionInput.safeParse(draft);
  if (!parsed.success) {
    const reported = new Set(issues.map((i) => i.path.split('.')[0]));
    // Without a usable type there is no channel default; that is one mistake, not two.
    if (reported.has('type')) reported.add('channel');
    for (const issue of zodIssues(parsed.error)) if (!reported.has(issue.path.split('.')[0])) fail(issue.path, issue.reason);
  }
  if (issues.length || !parsed.success) return { row, ok: false, issues };
  return { row, ok: true, value: { contactEmail, input: parsed.data } };
}

export function openInteractionRows(stream: Readable | AsyncIterable<Uint8Array | string>, opts: CsvReadOptions = {}): Promise<InteractionImport> {
  return openMappedRows(stream, opts, {
    map: mapInteractionHeaders,
    required: 'contactEmail',
    convert: convertInteractionRow,
    dateFields: ['occurredAt', 'scheduledFollowUp'],
  });
}

/**
 * Stream an activity CSV row by row. The contact is named by email; channel defaults from the
 * type and direction to OUTBOUND (the usual case for logged sales activity).
 */
export async function* readInteractionRows(
  stream: Readable | AsyncIterable<Uint8Array | string>,
  opts: RowReadOptions<InteractionColumnField> = {},
): AsyncGenerator<InteractionRowResult, void, undefined> {
  const { mapping, rows } = await openInteractionRows(stream, opts);
  opts.onMapping?.(mapping);
  yield* rows;
}
