/**
 * @crm/core's public surface: only what the other packages (gateway, agents, MCP servers, evals)
 * import, plus everything the ORM-free `@crm/core/contracts` entry re-exports. Inside core, import
 * by path. `public-surface.test.ts` fails when an export here is used by no other package, and
 * when EntityManager or the transaction helpers would cross the boundary.
 */
export type { CoreConfig } from './config/config.ts';
export { createLogger, silentLogger } from './logger.ts';
export type { Logger } from './logger.ts';
export { messageText } from './ai/message-text.ts';
export { AppError, ERROR_CODES, isAppError } from './errors/app-error.ts';
export type { ErrorCode, FieldIssue } from './errors/app-error.ts';
export { objectShapeAt, zodIssues } from './errors/zod-issues.ts';
export { SERVER_OWNED_FIELDS } from './errors/server-owned.ts';
export { isUuid } from './errors/uuid.ts';
export { openDatabaseHandle as openDatabase } from './db/database.ts';
export type { DatabaseHandle as Database } from './db/database.ts';
export { DEFAULT_DB_TIMEOUTS } from './db/db.config.ts';
export { isPoolBusy, toDatabaseUnavailable } from './db/db-errors.ts';
export { settlesWithin } from './settles-within.ts';
export { isDataDirBusy } from './db/data-dir-lock.ts';
export { fixedEmbeddedUrl } from './db/embedded-socket-dir.ts';
export { queriesInTransactions, queryInOwnTransaction } from './db/own-transaction.ts';
export { createCrmCore } from './crm-core.ts';
export type { CrmCore } from './crm-core.ts';
export { ROLE_PERMISSIONS, can, grantOf, mayChangeTenantSettings, mayWriteKnowledge } from './auth/rbac.ts';
export type { ResolvedUser } from './auth/credentials.service.ts';
export { sha256 } from './auth/oauth.service.ts';
export { OAuthError, OAUTH_SCOPES, redirectUriRegistered } from './auth/oauth-client.schema.ts';
export type { OAuthClient, OAuthGrant } from './auth/oauth-client.schema.ts';
export { Contact, ContactStatus, CONTACT_STATUSES, CreateContactInput, UpdateContactInput, ListContactsQuery, ChangeStatusInput } from './contacts/contact.schema.ts';
export { FindDuplicatesQuery, MergeContactsInput } from './contacts/contact-merge.service.ts';
export { BLOCK_CAP as DUPLICATE_BLOCK_CAP } from './contacts/contact-duplicate-blocks.ts';
export { Interaction, InteractionType, INTERACTION_TYPES, CHANNELS, LogInteractionInput, TimelinePageQuery, ListInteractionsFilters, fromBeforeTo } from './interactions/interaction.schema.ts';
export { FollowUp, CreateFollowUpInput, ListFollowUpsQuery, FollowUpPageQuery } from './follow-ups/follow-up.schema.ts';
export { User, Role, ROLES, CreateUserInput, SetRoleInput } from './users/user.schema.ts';
export type { Actor } from './users/user.schema.ts';
export { startAuthCache } from './users/auth-cache.ts';
export { startEmbeddedMaintenance } from './db/embedded-maintenance.ts';
export type { EmbeddedMaintenance } from './db/embedded-maintenance.ts';
export { ApiKeyInfo, CreateApiKeyInput } from './users/api-key.schema.ts';
export type { OutboxEvent } from './outbox/outbox.schema.ts';
export type { DeadEvent, Subscription } from './outbox/outbox.dispatcher.ts';
export { createOutboxTail } from './outbox/outbox.tail.ts';
export { createOutboxDispatcher } from './outbox/outbox.dispatcher.ts';
export { subscribeOutboxWake } from './outbox/outbox.wake.ts';
export { createPubSubRelay } from './outbox/pubsub-relay.ts';
export type { ImportReport } from './imports/import.types.ts';
export { describeIgnoredColumn, ImportReportSchema } from './imports/import.types.ts';
export { parseCsvEncoding } from './csv/csv-encoding.ts';
export { seedDemoTenant } from './demo/seed-demo.ts';
export { DEMO_TENANT } from './demo/demo-vocabulary.ts';
// Lead scoring (core/src/scoring): features, rules, registry, service, Vertex adapter, CSV evaluation.
export { startScoring } from './scoring/start-scoring.ts';
export type { RunningScoring } from './scoring/start-scoring.ts';
export { LeadScoreResult, ScoringFactor, WHAT_IF_ACTIONS, WhatIfScenario, LeadDataInput, ModelVersionInfo, ModelInfoResult, RetrainOutcome, ScoreExplanation, WhatIfResult } from './scoring/scoring.schema.ts';
export { extractLeadFeatures } from './scoring/lead-features.ts';
export { explainLead, modelLeadScorer } from './scoring/lead-explanation.ts';
export type { LeadTimeline } from './scoring/lead-explanation.ts';
export { isDatasetError, evaluateCsv, trainCsv, createRandom } from './scoring/ml/index.ts';
export type { EvaluationReport } from './scoring/ml/index.ts';
// Dates in CSV files: per-column day/month order, tenant locale and time zone (migration 0110).
export { parseDateOrder } from './csv/date-order.ts';
export { readTenantLocale, TenantSettings, UpdateTenantSettingsInput } from './tenants/tenant-settings.ts';
export { loadModelProviderConfig, createModelProvider, withAiTenant, InMemoryAiUsageStore } from './ai/index.ts';
export type { ModelProvider } from './ai/index.ts';
export { SearchKnowledgeInput, KnowledgeSearchResult, KnowledgeSearchResponse, KbDocument, ListDocumentsQuery, SEARCH_MODES, readKnowledgeFiles, seedDemoKnowledge, unfinishedDemoKnowledge, createPgVectorStore, DEMO_KB_DIR, loadRetrievalQuestions, RetrievalQuestion, firstRelevantRank, recallAtK, meanReciprocalRank, ndcgAtK, fuseRankings, sectionKeyOf, FusionOptions, createLocalEmbedder, createUseEmbedder, evaluateRetrieval, loadKnowledgeBase, chunkContainsAnswer, rerankFeatures, rerankScore, RERANK_FEATURES, vertexRankerFor } from './knowledge/index.ts';
export { QUERY_SYNONYMS, loadInteractionQuestions, relevantInteractions, firstRelevantIdRank, ndcgAtKById } from './knowledge/index.ts';
export type { InteractionFacts, BulkAddResult, VectorStore, PgVectorStrategy, RetrievalOptions, EmbeddingsProvider, RerankCandidate, RerankFeature, RerankerModel } from './knowledge/index.ts';
export { loadConfig, configTable, CRM_ENV_NAMES } from './config/crm-config.ts';
export type { CrmConfig } from './config/crm-config.ts';
export { HttpEnv } from './config/http-env.ts';
export { AuthEnv, WsEnv } from './config/auth-env.ts';
export { createJobScheduler } from './jobs/job-scheduler.ts';
export type { JobScheduler } from './jobs/job-scheduler.ts';
export { createVectorStore } from './knowledge/vector-store.factory.ts';
// Workflow engine (core/src/workflows) and mail transports (core/src/mail).
export { TRIGGER_TYPES, TriggerType, STEP_TYPES, StepType, CONDITION_OPERATORS, WorkflowStep, WorkflowDefinition, CreateWorkflowInput, Workflow, ExecutionStatus, ManualRunInput, StepAttempt, WorkflowExecution, STEP_CONFIGS, evaluateConditions, renderTemplate, renderDeep, nextCronRun, previousCronRun, WORKFLOW_TEMPLATES, EXECUTIONS_QUEUED, createExecutionStore, createWorkflowTriggers, signedHeaders, verifyWebhook, SIGNATURE_HEADER, TIMESTAMP_HEADER, WEBHOOK_TOLERANCE_SECONDS, assertPublicUrl, WorkflowsEnv, createPgBossWaitTimers, createClaimLoopWaitTimers } from './workflows/index.ts';
export type { StepConfigOf, WorkflowDefinitionInput, ConditionContext, ExecutionStore, ClaimedExecution, WorkflowTriggers, StepEffect, WaitTimers, WaitTimerKind } from './workflows/index.ts';
export { WorkflowTriggerInfo, ListTriggersQuery, DryRunResult, ExecutionPageQuery } from './workflows/index.ts';
export { AuditPageQuery } from './audit/audit.query.ts';
export { createMailboxTransport, createSmtpTransport, listMailbox, getMailboxMessage, mailboxAttachment, messageIdFor } from './mail/mail.transport.ts';
export type { MailTransport, MailboxMessage } from './mail/mail.transport.ts';
// Insights and analytics (core/src/insights, core/src/analytics, core/src/sentiment).
export { defaultRange } from './analytics/analytics.service.ts';
export { Metric, DateRange, METRIC_GROUPS, MetricsQuery, periodEndingAt } from './analytics/analytics.schema.ts';
export { analyticsScope } from './analytics/analytics.scope.ts';
export { analyticsStatements } from './analytics/analytics.sql.ts';
// BigQuery export of analytics facts (optional; the client loads only when BIGQUERY_DATASET is set)
export { createBigQueryExport } from './analytics/bigquery/bigquery-export.service.ts';
export type { BigQueryExport, ExportReport } from './analytics/bigquery/bigquery-export.service.ts';
export { createBigQuerySink } from './analytics/bigquery/bigquery.sink.ts';
export type { BigQuerySink } from './analytics/bigquery/bigquery.sink.ts';
export { AIInsight, INSIGHT_TYPES, GenerateInsightsInput, GenerateInsightsOutput, TrendAnalysis, ActionableRecommendation, SERIES_NAMES, DetectAnomaliesInput, AnomaliesResult, ForecastInput, ForecastResult } from './insights/insight.schema.ts';
export { analyzeSentiment, createModelSentiment, createSentimentSubscriber } from './sentiment/index.ts';
export { AnalyzeJourneyInput, AnalyzeJourneyOutput, JourneyStage } from './insights/journey.schema.ts';
export { REPORT_TYPES, ReportType, ReportDefinition, ReportFilter, ReportSchedule, reportHtml, reportCsv, reportAttachments, reportNarrative, CreateReportScheduleInput, UpdateReportScheduleInput, REPORT_FORMATS, StoredReportScheduleSchema } from './reports/index.ts';
export type { ReportDelivery, StoredReportSchedule } from './reports/index.ts';
export type { AnalyticsReport } from './reports/index.ts';
// Idempotency-Key of REST POSTs (migration 0130).
export { requestFingerprint } from './idempotency/idempotency.service.ts';
// The approval queue (core/src/approvals): agent actions, workflow steps and activations waiting for a human.
export { createApprovalService } from './approvals/approval.service.ts';
export type { ApprovalService, AgentActionCheck, AgentActionExecutor } from './approvals/approval.service.ts';
export { Approval, ApprovalKind, ApprovalRisk, AgentAction, DecideApprovalInput, ListApprovalsQuery } from './approvals/approval.schema.ts';
export { SendEmailInput } from './mail/email.service.ts';
