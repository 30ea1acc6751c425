import type { FollowUpAgentReport } from '@crm/agents';
import type { Runtime } from './runtime.ts';

export interface TenantAgentRun {
  tenant: string;
  report?: FollowUpAgentReport;
  error?: string;
}

/**
 * Run the follow-up agent for every tenant (or one), each as that tenant's system actor through
 * an in-process MCP client, so the tools' permissions and audit apply ("via agent:follow-up").
 * A tenant that fails is reported and the others still run.
 */
export async function runFollowUpAgentForTenants(runtime: Runtime, only?: string): Promise<TenantAgentRun[]> {
  const { runFollowUpAgent } = await import('@crm/agents');
  const { core, config } = runtime;
  const tenants = (await core.tenants.list()).filter((t) => !only || t.slug === only || t.id === only);
  const runs: TenantAgentRun[] = [];
  for (const t of tenants) {
    const clients: Awaited<ReturnType<Runtime['mcpClient']>>[] = [];
    const clientFor = async (onBehalfOf?: string) => {
      const actor = await core.users.systemActor(t.id, { via: 'agent:follow-up', ...(onBehalfOf ? { onBehalfOf } : {}) });
      const client = await runtime.mcpClient(actor);
      clients.push(client);
      return client;
    };
    try {
      const report = await runFollowUpAgent(clientFor, { hotScore: config.agents.hotScore, quietDays: config.agents.quietDays });
      runs.push({ tenant: t.slug, report });
    } catch (err) {
      runtime.logger.warn({ err, tenant: t.slug }, 'the follow-up agent failed for a tenant');
      runs.push({ tenant: t.slug, error: (err as Error).message });
    } finally {
      await Promise.all(clients.map((c) => c.close().catch(() => {})));
    }
  }
  return runs;
}

/** What the job records in job_runs.result: counts per tenant (`crm jobs --json` shows it). */
export function summarizeAgentRuns(runs: TenantAgentRun[]) {
  return runs.map((r) =>
    r.report
      ? { tenant: r.tenant, hotLeads: r.report.hotLeadsFound, tasksCreated: r.report.tasksCreated.length, draftsFiled: r.report.draftsFiled.length, skipped: r.report.skipped.length }
      : { tenant: r.tenant, error: r.error },
  );
}
