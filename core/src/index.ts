export { loadCoreConfig, CoreEnv, withoutEmpty } from './config/config.ts';
export type { CoreConfig, DatabaseConfig } from './config/config.ts';
export { createLogger, silentLogger, statementName } from './logger.ts';
export type { Logger } from './logger.ts';
export { messageText } from './ai/message-text.ts';
export { AppError, ERROR_CODES, isAppError } from './errors/app-error.ts';
export type { ErrorCode, FieldIssue } from './errors/app-error.ts';
export { parseOrThrow, zodIssues } from './errors/zod-issues.ts';
export { openDatabase } from './db/database.ts';
export type { Database, EntityManager } from './db/database.ts';
export { inTenantTx } from './db/tenant-tx.ts';
export { DbEnv, DEFAULT_DB_TIMEOUTS, dbTimeoutsFrom } from './db/db.config.ts';
export type { DbTimeouts } from './db/db.config.ts';
export { toDatabaseUnavailable } from './db/db-errors.ts';
export { createCrmCore } from './crm-core.ts';
export type { CrmCore } from './crm-core.ts';
export { ROLE_PERMISSIONS, authorize, can, grantOf } from './auth/rbac.ts';
export type { Permission, Grant } from './auth/rbac.ts';
export { createCredentialsService, hashPassword, verifyPasswordHash, Password } from './auth/credentials.service.ts';
export type { CredentialsService, SigningKey, ResolvedUser } from './auth/credentials.service.ts';
export { createOAuthService, pkceMatches, sha256 } from './auth/oauth.service.ts';
export type { OAuthService } from './auth/oauth.service.ts';
export { OAuthClientMetadata, OAuthError, OAUTH_AUTH_METHODS, OAUTH_GRANT_TYPES, OAUTH_SCOPES, redirectUriProblem, redirectUriRegistered } from './auth/oauth-client.schema.ts';
export type { OAuthClient, OAuthErrorCode, OAuthGrant } from './auth/oauth-client.schema.ts';
export {
  Contact,
  ContactStatus,
  CONTACT_STATUSES,
  ContactMetadata,
  CreateContactInput,
  UpdateContactInput,
  ListContactsQuery,
  ChangeStatusInput,
} from './contacts/contact.schema.ts';
export type { ContactPage, ContactService } from './contacts/contact.service.ts';
export { FindDuplicatesQuery, MergeContactsInput } from './contacts/contact-merge.service.ts';
export type { DuplicatePair } from './contacts/contact-duplicates.ts';
export { BLOCK_CAP as DUPLICATE_BLOCK_CAP } from './contacts/contact-duplicates.ts';
export {
  Interaction,
  InteractionType,
  INTERACTION_TYPES,
  Channel,
  CHANNELS,
  Direction,
  SentimentScore,
  LogInteractionInput,
  TimelineQuery,
  ListInteractionsQuery,
  ListInteractionsFilters,
  fromBeforeTo,
} from './interactions/interaction.schema.ts';
export { FollowUp, CreateFollowUpInput, ListFollowUpsQuery } from './follow-ups/follow-up.schema.ts';
export { User, Role, ROLES, CreateUserInput, ActorSchema, ActorRole, SYSTEM_ROLE, SetRoleInput, UserStatus, Via } from './users/user.schema.ts';
export type { Actor } from './users/user.schema.ts';
export { CreateTenantInput } from './users/tenant.service.ts';
export type { CreatedTenant } from './users/tenant.service.ts';
export { hashApiKey } from './users/api-key.service.ts';
export { startAuthCache, authCacheOf } from './users/auth-cache.ts';
export { ApiKeyInfo, CreateApiKeyInput, API_KEY_STATUSES } from './users/api-key.schema.ts';
export { isUuid, assertUuid } from './errors/uuid.ts';
export type { AuditEntry, AuditRow } from './audit/audit.service.ts';
export { EVENT_TYPES } from './outbox/outbox.schema.ts';
export type { OutboxEvent, EventType } from './outbox/outbox.schema.ts';
export type { DeadEvent, OutboxDispatcher, Subscription, EventHandler } from './outbox/outbox.dispatcher.ts';
export { createOutboxTail } from './outbox/outbox.tail.ts';
export { createOutboxDispatcher } from './outbox/outbox.dispatcher.ts';
export { createPubSubRelay, toRelayedMessage, PUBSUB_RELAY_CONSUMER, type PubSubRelay } from './outbox/pubsub-relay.ts';
export type { PubSubConfig } from './outbox/pubsub.config.ts';
export type { OutboxTail, TailHandler } from './outbox/outbox.tail.ts';
export type { ImportReport, ImportOptions } from './imports/import.types.ts';
export { seedDemoTenant, demoApiKey } from './demo/seed-demo.ts';
export type { SeededDemo } from './demo/seed-demo.ts';
export { generateDemoTenant, summariseDemoTenant, POST_SALE_TAG } from './demo/demo-generator.ts';
export { DEMO_TENANT } from './demo/demo-vocabulary.ts';
export type { DemoTenant, DemoContact, DemoInteraction, DemoTenantSummary } from './demo/demo-generator.ts';
export { CircuitBreaker, withRetry, withTimeout, resilientCall, isRetryable, TimeoutError } from './ai/resilience.ts';
export type { RetryOptions, CircuitBreakerOptions, BreakerState } from './ai/resilience.ts';
// Lead scoring (core/src/scoring): features, rules, registry, service, Vertex adapter, CSV evaluation.
export { createScoringService } from './scoring/scoring.service.ts';
export type { ScoringService, ScoringOptions, RetrainResult } from './scoring/scoring.service.ts';
export { startScoring, SCORING_CONSUMER } from './scoring/start-scoring.ts';
export type { RunningScoring } from './scoring/start-scoring.ts';
export {
  loadScoringConfig,
  DEFAULT_MIN_PER_CLASS,
  LeadScoreResult,
  ScoringFactor,
  ScoreSource,
  WhatIfAction,
  WHAT_IF_ACTIONS,
  WhatIfScenario,
  LeadDataInput,
  ModelVersionInfo,
  TrainingSummary,
} from './scoring/scoring.schema.ts';
export type { ScoringConfig, VertexScoringConfig } from './scoring/scoring.schema.ts';
export { extractLeadFeatures, leadFeatureSpecs, positionSeniority, isFreeEmailDomain } from './scoring/lead-features.ts';
export type { LeadContact, LeadInteraction, LeadFeatures, CustomFieldSpec } from './scoring/lead-features.ts';
export { scoreByRules } from './scoring/rule-scorer.ts';
export { explainLead, modelLeadScorer, RULES_SCORER } from './scoring/lead-explanation.ts';
export type { LeadScorer, LeadTimeline } from './scoring/lead-explanation.ts';
export { createVertexEndpoint } from './scoring/vertex-endpoint.adapter.ts';
export type { PredictionEndpoint, RemotePrediction, VertexEndpointOptions } from './scoring/vertex-endpoint.adapter.ts';
export { DatasetError, isDatasetError, evaluateCsv, trainCsv, createScorer, TrainedModelSchema, createRandom } from './scoring/ml/index.ts';
export type { EvaluationReport, TrainedModel, EvaluateCsvOptions } from './scoring/ml/index.ts';
// Dates in CSV files: per-column day/month order, tenant locale and time zone (migration 0110).
export { parseDateOrder, dateOrderForLocale } from './csv/date-order.ts';
export type { DateOrder } from './csv/date-order.ts';
export {
  readTenantLocale,
  DEFAULT_TENANT_LOCALE,
  TenantLocaleSettings,
  TenantSettings,
  UpdateTenantSettingsInput,
  DEFAULT_TENANT_SETTINGS,
  createTenantSettingsService,
} from './tenants/tenant-settings.ts';
export type { TenantSettingsService } from './tenants/tenant-settings.ts';
export {
  ModelProviderConfig,
  loadModelProviderConfig,
  createModelProvider,
  withAiTenant,
  currentAiTenant,
  AiCallGuard,
  InMemoryAiUsageStore,
  PostgresAiUsageStore,
  GuardedEmbeddings,
  MODEL_PROVIDER_KINDS,
  KNOWN_EMBEDDING_DIMENSIONS,
  estimateTokens,
} from './ai/index.ts';
export type { ModelProvider, ModelProviderDeps, ModelProviderKind, AiUsage, AiUsageStore, AiUsageSummary, BudgetStatus } from './ai/index.ts';
export {
  AddDocumentInput,
  AddDocumentResult,
  SearchKnowledgeInput,
  KnowledgeSearchResult,
  KnowledgeSearchResponse,
  KbDocument,
  ListDocumentsQuery,
  SearchMode,
  SEARCH_MODES,
  kbDocumentUri,
  interactionUri,
  readKnowledgeFiles,
  seedDemoKnowledge,
  unfinishedDemoKnowledge,
  createKnowledgeService,
  createPgVectorStore,
  PGVECTOR_DIMENSIONS,
  CHUNK_KINDS,
  INTERACTION_INDEXER_CONSUMER,
  createLocalEmbedder,
  LOCAL_EMBEDDER_ID,
  DEMO_KB_DIR,
  loadRetrievalQuestions,
  RetrievalQuestion,
  firstRelevantRank,
  recallAtK,
  meanReciprocalRank,
  ndcgAtK,
  fuseRankings,
  sectionKeyOf,
  FusionOptions,
  DEFAULT_FUSION,
  SUPPORTED_EXTENSIONS,
} from './knowledge/index.ts';
export type {
  KnowledgeService,
  KnowledgeServiceDeps,
  BulkAddResult,
  DemoKnowledgeReport,
  VectorStore,
  VectorItem,
  VectorFilter,
  VectorMatch,
  ChunkKind,
  PgVectorStore,
  PgVectorStrategy,
  EmbeddingsProvider,
  RetrievalOptions,
} from './knowledge/index.ts';
export { loadConfig, configTable, CrmEnv, CRM_ENV_NAMES } from './config/crm-config.ts';
export type { CrmConfig, VectorStoreConfig } from './config/crm-config.ts';
export { defaultDataDir } from './config/config.ts';
export { HttpEnv } from './config/http-env.ts';
export { AuthEnv, WsEnv } from './config/auth-env.ts';
export { createJobScheduler, slotOf } from './jobs/job-scheduler.ts';
export type { JobScheduler, ScheduledJob, JobRun } from './jobs/job-scheduler.ts';
export { createVectorStore } from './knowledge/vector-store.factory.ts';
// Workflow engine (core/src/workflows) and mail transports (core/src/mail).
export {
  TRIGGER_TYPES,
  TRIGGER_EVENTS,
  TriggerType,
  STEP_TYPES,
  StepType,
  CONDITION_OPERATORS,
  Condition,
  WorkflowStep,
  WorkflowTrigger,
  WorkflowDefinition,
  CreateWorkflowInput,
  Workflow,
  ExecutionStatus,
  StepAttempt,
  WorkflowExecution,
  STEP_CONFIGS,
  evaluateCondition,
  evaluateConditions,
  readPath,
  renderTemplate,
  renderDeep,
  templatePaths,
  definitionIssues,
  validateDefinition,
  nextCronRun,
  previousCronRun,
  successors,
  WORKFLOW_TEMPLATES,
  createWorkflowService,
  EXECUTIONS_QUEUED,
  insertExecution,
  ListWorkflowsQuery,
  ListExecutionsQuery,
  contactContext,
  createExecutionStore,
  createWorkflowTriggers,
  WORKFLOW_TRIGGER_CONSUMER,
  signWebhook,
  signedHeaders,
  verifyWebhook,
  recordWebhookReceipt,
  SIGNATURE_HEADER,
  TIMESTAMP_HEADER,
  WEBHOOK_TOLERANCE_SECONDS,
  assertPublicUrl,
  WorkflowsEnv,
  dryRunWorkflow,
  simulate,
  DryRunOptions,
  createWebhookSecretBox,
  generateWebhookSecret,
} from './workflows/index.ts';
export type {
  StepConfigOf,
  WorkflowDefinitionInput,
  ConditionContext,
  WorkflowTemplate,
  WorkflowService,
  NewExecution,
  ExecutionStore,
  ClaimedExecution,
  EffectState,
  AttemptRecord,
  StepEffect,
  WorkflowTriggers,
  DryRunReport,
  DryRunEntry,
  PlannedEffect,
  WebhookSecretBox,
  ActivationResult,
  WorkflowServiceOptions,
} from './workflows/index.ts';
export { WorkflowTriggerInfo, ListTriggersQuery } from './workflows/index.ts';
export { createMailboxTransport, createSmtpTransport, listMailbox, getMailboxMessage, mailboxAttachment, messageIdFor, ListMailboxQuery } from './mail/mail.transport.ts';
export type { MailTransport, OutgoingMail, MailboxMessage, MailAttachment } from './mail/mail.transport.ts';
// Insights and analytics (core/src/insights, core/src/analytics, core/src/sentiment).
export { createAnalyticsService, defaultRange } from './analytics/analytics.service.ts';
export type { AnalyticsService } from './analytics/analytics.service.ts';
export { Metric, DateRange, MetricsQuery, MetricGroup, METRIC_GROUPS, TrendDirection } from './analytics/analytics.schema.ts';
export type { MetricsResult, DailyPoint, SegmentRow } from './analytics/analytics.schema.ts';
export { analyticsScope } from './analytics/analytics.scope.ts';
export { analyticsStatements } from './analytics/analytics.sql.ts';
// BigQuery export of analytics facts (optional; the client loads only when BIGQUERY_DATASET is set)
export { createBigQueryExport } from './analytics/bigquery/bigquery-export.service.ts';
export type { BigQueryExport, ExportReport, ExportProgress, ExportWatermark, TenantExport } from './analytics/bigquery/bigquery-export.service.ts';
export { createBigQuerySink, BigQueryExportError } from './analytics/bigquery/bigquery.sink.ts';
export type { BigQuerySink, BigQuerySinkOptions, RejectedRow } from './analytics/bigquery/bigquery.sink.ts';
export { EXPORT_TABLES } from './analytics/bigquery/bigquery-export.tables.ts';
export type { BigQueryConfig } from './analytics/bigquery/bigquery.config.ts';
export { createInsightsService } from './insights/insights.service.ts';
export type { InsightsService, InsightsServiceDeps } from './insights/insights.service.ts';
export {
  AIInsight,
  InsightType,
  INSIGHT_TYPES,
  ImpactLevel,
  GenerateInsightsInput,
  GenerateInsightsOutput,
  TrendAnalysis,
  ActionableRecommendation,
  SeriesName,
  SERIES_NAMES,
  DetectAnomaliesInput,
  AnomaliesResult,
  ForecastInput,
  ForecastResult,
} from './insights/insight.schema.ts';
export type { Narrator } from './insights/insight.schema.ts';
export { dailyValues, SERIES_LABELS } from './insights/insight-series.ts';
export { StatsError, isStatsError, mannKendall, detectAnomalies, holtWinters, compareProportions, segmentUplift, mannWhitney } from './insights/stats/index.ts';
export { analyzeSentiment, createModelSentiment, createSentimentSubscriber, SENTIMENT_CONSUMER } from './sentiment/index.ts';
export type { SentimentModel, SentimentSubscriberDeps } from './sentiment/index.ts';
export { createJourneyService } from './insights/journey.service.ts';
export type { JourneyService } from './insights/journey.service.ts';
export { AnalyzeJourneyInput, AnalyzeJourneyOutput, JourneyStage } from './insights/journey.schema.ts';
export { createReportService, REPORT_TYPES, ReportType, ReportDefinition, ReportFilter, ReportSchedule, reportHtml, reportCsv, reportAttachments, reportNarrative, renderChart, chartPng, createReportScheduleService, nextReportRun, CreateReportScheduleInput, UpdateReportScheduleInput, REPORT_FORMATS } from './reports/index.ts';
export type { ReportScheduleService, ReportDelivery, ReportRunOutcome, StoredReportSchedule } from './reports/index.ts';
export type { ReportService, AnalyticsReport, Chart, ReportAttachment } from './reports/index.ts';
export { createSavedReportService, SaveReportInput, REPORT_RECIPIENT_ROLES } from './reports/index.ts';
export type { SavedReportService, SaveReportResult, SavedReport } from './reports/index.ts';
// Idempotency-Key of REST POSTs (migration 0130).
export { createIdempotencyService, requestFingerprint, IDEMPOTENCY_TTL_HOURS, IDEMPOTENCY_KEY_PATTERN } from './idempotency/idempotency.service.ts';
export type { IdempotencyService, IdempotencyStart, StoredResponse } from './idempotency/idempotency.service.ts';
export { CONTACT_SORT_FIELDS } from './contacts/contact.schema.ts';
// The approval queue (core/src/approvals): agent actions, workflow steps and activations waiting for a human.
export { createApprovalService } from './approvals/approval.service.ts';
export type { ApprovalService, ApprovalServiceOptions, AgentActionExecutor } from './approvals/approval.service.ts';
export {
  Approval,
  ApprovalKind,
  APPROVAL_KINDS,
  ApprovalStatus,
  APPROVAL_STATUSES,
  ApprovalRisk,
  ApprovalExecutionStatus,
  AgentAction,
  RequestApprovalInput,
  DecideApprovalInput,
  ListApprovalsQuery,
  DEFAULT_APPROVAL_TTL_HOURS,
} from './approvals/approval.schema.ts';
export { SendEmailInput, type SentEmail, type EmailService, type MailDelivery } from './mail/email.service.ts';
