export { loadCoreConfig, CoreEnv } from './config/config.ts';
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
export type { ImportReport, ImportOptions } from './imports/import.types.ts';
export { seedDemoTenant, demoApiKey } from './demo/seed-demo.ts';
export type { SeededDemo } from './demo/seed-demo.ts';
export { generateDemoTenant, summariseDemoTenant, POST_SALE_TAG } from './demo/demo-generator.ts';
export type { DemoTenant, DemoContact, DemoInteraction, DemoTenantSummary } from './demo/demo-generator.ts';
