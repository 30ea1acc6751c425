// Workflow runtime (agents/src/workflows): LangGraph-compiled executions, effects, worker.
export {
  createWorkflowWorker,
  compileWorkflow,
  StepFailedError,
  createWorkflowCheckpointer,
  CHECKPOINT_SCHEMA,
  STEP_RUNNERS,
  decideBranch,
  ruleDecision,
  createWorkflowRuntimeService,
  inProcessMcp,
} from './workflows/index.ts';
export type {
  WorkflowWorker,
  WorkflowWorkerDeps,
  CompiledWorkflow,
  RunContext,
  WorkflowCheckpointer,
  StepEffectsDeps,
  Decision,
  Service,
  WorkflowRuntimeDeps,
} from './workflows/index.ts';
export { inProcessMcpClientFactory } from './tools/mcp-client-factory.ts';
export type { McpClientFactory, InProcessClientOptions } from './tools/mcp-client-factory.ts';
export { loadToolset } from './tools/toolset.ts';
export type { Toolset, ToolInfo, ToolKind, ToolResult, ToolCallRequest } from './tools/toolset.ts';
export { provenanceOf } from './tools/provenance.ts';
export { LocalPlannerChatModel } from './models/local-planner/local-chat-model.ts';
export type { LocalPlannerParams } from './models/local-planner/local-chat-model.ts';
export { createSupervisorGraph } from './graphs/supervisor/supervisor.graph.ts';
export type { SupervisorGraph, SupervisorGraphDeps } from './graphs/supervisor/supervisor.graph.ts';
export type { StepEvent, PendingApproval, ApprovalDecisions } from './graphs/supervisor/supervisor.state.ts';
export { SUB_AGENTS, availableAgents } from './graphs/supervisor/sub-agents.ts';
export { trimHistory } from './graphs/history.ts';
export { turnPolicy, judgeCall } from './safety/turn-policy.ts';
export type { TurnPolicy, Verdict } from './safety/turn-policy.ts';
export { createAssistant, citationsIn } from './assistant/assistant.ts';
export { createCheckpointer, CONVERSATION_SCHEMA } from './checkpoint/checkpointer.ts';
export type { CheckpointerOptions } from './checkpoint/checkpointer.ts';
export type { Assistant, AssistantDeps, TurnResult, TurnHandlers, ToolCallRecord } from './assistant/assistant.ts';
export { runFollowUpAgent, isoWeek } from './background/follow-up.agent.ts';
export type { FollowUpAgentOptions, FollowUpAgentReport } from './background/follow-up.agent.ts';
export { runRescoringAgent } from './background/rescoring.agent.ts';
export type { RescoringAgentOptions, RescoringAgentReport } from './background/rescoring.agent.ts';
export { runDigestAgent, digestText } from './background/digest.agent.ts';
export type { DigestAgentOptions, DigestAgentReport, DigestFigures } from './background/digest.agent.ts';
export { createResearchGraph, strategyFor } from './graphs/research/research.graph.ts';
export type { ResearchGraph, ResearchGraphDeps } from './graphs/research/research.graph.ts';
export { lexicalStrategy, LEXICAL_GRADE_THRESHOLD, LEXICAL_TOP_RANK_BONUS } from './graphs/research/research.lexical.ts';
export type { LexicalOptions } from './graphs/research/research.lexical.ts';
export { modelStrategy } from './graphs/research/research.model.ts';
export type { ResearchStrategy } from './graphs/research/research.strategy.ts';
export type { Claim, GradedPassage, Passage, ResearchEvent } from './graphs/research/research.state.ts';
