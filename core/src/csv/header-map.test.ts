import { describe, expect, it } from 'vitest';
import { CONTACT_CSV_COLUMNS, INTERACTION_CSV_COLUMNS } from './csv-writer.ts';
import {
  describeHeaderMapping,
  extraCells,
  mapContactHeaders,
  mapInteractionHeaders,
  mapStatusValue,
  pickCell,
} from './header-map.ts';

const fieldOf = (headers: string[]) => mapContactHeaders(headers).mapped.map((c) => c.field);

describe('mapContactHeaders', () => {
  it.each([
    [['First Name', 'First name', 'FirstName', 'first_name', 'FIRST-NAME', ' first  name '], 'firstName'],
    [['Last Name', 'last_name', 'Surname'], 'lastName'],
    [['Email', 'Email Address', 'E-mail', 'e_mail', 'EMAIL ADDRESS'], 'email'],
    [['Phone Number', 'Mobile Phone', 'Phone', 'Mobile Phone Number'], 'phone'],
    [['Company Name', 'Company', 'Account Name'], 'company'],
    [['Job Title', 'Title'], 'position'],
    [['Lead Status', 'Lifecycle Stage', 'Status'], 'status'],
    [['Original Source', 'Lead Source', 'Source'], 'source'],
    [['HubSpot Score', 'Lead Score', 'Score'], 'leadScore'],
    [['Contact owner', 'Owner Email', 'Lead Owner'], 'ownerEmail'],
    [['Campaign', 'Campaign ID'], 'metadata.campaignId'],
    [['Last Activity Date', 'Last Contacted'], 'lastContactDate'],
    [['Create Date', 'Created Date'], 'createdAt'],
    [['Record ID', 'Contact ID', 'Lead ID', 'Id'], 'externalId'],
    [['Name', 'Full Name'], 'fullName'],
  ])('maps %j to %s', (headers, field) => {
    for (const header of headers) expect(fieldOf([header]), header).toEqual([field]);
  });

  it.each([
    // German, French, Spanish, Dutch, Italian, Portuguese; case and accents do not matter
    [['Vorname', 'VORNAME', 'Prénom', 'Prenom', 'Nombre', 'Voornaam', 'Nome', 'Primeiro Nome'], 'firstName'],
    [['Nachname', 'Familienname', 'Nom', 'Nom de famille', 'Apellido', 'Apellidos', 'Achternaam', 'Cognome', 'Sobrenome', 'Apelido'], 'lastName'],
    [['Vollständiger Name', 'Nom complet', 'Nombre completo', 'Naam', 'Volledige naam', 'Nome completo'], 'fullName'],
    [['E-Mail', 'E-Mail-Adresse', 'Courriel', 'Adresse e-mail', 'Correo electrónico', 'Correo', 'E-mailadres', 'Indirizzo email', 'Endereço de e-mail'], 'email'],
    [['Telefon', 'Telefonnummer', 'Handy', 'Téléphone', 'Teléfono', 'Móvil', 'Telefoon', 'Mobiel', 'Telefono', 'Cellulare', 'Telefone', 'Celular', 'Telemóvel'], 'phone'],
    [['Firma', 'Unternehmen', 'Société', 'Entreprise', 'Empresa', 'Bedrijf', 'Bedrijfsnaam', 'Azienda', 'Società'], 'company'],
    [['Berufsbezeichnung', 'Funktion', 'Poste', 'Fonction', 'Cargo', 'Puesto', 'Functie', 'Ruolo', 'Função'], 'position'],
  ])('maps the non-English headers %j to %s', (headers, field) => {
    for (const header of headers) expect(fieldOf([header]), header).toEqual([field]);
  });

  it.each([
    [['Status', 'Kontaktstatus', 'Statut', 'Estado', 'Stato', 'Situação', 'Contactstatus'], 'status'],
    [['Quelle', 'Herkunft', 'Origine', 'Fuente', 'Origen', 'Bron', 'Fonte', 'Origem'], 'source'],
    [['Punktzahl', 'Score du lead', 'Puntuación', 'Leadscore', 'Punteggio', 'Pontuação'], 'leadScore'],
    [['Besitzer', 'Kontaktinhaber', 'Propriétaire', 'Propietario', 'Eigenaar', 'Proprietario', 'Proprietário', 'Responsável'], 'ownerEmail'],
    [['Erstellt am', 'Erstellungsdatum', 'Date de création', 'Fecha de creación', 'Aangemaakt op', 'Data di creazione', 'Data de criação'], 'createdAt'],
    [['Letzter Kontakt', 'Dernier contact', 'Último contacto', 'Laatste contact', 'Ultimo contatto', 'Último contato'], 'lastContactDate'],
  ])('maps the non-English contact headers %j to %s', (headers, field) => {
    for (const header of headers) expect(fieldOf([header]), header).toEqual([field]);
  });

  it('maps non-English activity headers (type, subject, date, duration, outcome) and keeps English words of another meaning out', () => {
    const cases: [string[], string][] = [
      [['Typ', 'Aktivitätstyp', "Type d'activité", 'Tipo', 'Soort', 'Tipo di attività'], 'type'],
      [['Betreff', 'Objet', 'Asunto', 'Onderwerp', 'Oggetto', 'Assunto'], 'subject'],
      [['Datum', 'Fecha', 'Data', "Date de l'activité"], 'occurredAt'],
      [['Dauer', 'Durée', 'Duración', 'Duur', 'Durata', 'Duração'], 'duration'],
      [['Ergebnis', 'Résultat', 'Resultado', 'Resultaat', 'Esito'], 'outcome'],
    ];
    for (const [headers, field] of cases) {
      for (const header of headers) expect(mapInteractionHeaders([header]).mapped.map((c) => c.field), header).toEqual([field]);
    }
    // an English contact file's "Note" or "Phase" column stays a custom field
    for (const header of ['Note', 'Phase', 'Issue']) expect(mapContactHeaders([header]).unmapped.map((c) => c.action), header).toEqual(['customFields']);
  });

  it('maps non-English notes headers to an interaction\'s content and email headers to its contact', () => {
    for (const header of ['Notizen', 'Bemerkungen', 'Remarques', 'Commentaires', 'Notas', 'Comentarios', 'Notities', 'Opmerkingen', 'Note', 'Osservazioni', 'Observações']) {
      expect(mapInteractionHeaders([header]).mapped.map((c) => c.field), header).toEqual(['content']);
    }
    for (const header of ['E-Mail', 'Courriel', 'Correo electrónico', 'E-mailadres', 'Indirizzo email', 'Endereço de e-mail']) {
      expect(mapInteractionHeaders([header]).mapped.map((c) => c.field), header).toEqual(['contactEmail']);
    }
  });

  it('accepts our own export headers exactly and ignores our ids', () => {
    const mapping = mapContactHeaders([...CONTACT_CSV_COLUMNS]);
    expect(mapping.mapped.map((c) => c.field)).toEqual([
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
      'customFields',
      'metadata',
    ]);
    expect(mapping.unmapped).toEqual([
      { index: 0, header: 'id', action: 'ignored', reason: expect.stringContaining('matched by email') },
      { index: 14, header: 'updatedAt', action: 'ignored', reason: 'set by the server' },
    ]);
    expect(mapping.missing).toEqual([]);
  });

  it('understands a Pipedrive person export ("Person - Email - Work"; it was refused: no email column) and Zoho\'s "Created Time"', () => {
    const pipedrive = mapContactHeaders(['Person - ID', 'Person - Name', 'Person - Email - Work', 'Person - Email - Home', 'Person - Phone - Mobile', 'Person - Organization', 'Person - Owner', 'Person - Label', 'Person - Person created', 'Person - Last activity date', 'Organization - Name']);
    expect(pipedrive.missing).toEqual([]);
    expect(pipedrive.mapped.map((c) => [c.header, c.field, c.fallback])).toEqual([
      ['Person - ID', 'externalId', false],
      ['Person - Name', 'fullName', false],
      ['Person - Email - Work', 'email', false],
      ['Person - Email - Home', 'email', true],
      ['Person - Phone - Mobile', 'phone', false],
      ['Person - Organization', 'company', false],
      ['Person - Owner', 'ownerEmail', false],
      ['Person - Person created', 'createdAt', false],
      ['Person - Last activity date', 'lastContactDate', false],
    ]);
    // another entity's columns keep their prefix: "Organization - Name" is not the person's name
    expect(pipedrive.unmapped.map((c) => [c.header, c.action])).toEqual([
      ['Person - Label', 'customFields'],
      ['Organization - Name', 'customFields'],
    ]);
    expect(fieldOf(['Created Time', 'Last Activity Time'])).toEqual(['createdAt', 'lastContactDate']);
    expect(mapInteractionHeaders(['Activity - Subject', 'Activity - Type', 'Person - Email', 'Activity - Note']).mapped.map((c) => c.field)).toEqual(['subject', 'type', 'contactEmail', 'content']);
  });

  it('keeps unknown columns for customFields and reports missing required fields', () => {
    const mapping = mapContactHeaders(['Email', 'Industry', '', 'Favourite Colour']);
    expect(mapping.unmapped).toEqual([
      { index: 1, header: 'Industry', action: 'customFields', reason: 'unknown column, kept in customFields' },
      { index: 2, header: '', action: 'ignored', reason: 'empty header' },
      { index: 3, header: 'Favourite Colour', action: 'customFields', reason: 'unknown column, kept in customFields' },
    ]);
    expect(mapping.missing).toEqual(['firstName', 'lastName']);
    expect(mapContactHeaders(['Name', 'Email']).missing).toEqual([]);
  });

  // two "Notes" columns (a merged spreadsheet) kept only the first non-empty cell of the two
  it('keeps a repeated unknown header as its own custom field, numbered', () => {
    const mapping = mapContactHeaders(['Email', 'Notes', 'Notes', 'notes']);
    expect(mapping.unmapped.map((u) => u.header)).toEqual(['Notes', 'Notes (2)', 'notes']);
    expect(extraCells(['a@b.io', 'first', 'second', 'third'], mapping)).toEqual({ Notes: 'first', 'Notes (2)': 'second', notes: 'third' });
  });

  it('orders duplicate columns by alias priority and marks the others as fallbacks', () => {
    const mapping = mapContactHeaders(['Lead Status', 'Email', 'Lifecycle Stage']);
    expect(mapping.columns.status).toEqual([2, 0]);
    expect(mapping.mapped.find((c) => c.header === 'Lead Status')?.fallback).toBe(true);
    expect(pickCell(['CONNECTED', 'a@b.io', ''], mapping, 'status')).toEqual({ value: 'CONNECTED', header: 'Lead Status' });
    expect(pickCell(['CONNECTED', 'a@b.io', 'customer'], mapping, 'status')).toEqual({ value: 'customer', header: 'Lifecycle Stage' });
  });

  it('describes the mapping for the CLI', () => {
    expect(describeHeaderMapping(mapContactHeaders(['E-mail', 'Industry', 'id']))).toEqual([
      '"E-mail" → email',
      '"Industry" → customFields["Industry"]',
      '"id" ignored (our contact id; contacts are matched by email)',
      'missing: no column for firstName',
      'missing: no column for lastName',
    ]);
  });
});

describe('mapInteractionHeaders', () => {
  it('maps activity export headers', () => {
    const headers = ['Contact Email', 'Activity Type', 'Channel', 'Direction', 'Subject', 'Notes', 'Activity Date', 'Duration', 'Outcome', 'Tags', 'Deal'];
    const mapping = mapInteractionHeaders(headers);
    expect(mapping.mapped.map((c) => c.field)).toEqual([
      'contactEmail',
      'type',
      'channel',
      'direction',
      'subject',
      'content',
      'occurredAt',
      'duration',
      'outcome',
      'tags',
    ]);
    expect(mapping.unmapped).toEqual([{ index: 10, header: 'Deal', action: 'metadata', reason: 'unknown column, kept in metadata' }]);
  });

  it('maps "Email" to the contact, and Body/Description/Content to content', () => {
    for (const h of ['Body', 'Description', 'Content', 'Note']) expect(mapInteractionHeaders([h]).mapped[0]?.field).toBe('content');
    expect(mapInteractionHeaders(['Email']).mapped[0]?.field).toBe('contactEmail');
    expect(mapInteractionHeaders(['Created Date']).mapped[0]?.field).toBe('occurredAt');
  });

  it('accepts our own export headers exactly', () => {
    const mapping = mapInteractionHeaders([...INTERACTION_CSV_COLUMNS]);
    expect(mapping.unmapped.map((c) => [c.header, c.action])).toEqual([
      ['id', 'ignored'],
      ['contactId', 'ignored'],
      ['userId', 'ignored'],
    ]);
    expect(mapping.missing).toEqual([]);
  });
});

describe('mapStatusValue', () => {
  it.each([
    ['subscriber', 'LEAD'],
    ['lead', 'LEAD'],
    ['marketingqualifiedlead', 'LEAD'],
    ['Marketing Qualified Lead', 'LEAD'],
    ['salesqualifiedlead', 'PROSPECT'],
    ['opportunity', 'PROSPECT'],
    ['customer', 'CUSTOMER'],
    ['evangelist', 'CUSTOMER'],
    ['other', 'LEAD'],
    ['NEW', 'LEAD'],
    ['OPEN', 'LEAD'],
    ['ATTEMPTED_TO_CONTACT', 'LEAD'],
    ['IN_PROGRESS', 'PROSPECT'],
    ['In Progress', 'PROSPECT'],
    ['CONNECTED', 'PROSPECT'],
    ['OPEN_DEAL', 'PROSPECT'],
    ['UNQUALIFIED', 'INACTIVE'],
    ['BAD_TIMING', 'INACTIVE'],
    ['Open - Not Contacted', 'LEAD'],
    ['Working - Contacted', 'PROSPECT'],
    ['Closed - Converted', 'CUSTOMER'],
    ['Closed - Not Converted', 'INACTIVE'],
    // Zoho lead statuses (a Zoho export failed every row: unknown status "Contacted")
    ['Not Contacted', 'LEAD'],
    ['Attempted to Contact', 'LEAD'],
    ['Contact in Future', 'LEAD'],
    ['Contacted', 'PROSPECT'],
    ['Pre-Qualified', 'PROSPECT'],
    ['Not Qualified', 'INACTIVE'],
    ['Junk Lead', 'INACTIVE'],
    ['Lost Lead', 'INACTIVE'],
    ['PROSPECT', 'PROSPECT'],
    ['inactive', 'INACTIVE'],
  ])('%s → %s', (value, status) => {
    expect(mapStatusValue(value)).toBe(status);
  });

  it.each([
    ['Kunde', 'CUSTOMER'],
    ['client', 'CUSTOMER'],
    ['Cliente', 'CUSTOMER'],
    ['Klant', 'CUSTOMER'],
    ['Interessent', 'PROSPECT'],
    ['Opportunité', 'PROSPECT'],
    ['OPORTUNIDAD', 'PROSPECT'],
    ['Lead qualifié pour la vente', 'PROSPECT'],
    ['Vertriebsqualifizierter Lead', 'PROSPECT'],
    ['Marketing-qualifizierter Lead', 'LEAD'],
    ['Abonné', 'LEAD'],
    ['Assinante', 'LEAD'],
    ['Inaktiv', 'INACTIVE'],
    ['Non qualifié', 'INACTIVE'],
    ['Não qualificado', 'INACTIVE'],
  ])('localised %s → %s', (value, status) => {
    expect(mapStatusValue(value)).toBe(status);
  });

  it('returns undefined for unknown values', () => {
    expect(mapStatusValue('hot')).toBeUndefined();
  });
});
