import type { DigestAgentReport, FollowUpAgentReport, RescoringAgentReport } from '@crm/agents';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { Runtime } from './runtime.ts';

export const BACKGROUND_AGENTS = ['follow-up', 'rescoring', 'digest'] as const;
export type BackgroundAgentName = (typeof BACKGROUND_AGENTS)[number];

export interface TenantAgentRun<R = FollowUpAgentReport> {
  tenant: string;
  report?: R;
  /** The digest: why a tenant was not due (its slot is already saved, or too old to catch up). */
  skipped?: string;
  error?: string;
}

type ClientFor = (onBehalfOf?: string) => Promise<Client>;

/** A tenant the agent had nothing to do for (not a report: reports may have fields of any name). */
class NotDue {
  constructor(readonly reason: string) {}
}
interface TenantRow {
  id: string;
  slug: string;
}

/**
 * Run one background agent for every tenant (or one), each as that tenant's system actor through
 * an in-process MCP client, so the tools' permissions and audit apply ("via agent:NAME"). A tenant
 * that fails is reported and the others still run.
 */
async function forTenants<R>(
  runtime: Runtime,
  agent: BackgroundAgentName,
  only: string | undefined,
  run: (clientFor: ClientFor, tenant: TenantRow) => Promise<R | NotDue>,
  signal?: AbortSignal,
): Promise<TenantAgentRun<R>[]> {
  const { core } = runtime;
  const tenants = (await core.tenants.list()).filter((t) => !only || t.slug === only || t.id === only);
  const runs: TenantAgentRun<R>[] = [];
  for (const t of tenants) {
    // stopping (the scheduler's signal): the tenants not started yet are left for the next slot
    if (signal?.aborted) break;
    const clients: Client[] = [];
    const clientFor = async (onBehalfOf?: string) => {
      signal?.throwIfAborted();
      const actor = await core.users.systemActor(t.id, { via: `agent:${agent}`, ...(onBehalfOf ? { onBehalfOf } : {}) });
      const client = await runtime.mcpClient(actor);
      clients.push(client);
      return client;
    };
    // closing the clients fails the calls they wait for at once, and aborts the tools' handlers
    // server-side (a retrain's training thread ends), so a stop does not wait for a long call
    const closeAll = () => void Promise.all(clients.map((c) => c.close().catch(() => {})));
    signal?.addEventListener('abort', closeAll, { once: true });
    try {
      const out = await run(clientFor, t);
      runs.push(out instanceof NotDue ? { tenant: t.slug, skipped: out.reason } : { tenant: t.slug, report: out });
    } catch (err) {
      if (signal?.aborted) {
        runtime.logger.info({ tenant: t.slug, agent }, `the ${agent} agent stopped for a tenant: the process is shutting down`);
        runs.push({ tenant: t.slug, error: 'stopped: the process was shutting down (the next slot runs it again)' });
        break;
      }
      runtime.logger.warn({ err, tenant: t.slug, agent }, `the ${agent} agent failed for a tenant`);
      runs.push({ tenant: t.slug, error: (err as Error).message });
    } finally {
      signal?.removeEventListener('abort', closeAll);
      await Promise.all(clients.map((c) => c.close().catch(() => {})));
    }
  }
  return runs;
}

export async function runFollowUpAgentForTenants(runtime: Runtime, only?: string, signal?: AbortSignal): Promise<TenantAgentRun<FollowUpAgentReport>[]> {
  const { runFollowUpAgent } = await import('@crm/agents');
  const { config } = runtime;
  return forTenants(runtime, 'follow-up', only, (clientFor) => runFollowUpAgent(clientFor, { hotScore: config.agents.hotScore, quietDays: config.agents.quietDays }), signal);
}

export async function runRescoringAgentForTenants(runtime: Runtime, only?: string, signal?: AbortSignal): Promise<TenantAgentRun<RescoringAgentReport>[]> {
  const { runRescoringAgent } = await import('@crm/agents');
  return forTenants(runtime, 'rescoring', only, (clientFor) => runRescoringAgent(() => clientFor(), signal ? { signal } : {}), signal);
}

/** A scheduled slot older than this is not caught up (a week-old digest after an outage helps nobody). */
const DIGEST_CATCH_UP_MS = 24 * 3_600_000;

export interface DigestRunOptions {
  only?: string;
  /** The scheduler's stop signal: calls in progress fail at once, tenants not started are left. */
  signal?: AbortSignal;
  now?: Date;
  /**
   * 'schedule' (the job): each tenant's latest AGENT_DIGEST_CRON slot in its time zone, if it is
   * recent and not yet saved. 'now' (the CLI): the week up to now, saved under its own key.
   */
  mode: 'schedule' | 'now';
}

export async function runDigestAgentForTenants(runtime: Runtime, options: DigestRunOptions): Promise<TenantAgentRun<DigestAgentReport>[]> {
  const { runDigestAgent } = await import('@crm/agents');
  const { previousCronRun, readTenantLocale } = await import('@crm/core');
  const { config, core } = runtime;
  const now = options.now ?? new Date();
  const cron = config.agents.digestCron ?? '0 7 * * 1';
  return forTenants(runtime, 'digest', options.only, async (clientFor, t) => {
    const system = await core.users.systemActor(t.id, { via: 'agent:digest' });
    const { timeZone } = await readTenantLocale(core.db, system);
    let periodEnd = now;
    let slotKey = `manual:${now.toISOString()}`;
    if (options.mode === 'schedule') {
      // the slot itself counts: previousCronRun is strictly before its argument
      periodEnd = previousCronRun(cron, timeZone, new Date(now.getTime() + 1));
      slotKey = `cron:${periodEnd.toISOString()}`;
      if (now.getTime() - periodEnd.getTime() > DIGEST_CATCH_UP_MS) return new NotDue(`the last slot (${periodEnd.toISOString()}) is more than 24 h old`);
      const saved = await core.savedReports.list(system, { kind: 'pipeline_digest', limit: 5 });
      if (saved.some((r) => r.slotKey === slotKey && r.emailedAt)) return new NotDue(`the digest of ${periodEnd.toISOString()} was already saved and emailed`);
    }
    return runDigestAgent(() => clientFor(), { periodEnd, slotKey, hotScore: config.agents.hotScore, quietDays: config.agents.quietDays, timeZone });
  }, options.signal);
}

/** What the jobs record in job_runs.result per tenant (`crm jobs --json` shows it). */
export function summarizeAgentRuns(runs: TenantAgentRun<FollowUpAgentReport>[]) {
  return runs.map((r) =>
    r.report
      ? { tenant: r.tenant, hotLeads: r.report.hotLeadsFound, tasksCreated: r.report.tasksCreated.length, draftsFiled: r.report.draftsFiled.length, skipped: r.report.skipped.length }
      : { tenant: r.tenant, error: r.error },
  );
}

export function summarizeRescoringRuns(runs: TenantAgentRun<RescoringAgentReport>[]) {
  return runs.map((r) =>
    r.report
      ? {
          tenant: r.tenant,
          decision: r.report.decision,
          reason: r.report.reason,
          modelVersionBefore: r.report.modelVersionBefore,
          modelVersionAfter: r.report.modelVersionAfter,
          scored: r.report.scored,
          scoresChanged: r.report.scoresChanged,
          movers: r.report.movers.map((m) => ({ contactId: m.contactId, from: m.from, to: m.to, delta: m.delta })),
        }
      : { tenant: r.tenant, error: r.error },
  );
}

export function summarizeDigestRuns(runs: TenantAgentRun<DigestAgentReport>[]) {
  return runs.map((r) =>
    r.report
      ? { tenant: r.tenant, reportId: r.report.reportId, slotKey: r.report.slotKey, duplicate: r.report.duplicate, emailed: r.report.emailed.length }
      : r.skipped
        ? { tenant: r.tenant, skipped: r.skipped }
        : { tenant: r.tenant, error: r.error },
  );
}
