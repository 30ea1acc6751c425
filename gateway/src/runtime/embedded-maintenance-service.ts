import { startEmbeddedMaintenance, type EmbeddedMaintenance } from '@crm/core';
import type { Runtime } from './runtime.ts';

/**
 * The embedded PGlite has no autovacuum: the process that owns it (not a command that borrows a
 * running `crm start`'s database, and never on a PostgreSQL server) vacuums and analyses it every
 * PGLITE_MAINTENANCE_MINUTES (0 = off), the first pass a minute after start. A process that runs
 * through another's database and takes the folder over when that one stops starts then.
 */
export function addEmbeddedMaintenance(runtime: Runtime): void {
  const minutes = runtime.config.database.maintenanceMinutes ?? 30;
  if (!(runtime.ownsEmbedded || runtime.takesOver) || runtime.core.db.kind !== 'pglite' || minutes <= 0) return;
  let maintenance: EmbeddedMaintenance | undefined;
  let running = false;
  const intervalMs = minutes * 60_000;
  const begin = () => {
    if (!running || maintenance) return;
    maintenance = startEmbeddedMaintenance(runtime.core.db, runtime.logger.child({ component: 'embedded-maintenance' }), {
      intervalMs,
      firstDelayMs: Math.min(60_000, intervalMs),
    });
  };
  runtime.onTakeOver(begin);
  runtime.addService({
    name: 'embedded-maintenance',
    optional: true,
    detail: () => maintenance?.lastPass() ?? (runtime.ownsEmbedded ? undefined : 'waiting: the process this one connects through maintains the database'),
    async start() {
      running = true;
      if (runtime.ownsEmbedded) begin();
    },
    // no new table from now on (the statement running ends on its own)
    halt: () => void maintenance?.stop().catch(() => {}),
    async stop() {
      running = false;
      await maintenance?.stop();
    },
  });
}
