import { createEmailService } from './mail/email.service.ts';
import { databaseOf, type Database, type DatabaseHandle } from './db/database.ts';
import type { Logger } from './logger.ts';
import { createContactService } from './contacts/contact.service.ts';
import { createContactMergeService } from './contacts/contact-merge.service.ts';
import { createInteractionService } from './interactions/interaction.service.ts';
import { createFollowUpService } from './follow-ups/follow-up.service.ts';
import { createUserService } from './users/user.service.ts';
import { createApiKeyService } from './users/api-key.service.ts';
import { createTenantService } from './users/tenant.service.ts';
import { createOutboxDispatcher } from './outbox/outbox.dispatcher.ts';
import { createAuditService } from './audit/audit.query.ts';
import { createContactImportService } from './imports/contact-import.service.ts';
import { createInteractionImportService } from './imports/interaction-import.service.ts';
import { createExportService } from './imports/export.service.ts';
import { createScoringService, type ScoringOptions } from './scoring/scoring.service.ts';
import { createKnowledgeService, type KnowledgeServiceDeps } from './knowledge/knowledge.service.ts';
import { createTenantDirectory } from './tenants/tenant-directory.ts';
import { createWorkflowService } from './workflows/workflow.service.ts';
import { createWebhookSecretBox } from './workflows/webhook-secret.ts';
import { createTenantSettingsService } from './tenants/tenant-settings.ts';
import { createAnalyticsService } from './analytics/analytics.service.ts';
import { createInsightsService } from './insights/insights.service.ts';
import { createJourneyService } from './insights/journey.service.ts';
import { createReportService } from './reports/report.service.ts';
import { createModelNarrators } from './insights/model-narrator.ts';
import type { ModelProvider } from './ai/model-provider.ts';
import { createReportScheduleService } from './reports/report-schedule.service.ts';
import { createSavedReportService } from './reports/saved-report.service.ts';
import { createIdempotencyService } from './idempotency/idempotency.service.ts';
import { createApprovalService, type ApprovalServiceOptions } from './approvals/approval.service.ts';
import { createApprovalNotifier } from './approvals/approval.notify.ts';
import { createCredentialsService } from './auth/credentials.service.ts';
import type { LoginThrottleOptions } from './auth/login-throttle.ts';
import { createOAuthService } from './auth/oauth.service.ts';

/** Every domain service over one database; what the MCP servers, gateway and workers share. */
export function createCrmCore(deps: {
  db: DatabaseHandle;
  logger: Logger;
  outbox?: { pollMs?: number };
  /** Embeddings provider and vector store of the knowledge base; `indexInteractions: false` stops indexing from the outbox. */
  knowledge?: Omit<KnowledgeServiceDeps, 'db' | 'logger'> & { indexInteractions?: boolean };
  /** Lead-scoring thresholds and the optional Vertex AI endpoint (loadScoringConfig). */
  scoring?: ScoringOptions;
  /** Expiry of approval requests (APPROVAL_TTL_HOURS); the gateway's public URL for the REST route in request mails. */
  approvals?: ApprovalServiceOptions & { publicUrl?: string };
  /** WORKFLOW_SECRETS_KEY: encrypts per-workflow webhook secrets at rest (unset ⇒ stored unencrypted). */
  workflowSecretsKey?: string;
  /** WORKFLOW_WEBHOOK_ALLOW_HOSTS: non-public hosts a WEBHOOK_CALL may reach (activation checks literal addresses against it). */
  workflowWebhookAllowHosts?: readonly string[];
  /** Insight and report narratives by the provider's chat model (INSIGHTS_NARRATOR); none, or a provider without a chat model (`local`) ⇒ templates. */
  narration?: { provider: Pick<ModelProvider, 'chat'>; timeoutMs: number };
  /** Account lockout of password logins (LOGIN_MAX_FAILURES, LOGIN_LOCKOUT_MINUTES; default 10 failures, 15 minutes). */
  login?: LoginThrottleOptions;
}) {
  const { logger } = deps;
  const db: Database = databaseOf(deps.db);
  const outbox = createOutboxDispatcher(db, logger.child({ component: 'outbox' }), deps.outbox);
  const knowledge = createKnowledgeService({ ...deps.knowledge, db, logger });
  if (deps.knowledge?.indexInteractions !== false) knowledge.subscribe(outbox);
  const analytics = createAnalyticsService(db);
  const narrators = deps.narration ? createModelNarrators({ ...deps.narration, logger: logger.child({ component: 'narrator' }) }) : undefined;
  const insights = createInsightsService({ analytics, logger: logger.child({ component: 'insights' }), db, narrator: narrators?.insight });
  const reports = createReportService({ analytics, insights, narrator: narrators?.report, logger: logger.child({ component: 'reports' }) });
  const interactions = createInteractionService(db);
  const webhookSecrets = createWebhookSecretBox(deps.workflowSecretsKey);
  const email = createEmailService(db, interactions);
  // new approval requests are mailed to their approvers (tenant setting approvalRequestEmails) wherever the outbox runs
  outbox.subscribe(createApprovalNotifier({ db, delivery: () => email.delivery(), logger: logger.child({ component: 'approval-notify' }), publicUrl: deps.approvals?.publicUrl }));
  return {
    /** The database as other packages hold it: a handle to pass back to core, never to query. */
    db: deps.db,
    logger,
    contacts: createContactService(db),
    merge: createContactMergeService(db),
    interactions,
    email,
    followUps: createFollowUpService(db),
    users: createUserService(db),
    apiKeys: createApiKeyService(db),
    credentials: createCredentialsService(db, { login: deps.login }),
    oauth: createOAuthService(db),
    tenants: createTenantService(db),
    audit: createAuditService(db),
    imports: { ...createContactImportService(db), ...createInteractionImportService(db) },
    exports: createExportService(db),
    outbox,
    knowledge,
    scoring: createScoringService({ db, logger, options: deps.scoring }),
    directory: createTenantDirectory(db),
    workflows: createWorkflowService(db, { secrets: webhookSecrets, approvalTtlHours: deps.approvals?.ttlHours, webhookAllowHosts: deps.workflowWebhookAllowHosts }),
    webhookSecrets,
    tenantSettings: createTenantSettingsService(db),
    analytics,
    insights,
    reports,
    reportSchedules: createReportScheduleService({ db, reports, logger: logger.child({ component: 'reports' }) }),
    // saved reports (the weekly digest) mail through the same transport as send_email and workflows
    savedReports: createSavedReportService({ db, delivery: () => email.delivery() }),
    journeys: createJourneyService(db),
    idempotency: createIdempotencyService(db),
    approvals: createApprovalService(db, deps.approvals),
  };
}

export type CrmCore = ReturnType<typeof createCrmCore>;
