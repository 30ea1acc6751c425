import { startEmbeddedMaintenance, type EmbeddedMaintenance } from '@crm/core';
import type { Runtime } from './runtime.ts';

/**
 * The embedded PGlite has no autovacuum: the process that owns it (not a command that borrows a
 * running `crm start`'s database, and never on a PostgreSQL server) vacuums and analyses it every
 * PGLITE_MAINTENANCE_MINUTES (0 = off), the first pass a minute after start.
 */
export function addEmbeddedMaintenance(runtime: Runtime): void {
  const minutes = runtime.config.database.maintenanceMinutes ?? 30;
  if (!runtime.ownsEmbedded || runtime.core.db.kind !== 'pglite' || minutes <= 0) return;
  let maintenance: EmbeddedMaintenance | undefined;
  const intervalMs = minutes * 60_000;
  runtime.addService({
    name: 'embedded-maintenance',
    optional: true,
    detail: () => maintenance?.lastPass(),
    async start() {
      maintenance = startEmbeddedMaintenance(runtime.core.db, runtime.logger.child({ component: 'embedded-maintenance' }), {
        intervalMs,
        firstDelayMs: Math.min(60_000, intervalMs),
      });
    },
    async stop() {
      await maintenance?.stop();
    },
  });
}
