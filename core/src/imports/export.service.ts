import type { Readable } from 'node:stream';
import { authorize } from '../auth/rbac.ts';
import { toContact } from '../contacts/contact.mapper.ts';
import { contactsToCsv, interactionsToCsv, type ContactExportRow, type InteractionExportRow } from '../csv/index.ts';
import type { Database } from '../db/database.ts';
import { inTenantTx } from '../db/tenant-tx.ts';
import { toInteraction } from '../interactions/interaction.mapper.ts';
import type { Actor } from '../users/user.schema.ts';

const PAGE = 2000;

/**
 * Keyset-paginated reads, one short transaction per page, so an export of any size streams with
 * flat memory and never holds a long transaction open (PGlite serialises them).
 */
export function createExportService(db: Database) {
  async function* contactPages(actor: Actor): AsyncGenerator<ContactExportRow> {
    let after = '00000000-0000-0000-0000-000000000000';
    for (;;) {
      const rows = await inTenantTx(db, actor, (em) =>
        em.execute<Record<string, unknown>[]>('SELECT * FROM contacts WHERE id > ? ORDER BY id LIMIT ?', [after, PAGE]),
      );
      // the status date travels with the export, so a re-import keeps the outcome dates scoring trains on
      for (const r of rows) yield { ...toContact(r), statusChangedAt: r.status_changed_at ? new Date(r.status_changed_at as string | Date) : null };
      if (rows.length < PAGE) return;
      after = rows[rows.length - 1].id as string;
    }
  }

  async function* interactionPages(actor: Actor): AsyncGenerator<InteractionExportRow> {
    let after = '00000000-0000-0000-0000-000000000000';
    for (;;) {
      const rows = await inTenantTx(db, actor, (em) =>
        em.execute<Record<string, unknown>[]>(
          'SELECT i.*, c.email AS contact_email FROM interactions i JOIN contacts c ON c.id = i.contact_id WHERE i.id > ? ORDER BY i.id LIMIT ?',
          [after, PAGE],
        ),
      );
      for (const r of rows) yield { ...toInteraction(r), contactEmail: r.contact_email as string };
      if (rows.length < PAGE) return;
      after = rows[rows.length - 1].id as string;
    }
  }

  return {
    async exportContacts(actor: Actor): Promise<Readable> {
      authorize(actor, 'contacts:read');
      return contactsToCsv(contactPages(actor));
    },
    async exportInteractions(actor: Actor): Promise<Readable> {
      authorize(actor, 'interactions:read');
      return interactionsToCsv(interactionPages(actor));
    },
  };
}
