/**
 * The part of core that loads without the ORM or the database driver: errors, the logger, config,
 * the zod contracts (schemas, enums) and the few pure helpers the MCP servers' tool definitions use.
 * `crm mcp` answers the MCP handshake and the tool list from this alone (the database opens after);
 * `contracts.test.ts` fails when something here starts importing `@mikro-orm/*` or `pg`.
 * Everything here is also exported by the package index.
 */
export { AppError, isAppError } from './errors/app-error.ts';
export { grantOf, mayChangeTenantSettings, mayWriteKnowledge } from './auth/rbac.ts';
export { objectShapeAt, zodIssues } from './errors/zod-issues.ts';
export { SERVER_OWNED_FIELDS } from './errors/server-owned.ts';
export { describeIgnoredColumn, ImportReportSchema } from './imports/import.types.ts';
export { createLogger, silentLogger } from './logger.ts';
export { messageText } from './ai/message-text.ts';
export { loadConfig } from './config/crm-config.ts';
export { isPoolBusy, toDatabaseUnavailable } from './db/db-errors.ts';
export { settlesWithin } from './settles-within.ts';
export { METRIC_GROUPS, Metric } from './analytics/analytics.schema.ts';
export { AgentAction, Approval, ApprovalKind, ApprovalRisk, DecideApprovalInput, ListApprovalsQuery } from './approvals/approval.schema.ts';
export { CONTACT_STATUSES, Contact, ContactStatus, CreateContactInput, ListContactsQuery, UpdateContactInput } from './contacts/contact.schema.ts';
export { CreateFollowUpInput, FollowUp, ListFollowUpsQuery } from './follow-ups/follow-up.schema.ts';
export { INSIGHT_TYPES, SERIES_NAMES, AIInsight, ActionableRecommendation, TrendAnalysis, AnomaliesResult, ForecastResult } from './insights/insight.schema.ts';
export { JourneyStage } from './insights/journey.schema.ts';
export { CHANNELS, INTERACTION_TYPES, Interaction, InteractionType, ListInteractionsFilters, LogInteractionInput } from './interactions/interaction.schema.ts';
export { ROLES, Role } from './users/user.schema.ts';
export { SearchKnowledgeInput } from './knowledge/knowledge-api.schema.ts';
export { SendEmailInput } from './mail/email.schema.ts';
export { getMailboxMessage, listMailbox, mailboxAttachment } from './mail/mail.transport.ts';
export { createOutboxTail } from './outbox/outbox.tail.ts';
export { REPORT_FORMATS, StoredReportScheduleSchema } from './reports/report-schedule.schema.ts';
export { REPORT_TYPES, ReportFilter, ReportSchedule } from './reports/report.schema.ts';
export { reportHtml, reportNarrative } from './reports/report.render.ts';
export { ScoringFactor, WHAT_IF_ACTIONS, WhatIfScenario } from './scoring/scoring.schema.ts';
export { CONDITION_OPERATORS, STEP_TYPES, TRIGGER_TYPES, CreateWorkflowInput, ExecutionStatus, ManualRunInput, StepAttempt, Workflow, WorkflowDefinition, WorkflowExecution } from './workflows/workflow.schema.ts';
export { WORKFLOW_TEMPLATES } from './workflows/workflow-templates.ts';
export { DryRunResult } from './workflows/workflow-dry-run.schema.ts';
export { TenantSettings, UpdateTenantSettingsInput } from './tenants/tenant-settings.ts';
