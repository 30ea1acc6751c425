export {
  TRIGGER_TYPES,
  TRIGGER_EVENTS,
  TriggerType,
  STEP_TYPES,
  StepType,
  CONDITION_OPERATORS,
  ConditionOperator,
  Condition,
  CronSchedule,
  WorkflowTrigger,
  ErrorHandling,
  STEP_CONFIGS,
  WorkflowStep,
  WorkflowDefinition,
  CreateWorkflowInput,
  ExecutionStats,
  Workflow,
  EXECUTION_STATUSES,
  ExecutionStatus,
  ManualRunInput,
  StepAttempt,
  WorkflowExecution,
} from './workflow.schema.ts';
export type { StepConfigOf, WorkflowDefinitionInput } from './workflow.schema.ts';
export { evaluateCondition, evaluateConditions, readPath } from './workflow-conditions.ts';
export type { ConditionContext } from './workflow-conditions.ts';
export { renderTemplate, renderDeep, templatePaths } from './workflow-template.ts';
export { definitionIssues, validateDefinition, nextCronRun, previousCronRun, successors } from './workflow-validation.ts';
export { WORKFLOW_TEMPLATES } from './workflow-templates.ts';
export type { WorkflowTemplate } from './workflow-templates.ts';
export { createWorkflowService, EXECUTIONS_QUEUED, insertExecution, ListWorkflowsQuery, ListExecutionsQuery, ExecutionPageQuery } from './workflow.service.ts';
export type { WorkflowService, NewExecution, ActivationResult, WorkflowServiceOptions } from './workflow.service.ts';
export { createWebhookSecretBox, generateWebhookSecret } from './webhook-secret.ts';
export type { WebhookSecretBox } from './webhook-secret.ts';
export { contactContext } from './workflow.rows.ts';
export { createExecutionStore } from './execution.store.ts';
export type { ExecutionStore, ClaimedExecution, EffectState, AttemptRecord, StepEffect } from './execution.store.ts';
export { createWorkflowTriggers, WORKFLOW_TRIGGER_CONSUMER } from './workflow-triggers.ts';
export type { WorkflowTriggers } from './workflow-triggers.ts';
export { signWebhook, signedHeaders, verifyWebhook, recordWebhookReceipt, SIGNATURE_HEADER, TIMESTAMP_HEADER, WEBHOOK_TOLERANCE_SECONDS } from './webhook-signature.ts';
export { assertPublicUrl } from './ssrf-guard.ts';
export { WorkflowsEnv } from './workflows.config.ts';
export { createPgBossWaitTimers, createClaimLoopWaitTimers, WAIT_TIMER_QUEUE, WAIT_TIMER_SCHEMA } from './wait-timers.ts';
export type { WaitTimers, WaitTimerKind, WaitTimerOptions } from './wait-timers.ts';
export { dryRunWorkflow, simulate, DryRunOptions, DryRunResult } from './workflow-dry-run.ts';
export type { DryRunReport, DryRunEntry, PlannedEffect } from './workflow-dry-run.ts';
export { WorkflowTriggerInfo, ListTriggersQuery } from './workflow-trigger-list.ts';
