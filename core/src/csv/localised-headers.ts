/**
 * Column headers in German, French, Spanish, Dutch, Italian and Portuguese for what a contact list
 * or an activity log has in any language. They are compared like the English aliases (after
 * `normaliseKey`: case, accents, spaces and punctuation ignored, so "TÉLÉPHONE", "Telephone" and
 * "téléphone" agree) and come after them in priority. Spellings that are English already after
 * normalising ("E-mail", "Téléphone", "Mobile", "Notes", "Position") are matched by the English list.
 *
 * The owner columns hold the owner's e-mail address (a name is kept as a custom field, as in English).
 * Words that are also plain English headers with another meaning ("Note", "Phase", "Issue") are
 * left out: an English file's "Note" column must not become a lead score.
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
  status: {
    de: ['Kontaktstatus', 'Lebenszyklusphase'],
    fr: ['Statut', 'Statut du contact', 'Étape du cycle de vie'],
    es: ['Estado', 'Estado del contacto', 'Etapa del ciclo de vida'],
    nl: ['Contactstatus', 'Levenscyclusfase'],
    it: ['Stato', 'Stato del contatto', 'Fase del ciclo di vita'],
    pt: ['Situação', 'Estado do contato', 'Estado do contacto', 'Fase do ciclo de vida'],
  },
  source: {
    de: ['Quelle', 'Herkunft', 'Lead-Quelle', 'Kontaktquelle'],
    fr: ['Origine', 'Provenance', 'Source du lead', 'Source du contact'],
    es: ['Fuente', 'Origen', 'Fuente del lead', 'Origen del contacto'],
    nl: ['Bron', 'Herkomst', 'Leadbron'],
    it: ['Fonte', 'Provenienza', 'Origine del contatto', 'Fonte del lead'],
    pt: ['Origem', 'Fonte do lead', 'Origem do contato', 'Origem do contacto'],
  },
  leadScore: {
    de: ['Lead-Bewertung', 'Bewertung', 'Punktzahl'],
    fr: ['Score du lead', 'Scoring'],
    es: ['Puntuación', 'Puntuación del lead', 'Calificación'],
    nl: ['Leadscore', 'Beoordeling'],
    it: ['Punteggio', 'Punteggio del lead'],
    pt: ['Pontuação', 'Pontuação do lead'],
  },
  ownerEmail: {
    de: ['Besitzer', 'Kontaktinhaber', 'Verantwortlicher', 'Zuständig', 'Betreuer'],
    fr: ['Propriétaire', 'Propriétaire du contact', 'Responsable du compte'],
    es: ['Propietario', 'Propietario del contacto', 'Responsable'],
    nl: ['Eigenaar', 'Contacteigenaar', 'Accounteigenaar'],
    it: ['Proprietario', 'Responsabile', 'Proprietario del contatto'],
    pt: ['Proprietário', 'Responsável', 'Proprietário do contato'],
  },
  createdAt: {
    de: ['Erstellt am', 'Erstellungsdatum', 'Angelegt am', 'Anlagedatum'],
    fr: ['Date de création', 'Créé le', 'Créé'],
    es: ['Fecha de creación', 'Creado', 'Creado el'],
    nl: ['Aangemaakt op', 'Aanmaakdatum', 'Datum aangemaakt'],
    it: ['Data di creazione', 'Creato il', 'Creato'],
    pt: ['Data de criação', 'Criado em', 'Criado'],
  },
  lastContactDate: {
    de: ['Letzter Kontakt', 'Letzte Aktivität', 'Datum des letzten Kontakts'],
    fr: ['Dernier contact', 'Dernière activité', 'Date du dernier contact'],
    es: ['Último contacto', 'Última actividad', 'Fecha del último contacto'],
    nl: ['Laatste contact', 'Laatste activiteit', 'Datum laatste contact'],
    it: ['Ultimo contatto', 'Ultima attività', 'Data ultimo contatto'],
    pt: ['Último contato', 'Último contacto', 'Última atividade', 'Última actividade'],
  },
  interactionType: {
    de: ['Typ', 'Art', 'Aktivitätstyp', 'Aktivitätsart'],
    fr: ["Type d'activité", "Type d'interaction"],
    es: ['Tipo', 'Tipo de actividad'],
    nl: ['Soort', 'Type activiteit', 'Activiteitstype'],
    it: ['Tipo', 'Tipo di attività'],
    pt: ['Tipo', 'Tipo de atividade', 'Tipo de actividade'],
  },
  subject: {
    de: ['Betreff', 'Titel'],
    fr: ['Objet', 'Sujet', 'Titre'],
    es: ['Asunto', 'Título'],
    nl: ['Onderwerp', 'Titel'],
    it: ['Oggetto', 'Titolo'],
    pt: ['Assunto', 'Título'],
  },
  occurredAt: {
    de: ['Datum', 'Aktivitätsdatum', 'Zeitpunkt'],
    fr: ["Date de l'activité", 'Date et heure'],
    es: ['Fecha', 'Fecha de la actividad', 'Fecha y hora'],
    nl: ['Datum', 'Datum activiteit', 'Tijdstip'],
    it: ['Data', "Data dell'attività", 'Data e ora'],
    pt: ['Data', 'Data da atividade', 'Data e hora'],
  },
  channel: {
    de: ['Kanal', 'Kommunikationskanal'],
    fr: ['Canal', 'Canal de communication'],
    es: ['Canal', 'Canal de comunicación'],
    nl: ['Kanaal', 'Communicatiekanaal'],
    it: ['Canale', 'Canale di comunicazione'],
    pt: ['Canal', 'Canal de comunicação'],
  },
  direction: {
    de: ['Richtung'],
    fr: ['Sens'],
    es: ['Dirección', 'Sentido'],
    nl: ['Richting'],
    it: ['Direzione'],
    pt: ['Direção', 'Direcção', 'Sentido'],
  },
  duration: {
    de: ['Dauer', 'Dauer (Minuten)'],
    fr: ['Durée', 'Durée (minutes)'],
    es: ['Duración', 'Duración (minutos)'],
    nl: ['Duur', 'Duur (minuten)'],
    it: ['Durata', 'Durata (minuti)'],
    pt: ['Duração', 'Duração (minutos)'],
  },
  outcome: {
    de: ['Ergebnis'],
    fr: ['Résultat'],
    es: ['Resultado'],
    nl: ['Resultaat', 'Uitkomst'],
    it: ['Esito', 'Risultato'],
    pt: ['Resultado'],
  },
} as const satisfies Record<string, Record<'de' | 'fr' | 'es' | 'nl' | 'it' | 'pt', readonly string[]>>;

/** Every language's headers for one concept, in table order. */
export function localised(concept: keyof typeof LOCALISED_HEADERS): string[] {
  return Object.values(LOCALISED_HEADERS[concept]).flat();
}
