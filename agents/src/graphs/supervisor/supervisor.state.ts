import { Annotation, MessagesAnnotation } from '@langchain/langgraph';
import type { TurnPolicy } from '../../safety/turn-policy.ts';
import type { ResearchEvent } from '../research/research.state.ts';

/** Conversation state of the sales assistant; one checkpointed thread per conversation. */
export const SupervisorState = Annotation.Root({
  ...MessagesAnnotation.spec,
  /** The sub-agent working on the turn; undefined while the supervisor decides. */
  active: Annotation<string | undefined>(),
  /** Decided from the user's message when the turn starts, before any tool output exists. */
  policy: Annotation<TurnPolicy | undefined>(),
  /**
   * The contact the caller scoped this turn to (e.g. the contact page the rep is on); set with
   * every turn's input, null when none. Research then searches that contact's record and notes
   * plus the knowledge base, never another contact's notes.
   */
  contactId: Annotation<string | null | undefined>(),
});

export type SupervisorStateType = typeof SupervisorState.State;
export type SupervisorUpdate = typeof SupervisorState.Update;

/** What the graph streams besides tokens (stream mode "custom"). */
export type StepEvent =
  | { type: 'agent'; agent: string }
  | { type: 'tool_call'; agent: string; tool: string; args: Record<string, unknown> }
  | { type: 'tool_result'; agent: string; tool: string; ok: boolean; summary: string; sources: string[] }
  | { type: 'approval_required'; calls: PendingApproval[] }
  | { type: 'refused'; tool: string; reason: string }
  /** A step of the research (agentic RAG) graph: decide, rewrite, retrieve, grade, answer. */
  | ResearchEvent;

/** A tool call waiting for a human: exactly what would run, and why it waits. */
export interface PendingApproval {
  callId: string;
  tool: string;
  args: Record<string, unknown>;
  reason: string;
  /** Its request in the approval queue (list_approvals, `crm approvals`). */
  approvalId: string;
}

/** Decisions taken in the conversation, by tool call id; they are filed in the approval queue before the run resumes. */
export interface ApprovalDecisions {
  decisions: Record<string, 'approve' | 'reject'>;
  /** Recorded with each decision (a rejection needs one; default "decided in the conversation"). */
  reason?: string;
}
