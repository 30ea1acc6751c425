import { createCrmCore, DEMO_KB_DIR, openDatabase, readKnowledgeFiles, seedDemoTenant, silentLogger, type Actor, type CrmCore, type Database } from '@crm/core';
import { inProcessMcpClientFactory, type McpClientFactory } from '@crm/agents';
import { installApprovalExecutor } from '@crm/mcp-servers';

/** The pinned clock of every scenario: the demo seed is a deterministic function of (seed, now). */
export const EVAL_NOW = new Date('2026-11-28T14:00:00Z');

export interface DemoEnv {
  db: Database;
  core: CrmCore;
  tenantId: string;
  /** Demo users by role key: admin, manager, rep (rep_1), rep2 (rep_2), marketing. */
  actors: Record<'admin' | 'manager' | 'rep' | 'rep2' | 'marketing', Actor>;
  mcpClientFactory: McpClientFactory;
  close(): Promise<void>;
}

/**
 * A fresh embedded database (in-memory PGlite) with the demo tenant as `crm seed --demo` seeds it
 * (lead scoring trained and every contact scored), plus
 * the demo knowledge base documents (the interaction history is not indexed: it takes minutes and
 * no scenario searches it). The assistant gets only `mcpClientFactory`, as in the product.
 */
export async function openDemoEnv(options: { contacts?: number } = {}): Promise<DemoEnv> {
  const logger = silentLogger();
  const db = await openDatabase({ config: { dataDir: 'memory://', pglitePort: 0, poolMax: 4 }, logger });
  const core = createCrmCore({ db, logger, knowledge: { indexInteractions: false } });
  const seeded = await seedDemoTenant(core, { now: EVAL_NOW, contacts: options.contacts ?? 2000 });
  const byRole = (role: string, n = 0) => seeded.users.filter((u) => u.role === role)[n];
  const actorOf = (u: { email: string }) => core.users.actorByEmail(u.email, seeded.slug);
  const actors = {
    admin: await actorOf(byRole('ADMIN')),
    manager: await actorOf(byRole('SALES_MANAGER')),
    rep: await actorOf(byRole('SALES_REP', 0)),
    rep2: await actorOf(byRole('SALES_REP', 1)),
    marketing: await actorOf(byRole('MARKETING_MANAGER')),
  };
  // as `crm seed --demo` and the first `crm start` do: the tenant's first model trained and every
  // contact scored (without it every lead scored 0 and "the hottest leads" were an arbitrary order)
  await core.scoring.retrain(await core.users.systemActor(seeded.tenantId, { via: 'eval:seed' }), { rescore: 'always' });
  await core.knowledge.addDocuments(actors.admin, await readKnowledgeFiles(DEMO_KB_DIR), { reindex: false });
  await core.knowledge.refresh(actors.admin.tenantId);
  installApprovalExecutor(core);
  return {
    db,
    core,
    tenantId: seeded.tenantId,
    actors,
    mcpClientFactory: inProcessMcpClientFactory({ core, logger }),
    async close() {
      await core.outbox.stop().catch(() => {});
      await db.close();
    },
  };
}
