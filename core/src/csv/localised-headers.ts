/**
 * Column headers in German, French, Spanish, Dutch, Italian and Portuguese for what a contact list
 * or an activity log has in any language. They are compared like the English aliases (after
 * `normaliseKey`: case, accents, spaces and punctuation ignored, so "TÉLÉPHONE", "Telephone" and
 * "téléphone" agree) and come after them in priority. Spellings that are English already after
 * normalising ("E-mail", "Téléphone", "Mobile", "Notes", "Position") are matched by the English list.
 *
 * `notes` is an interaction's content; a contact has no notes field, so a notes column of a
 * contact file is kept in customFields under its header, as "Notes" is.
 */
export const LOCALISED_HEADERS = {
  firstName: {
    de: ['Vorname'],
    fr: ['Prénom'],
    es: ['Nombre', 'Primer nombre', 'Nombre de pila'],
    nl: ['Voornaam'],
    it: ['Nome'],
    pt: ['Primeiro nome', 'Nome próprio'],
  },
  lastName: {
    de: ['Nachname', 'Familienname', 'Zuname'],
    fr: ['Nom', 'Nom de famille'],
    es: ['Apellido', 'Apellidos', 'Primer apellido'],
    nl: ['Achternaam'],
    it: ['Cognome'],
    pt: ['Sobrenome', 'Apelido', 'Último nome', 'Apelidos'],
  },
  fullName: {
    de: ['Vollständiger Name', 'Kontaktname'],
    fr: ['Nom complet', 'Nom et prénom', 'Prénom et nom'],
    es: ['Nombre completo', 'Nombre y apellidos'],
    nl: ['Naam', 'Volledige naam'],
    it: ['Nome completo', 'Nominativo', 'Nome e cognome'],
    pt: ['Nome completo'],
  },
  email: {
    de: ['E-Mail-Adresse', 'Mailadresse'],
    fr: ['Courriel', 'Adresse e-mail', 'Adresse électronique', 'Adresse courriel'],
    es: ['Correo electrónico', 'Correo', 'Dirección de correo electrónico', 'Dirección de correo'],
    nl: ['E-mailadres', 'Emailadres'],
    it: ['Indirizzo email', 'Posta elettronica', 'Indirizzo di posta elettronica'],
    pt: ['Endereço de e-mail', 'Endereço de email', 'Correio eletrônico', 'Correio eletrónico'],
  },
  phone: {
    de: ['Telefon', 'Telefonnummer', 'Mobil', 'Mobilnummer', 'Mobiltelefon', 'Handy', 'Handynummer'],
    fr: ['Numéro de téléphone', 'Portable', 'Téléphone portable', 'Téléphone mobile'],
    es: ['Teléfono', 'Número de teléfono', 'Móvil', 'Teléfono móvil', 'Celular'],
    nl: ['Telefoon', 'Telefoonnummer', 'Mobiel', 'Mobiel nummer', 'Mobiele telefoon'],
    it: ['Telefono', 'Numero di telefono', 'Cellulare'],
    pt: ['Telefone', 'Número de telefone', 'Telemóvel'],
  },
  company: {
    de: ['Firma', 'Firmenname', 'Unternehmen', 'Unternehmensname'],
    fr: ['Société', 'Entreprise', "Nom de l'entreprise", 'Nom de la société'],
    es: ['Empresa', 'Compañía', 'Nombre de la empresa', 'Organización'],
    nl: ['Bedrijf', 'Bedrijfsnaam', 'Organisatie'],
    it: ['Azienda', 'Società', 'Ragione sociale', 'Organizzazione'],
    pt: ['Nome da empresa', 'Companhia', 'Organização'],
  },
  position: {
    de: ['Berufsbezeichnung', 'Funktion', 'Jobtitel', 'Stellenbezeichnung'],
    fr: ['Poste', 'Fonction', 'Intitulé du poste'],
    es: ['Cargo', 'Puesto'],
    nl: ['Functie', 'Functietitel'],
    it: ['Ruolo', 'Qualifica', 'Mansione', 'Posizione'],
    pt: ['Função'],
  },
  notes: {
    de: ['Notizen', 'Notiz', 'Bemerkung', 'Bemerkungen', 'Kommentar', 'Kommentare', 'Beschreibung'],
    fr: ['Remarques', 'Commentaire', 'Commentaires'],
    es: ['Notas', 'Nota', 'Comentarios', 'Observaciones', 'Descripción'],
    nl: ['Notities', 'Notitie', 'Opmerkingen', 'Omschrijving', 'Beschrijving'],
    it: ['Commenti', 'Osservazioni', 'Descrizione'],
    pt: ['Observações', 'Comentários', 'Descrição'],
  },
} as const satisfies Record<string, Record<'de' | 'fr' | 'es' | 'nl' | 'it' | 'pt', readonly string[]>>;

/** Every language's headers for one concept, in table order. */
export function localised(concept: keyof typeof LOCALISED_HEADERS): string[] {
  return Object.values(LOCALISED_HEADERS[concept]).flat();
}
