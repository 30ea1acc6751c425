import {
  createBigQueryExport,
  createBigQuerySink,
  createCrmCore,
  createModelSentiment,
  createSentimentSubscriber,
  createJobScheduler,
  createMailboxTransport,
  createPubSubRelay,
  createSmtpTransport,
  createVectorStore,
  settlesWithin,
  startScoring,
  type Actor,
  type CrmConfig,
  type CrmCore,
  type JobScheduler,
  type Logger,
  type ModelProvider,
  type ReportDelivery,
  type RunningScoring,
  type VectorStore,
  type AgentActionCheck,
  type AgentActionExecutor,
  type BigQueryExport,
  type BigQuerySink,
  type RetrievalOptions,
  QUERY_SYNONYMS,
  vertexRankerFor,
} from '@crm/core';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { createInProcessMcpClients, type McpClientFactory } from './mcp-clients.ts';
import { selectModelProvider, type ProviderStatus } from './provider-selection.ts';
import { openRuntimeDatabase } from './runtime-database.ts';
import type { RunningServer } from './running-server.ts';
import { startAll, stopAll, type Service } from './service.ts';

export interface RuntimeOptions {
  logger: Logger;
  /**
   * Long-running processes (`crm start`, `crm worker`) probe a remote model provider at start and
   * fall back to the local one when it does not answer; one-shot commands skip the probe.
   */
  server?: boolean;
}

export interface HealthReport {
  status: 'ok' | 'degraded' | 'down';
  database: 'pglite' | 'postgres';
  dbLatencyMs?: number;
  checks: {
    database: { status: 'ok' | 'down'; kind: 'pglite' | 'postgres'; latencyMs?: number; reason?: string };
    modelProvider: ProviderStatus & { breaker: string };
    vectorStore: { status: 'ok' | 'degraded'; store: string; model: string; reason?: string };
    services: { name: string; status: 'running' | 'stopped' | 'failed'; detail?: string }[];
  };
}

export interface Runtime {
  readonly config: CrmConfig;
  readonly logger: Logger;
  readonly core: CrmCore;
  readonly provider: ModelProvider;
  readonly providerStatus: ProviderStatus;
  readonly vectorStore: VectorStore;
  /** Wall-clock jobs that run once across replicas (started with the runtime's services). */
  readonly jobs: JobScheduler;
  /** Where scheduled reports are emailed: SMTP when SMTP_URL is set, else the tenant's local mailbox. */
  reportDelivery(): ReportDelivery;
  /**
   * The incremental BigQuery export of contacts and interactions, or undefined when BIGQUERY_DATASET
   * is not set. `lagSeconds`: rows changed more recently wait for the next run (default 60).
   */
  bigQueryExport(options?: { lagSeconds?: number }): BigQueryExport | undefined;
  /**
   * True when this process serves the embedded database: it opened the folder itself (no
   * DATABASE_URL, no running owner), or took it over when the owner it connected through stopped.
   */
  readonly ownsEmbedded: boolean;
  /** True when this process connects through another's embedded database and takes the folder over when that one stops. */
  readonly takesOver: boolean;
  /** Calls `fn` when this process takes the embedded database over (owner-only duties start then). */
  onTakeOver(fn: () => void): void;
  /**
   * Say in the data folder's server.json that this process serves the embedded database (so other
   * `crm` processes connect through it): now when it owns the folder, else when it takes it over.
   * Returns the function that withdraws it (before stopping).
   */
  advertiseEmbedded(info: Pick<RunningServer, 'httpUrl' | 'command'>): () => void;
  /** An in-process MCP client acting as `actor` (default server: the combined `crm`). */
  mcpClient: McpClientFactory;
  /** Register a service; started by `start()` in registration order, stopped in reverse. */
  addService(service: Service): void;
  /** Start the platform services: lead-scoring subscriptions, scheduled jobs, the outbox dispatcher, then added services. */
  start(): Promise<void>;
  /**
   * Stop services in reverse order within one shared budget (STOP_BUDGET_MS: past it, the services
   * not stopped yet are logged and left behind), then close the database (statements still running
   * after DB_CLOSE_GRACE_MS are cut off). Safe to call twice: the second call waits for the first.
   */
  stop(): Promise<void>;
  health(): Promise<HealthReport>;
}

/** What all the services' stops share: a stop still running past it is left behind (logged). */
const STOP_BUDGET_MS = 3_500;
/** How long statements still running when the services are stopped may go on before the database closes under them. */
const DB_CLOSE_GRACE_MS = 1_000;

/**
 * The one composition root: config → logger → database → model provider → vector store → core →
 * MCP client factory → services. Every CLI command, the HTTP gateway and the workers build one.
 */
export async function createRuntime(config: CrmConfig, options: RuntimeOptions): Promise<Runtime> {
  const { logger } = options;
  const runtimeDb = await openRuntimeDatabase(config, options);
  const { db } = runtimeDb;
  try {
    const { provider, status: providerStatus } = await selectModelProvider(config, { db, logger, probe: options.server === true });
    const vectorStore = await createVectorStore(config.vectorStore, { db, dimensions: provider.embeddings.dimensions });
    const core = createCrmCore({ db, logger, scoring: config.scoring, knowledge: { embeddings: provider.embeddings, vectorStore, retrieval: knowledgeRetrieval(config) }, approvals: { ttlHours: config.approvals.ttlHours, publicUrl: config.authEnv.CRM_PUBLIC_URL }, workflowSecretsKey: config.workflows.WORKFLOW_SECRETS_KEY, workflowWebhookAllowHosts: config.workflows.WORKFLOW_WEBHOOK_ALLOW_HOSTS, narration: config.insights.narrator === 'model' ? { provider, timeoutMs: config.insights.narratorTimeoutMs } : undefined, login: config.login });
    // an approved assistant action runs in the process that approves it (CLI, HTTP, MCP), as its requester,
    // and is checked as that requester before it is filed (the MCP servers' tool registry loads on the
    // first approval, not at start-up)
    let executor: Promise<AgentActionExecutor> | undefined;
    let check: Promise<AgentActionCheck> | undefined;
    core.approvals.setAgentActionExecutor(async (action, requester, approval) => {
      executor ??= import('@crm/mcp-servers').then((m) => m.toolCallExecutor(core, logger.child({ component: 'approvals' })));
      return (await executor)(action, requester, approval);
    });
    core.approvals.setAgentActionCheck(async (action, requester) => {
      check ??= import('@crm/mcp-servers').then((m) => m.toolCallCheck(core, logger.child({ component: 'approvals' })));
      return (await check)(action, requester);
    });
    const jobs = createJobScheduler({ db, logger });
    let smtp: ReturnType<typeof createSmtpTransport> | undefined;
    const reportDelivery = (): ReportDelivery => {
      if (config.workflows.SMTP_URL) smtp ??= createSmtpTransport(config.workflows.SMTP_URL);
      return { mail: smtp ?? createMailboxTransport(db), from: config.workflows.MAIL_FROM };
    };
    // send_email (people, approved assistant and agent drafts) uses the same transport as workflows and reports
    core.email.setDelivery(reportDelivery);
    const mcpClient = createInProcessMcpClients(core, logger);
    // one sink per process (it caches the checked dataset and tables); the client loads on first use
    let bigQuerySink: BigQuerySink | undefined;
    const bigQueryExport = (options: { lagSeconds?: number } = {}): BigQueryExport | undefined => {
      if (!config.bigquery) return undefined;
      bigQuerySink ??= createBigQuerySink(config.bigquery);
      return createBigQueryExport({ db, sink: bigQuerySink, logger: logger.child({ component: 'bigquery-export' }), ...options });
    };
    const extra: Service[] = [];
    let running: Service[] = [];
    let scoring: RunningScoring | undefined;
    let unsubscribeSentiment: (() => void) | undefined;
    let stopping: Promise<void> | undefined;
    const failed = new Map<string, string>();

    const platform: Service[] = [
      {
        name: 'lead-scoring',
        // subscribes before the dispatcher starts: events dispatched while nobody listens are not redelivered
        async start() {
          scoring = startScoring(core, { retrainHours: 0 });
          // interaction sentiment on interaction.logged, beside rescoring: the lexicon, or the chat model (SENTIMENT_SCORER=model)
          const sentimentModel = config.insights.sentimentScorer === 'model' ? createModelSentiment({ provider, timeoutMs: config.insights.narratorTimeoutMs }) : undefined;
          if (config.insights.sentimentScorer === 'model' && !sentimentModel) logger.warn({ provider: provider.id }, 'SENTIMENT_SCORER=model but the model provider has no chat model: scoring sentiment with the lexicon');
          unsubscribeSentiment = core.outbox.subscribe(createSentimentSubscriber({ db, logger: logger.child({ component: 'sentiment' }), ...(sentimentModel ? { model: sentimentModel } : {}) }));
          // one retrain schedule: the rescoring agent (agents.rescoring) runs it when it is on
          if (config.scoring.retrainHours > 0 && config.agents.rescoringHours <= 0) {
            jobs.add({ name: 'scoring.retrain', everySeconds: config.scoring.retrainHours * 3600, runMissedAtStart: true, run: (_slot, signal) => scoring!.retrainAll(signal) });
          }
        },
        async stop() {
          scoring?.stop();
          unsubscribeSentiment?.();
        },
      },
      {
        name: 'scheduler',
        async start() {
          jobs.add({ name: 'follow-ups.due-scan', everySeconds: config.jobs.followUpScanSeconds, runMissedAtStart: true, run: () => core.followUps.emitDue() });
          // Idempotency-Key rows live 24 h; expired ones are already ignored, this only frees the space
          jobs.add({ name: 'idempotency.purge', everySeconds: 3600, runMissedAtStart: true, run: () => core.idempotency.purgeExpired() });
          // OAuth rows that can never be used again: expired refresh tokens, dead grants, abandoned or long-revoked clients
          jobs.add({ name: 'oauth.purge', everySeconds: 6 * 3600, runMissedAtStart: true, run: () => core.oauth.purgeExpired() });
          jobs.add({ name: 'approvals.expire', everySeconds: config.approvals.expiryScanSeconds, runMissedAtStart: true, run: () => core.approvals.expireDue() });
          // stored report schedules: each due cron slot is emailed once (compare-and-set per schedule)
          jobs.add({
            name: 'reports.deliver',
            everySeconds: 60,
            runMissedAtStart: true,
            run: async () => {
              const outcomes = await core.reportSchedules.deliverDue(reportDelivery());
              return { sent: outcomes.filter((o) => o.status === 'succeeded').length, failed: outcomes.filter((o) => o.status === 'failed').length };
            },
          });
          // analytics facts to BigQuery (GKE, BIGQUERY_DATASET): the rows changed since each tenant's watermark
          if (config.bigquery && config.bigquery.exportMinutes > 0) {
            jobs.add({
              name: 'analytics.export-bigquery',
              everySeconds: config.bigquery.exportMinutes * 60,
              runMissedAtStart: true,
              run: async () => {
                const report = await bigQueryExport()!.run();
                const failed = report.tenants.filter((t) => t.error);
                // a failed tenant fails the slot (visible in `crm jobs`); the next slot resumes from its watermark
                if (failed.length) throw new Error(`BigQuery export failed for ${failed.length} of ${report.tenants.length} tenants: ${failed.map((t) => `${t.slug}: ${t.error}`).join('; ').slice(0, 1000)}`);
                return { contacts: report.contacts, interactions: report.interactions, tenants: report.tenants.length };
              },
            });
          }
          // the follow-up agent (background, as each tenant's system actor): tasks + draft emails for approval
          if (config.agents.followUpHours > 0) {
            jobs.add({
              name: 'agents.follow-up',
              everySeconds: Math.round(config.agents.followUpHours * 3600),
              run: async (_slot, signal) => {
                const { runFollowUpAgentForTenants, summarizeAgentRuns } = await import('./background-agents.ts');
                return { tenants: summarizeAgentRuns(await runFollowUpAgentForTenants(runtime, undefined, signal)) };
              },
            });
          }
          // the rescoring agent: retrain when enough new outcomes exist, rescore, record the biggest movers
          if (config.agents.rescoringHours > 0) {
            jobs.add({
              name: 'agents.rescoring',
              everySeconds: Math.round(config.agents.rescoringHours * 3600),
              // as scoring.retrain did: a freshly seeded tenant gets its model at the first start
              runMissedAtStart: true,
              run: async (_slot, signal) => {
                const { runRescoringAgentForTenants, summarizeRescoringRuns } = await import('./background-agents.ts');
                return { tenants: summarizeRescoringRuns(await runRescoringAgentForTenants(runtime, undefined, signal)) };
              },
            });
          }
          // the weekly pipeline digest: hourly, each tenant's latest cron slot (its time zone) is written,
          // saved and emailed once (save_report is unique per tenant and slot)
          if (config.agents.digestCron) {
            jobs.add({
              name: 'agents.digest',
              everySeconds: 3600,
              // as of the slot's start: a slot (and so the digest it finds due) means the same on every replica
              run: async (slot, signal) => {
                const { runDigestAgentForTenants, summarizeDigestRuns } = await import('./background-agents.ts');
                return { tenants: summarizeDigestRuns(await runDigestAgentForTenants(runtime, { mode: 'schedule', now: slot, signal })) };
              },
            });
          }
          await jobs.start();
        },
        stop: () => jobs.stop(),
        // the runs in progress see their signal abort now (a retrain, an agent), not after the services stopped before this one
        halt: () => void jobs.stop().catch(() => {}),
      },
    ];
    // Google Cloud Pub/Sub relay of committed outbox events (GKE), when PUBSUB_TOPIC is set
    if (config.pubsub) {
      const relay = createPubSubRelay(core.outbox, config.pubsub, logger.child({ component: 'pubsub-relay' }));
      platform.push({ name: 'pubsub-relay', start: () => relay.start(), stop: () => relay.stop() });
    }
    // last: every service subscribes to the outbox before the dispatcher starts delivering
    // halted first (no new batch, the batch in hand stops at its next event), so its subscribers may unsubscribe while it stops
    const outboxService: Service = { name: 'outbox', start: () => core.outbox.start(), stop: () => core.outbox.stop(), halt: () => void core.outbox.stop().catch(() => {}) };

    const runtime: Runtime = {
      config,
      logger,
      core,
      provider,
      providerStatus,
      vectorStore,
      jobs,
      get ownsEmbedded() {
        return runtimeDb.ownsEmbedded;
      },
      get takesOver() {
        return runtimeDb.takesOver;
      },
      onTakeOver: (fn) => runtimeDb.onTakeOver(fn),
      advertiseEmbedded: (info) => runtimeDb.advertise(info),
      reportDelivery,
      bigQueryExport,
      mcpClient: (actor: Actor, server?: string): Promise<Client> => mcpClient(actor, server),
      addService(service) {
        extra.push(service);
      },
      async start() {
        // the scheduler starts after the added services: its first runs must not race their set-up
        const [scoringService, schedulerService, ...relays] = platform;
        running = await startAll(
          [scoringService, ...relays, ...extra, schedulerService, outboxService],
          (s) => logger.debug({ service: s.name }, 'service started'),
          (s, err) => {
            failed.set(s.name, (err as Error).message);
            logger.error({ err, service: s.name }, `${s.name} did not start; the platform runs without it`);
          },
        );
      },
      stop() {
        stopping ??= (async () => {
          const began = performance.now();
          // processes connected through this one stop looking for it here (they take the folder over once it is closed)
          runtimeDb.withdraw();
          const late: string[] = [];
          await stopAll(running, {
            budgetMs: STOP_BUDGET_MS,
            onError: (s, err) => logger.warn({ err, service: s.name }, 'service did not stop cleanly'),
            onStopped: (s, ms) => logger.debug({ service: s.name, ms: Math.round(ms) }, 'service stopped'),
            onLate: (s, waitedMs) => {
              late.push(s.name);
              logger.warn({ service: s.name, waitedMs: Math.round(waitedMs) }, `${s.name} did not stop within the shutdown budget: left behind (its unfinished work is picked up by the next start)`);
            },
          });
          // the dispatcher may have been started by a command without start(); a second stop() waits for the first one, within what is left
          const left = Math.max(STOP_BUDGET_MS - (performance.now() - began), 50);
          await settlesWithin(core.outbox.stop(), left);
          smtp?.close();
          await settlesWithin(bigQuerySink?.close(), left);
          await db.close({ graceMs: DB_CLOSE_GRACE_MS });
          logger.info({ ms: Math.round(performance.now() - began), ...(late.length ? { late } : {}) }, 'runtime stopped');
        })();
        return stopping;
      },
      async health() {
        const services = [platform[0], ...platform.slice(2), ...extra, platform[1], outboxService];
        const runningNames = new Set(running.map((s) => s.name));
        let database: HealthReport['checks']['database'];
        try {
          const { latencyMs } = await db.ping();
          database = { status: 'ok', kind: db.kind, latencyMs };
        } catch {
          database = { status: 'down', kind: db.kind, reason: 'the database did not answer' };
        }
        const vs = await core.knowledge.vectorSearchStatus().catch(() => ({ available: false, store: vectorStore.name, model: '', reason: 'unknown' }));
        const checks: HealthReport['checks'] = {
          database,
          modelProvider: { ...providerStatus, breaker: provider.breakerState() },
          vectorStore: { status: vs.available ? 'ok' : 'degraded', store: vs.store, model: vs.model, ...(vs.reason ? { reason: vs.reason } : {}) },
          services: services.map(({ name, detail }) => {
            const status = runningNames.has(name) ? 'running' : failed.has(name) ? 'failed' : 'stopped';
            const now = status === 'running' ? detail?.() : undefined;
            return { name, status, ...(now ? { detail: now } : {}) };
          }),
        };
        const degraded = failed.size > 0 || providerStatus.status !== 'ok' || checks.modelProvider.breaker === 'open' || !vs.available;
        return {
          status: database.status === 'down' ? 'down' : degraded ? 'degraded' : 'ok',
          database: db.kind,
          ...(database.latencyMs !== undefined ? { dbLatencyMs: database.latencyMs } : {}),
          checks,
        };
      },
    };
    return runtime;
  } catch (err) {
    await db.close().catch(() => {});
    throw err;
  }
}

/**
 * KB_RERANK: the offline reranker (default), none, or the Vertex AI ranking API with the offline one as
 * fallback; KB_QUERY_SYNONYMS: WordNet synonyms in the full-text query; KB_FUSION_WEIGHTS: the score fusion's weights.
 */
function knowledgeRetrieval(config: CrmConfig): RetrievalOptions {
  const options: RetrievalOptions = {
    ...(config.knowledgeSynonyms ? { synonyms: QUERY_SYNONYMS } : {}),
    ...(config.knowledgeFusionWeights ? { fusion: { method: 'score', weights: config.knowledgeFusionWeights } } : {}),
  };
  if (config.knowledgeRerank === 'off') return { ...options, rerank: false };
  if (config.knowledgeRerank === 'vertex' && config.modelProvider.provider === 'vertex') {
    return { ...options, rerank: true, remoteRanker: vertexRankerFor(config.modelProvider.vertex) };
  }
  return config.knowledgeRerank === 'on' ? { ...options, rerank: true } : options;
}
