export { loadCoreConfig, CoreEnv, withoutEmpty } from './config/config.ts';
export type { CoreConfig, DatabaseConfig } from './config/config.ts';
export { createLogger, silentLogger } from './logger.ts';
export type { Logger } from './logger.ts';
export { AppError, ERROR_CODES, isAppError } from './errors/app-error.ts';
export type { ErrorCode, FieldIssue } from './errors/app-error.ts';
export { parseOrThrow, zodIssues } from './errors/zod-issues.ts';
export { openDatabase } from './db/database.ts';
export type { Database, EntityManager } from './db/database.ts';
export { inTenantTx } from './db/tenant-tx.ts';
export { createCrmCore } from './crm-core.ts';
export type { CrmCore } from './crm-core.ts';
export { ROLE_PERMISSIONS, authorize, can, grantOf } from './auth/rbac.ts';
export type { Permission, Grant } from './auth/rbac.ts';
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
export type { DuplicatePair } from './contacts/contact-merge.service.ts';
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
} from './interactions/interaction.schema.ts';
export { FollowUp, CreateFollowUpInput, ListFollowUpsQuery } from './follow-ups/follow-up.schema.ts';
export { User, Role, ROLES, CreateUserInput } from './users/user.schema.ts';
export type { Actor } from './users/user.schema.ts';
export { CreateTenantInput, hashApiKey } from './users/user.service.ts';
export type { AuditEntry } from './audit/audit.service.ts';
export { EVENT_TYPES } from './outbox/outbox.schema.ts';
export type { OutboxEvent, EventType } from './outbox/outbox.schema.ts';
export type { OutboxDispatcher, Subscription, EventHandler } from './outbox/outbox.dispatcher.ts';
export { createOutboxTail } from './outbox/outbox.tail.ts';
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
  createPineconeStore,
  PineconeStoreConfig,
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
