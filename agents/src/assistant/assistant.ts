import { AppError, messageText, type Actor, type Logger } from '@crm/core';
import type { BaseChatModel } from '@langchain/core/language_models/chat_models';
import { AIMessage, AIMessageChunk, HumanMessage, type BaseMessage } from '@langchain/core/messages';
import { Command, MemorySaver, type BaseCheckpointSaver } from '@langchain/langgraph';
import { createSupervisorGraph } from '../graphs/supervisor/supervisor.graph.ts';
import type { ApprovalDecisions, PendingApproval, StepEvent } from '../graphs/supervisor/supervisor.state.ts';
import type { McpClientFactory } from '../tools/mcp-client-factory.ts';
import { loadToolset } from '../tools/toolset.ts';
import { LocalPlannerChatModel } from '../models/local-planner/local-chat-model.ts';
import { parseToolError } from '@crm/mcp-servers';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export interface AssistantDeps {
  model: BaseChatModel;
  mcpClientFactory: McpClientFactory;
  /**
   * Durable threads (PostgresSaver), or a function that opens it on first use (its set-up is a
   * database round trip a process that never chats should not pay); without one, conversations
   * live as long as the process.
   */
  checkpointer?: BaseCheckpointSaver | (() => Promise<BaseCheckpointSaver>);
  timeZone?: string;
  /**
   * The acting user's tenant's time zone (tenants.time_zone), read per turn; wins over `timeZone`.
   * The offline planner reads "yesterday", "last week" and "tomorrow at 3pm" in it.
   */
  timeZoneOf?: (actor: Actor) => Promise<string>;
  now?: () => Date;
  logger?: Logger;
  /** Upper bound on graph steps per turn (each model call or tool batch is one). */
  maxSteps?: number;
}

export interface TurnHandlers {
  /** Tokens of the final answer as they are produced. */
  onToken?(token: string): void;
  /** Which agent, which tool, its result summary, approvals. */
  onEvent?(event: StepEvent): void;
}

export interface ToolCallRecord {
  tool: string;
  args: Record<string, unknown>;
  ok: boolean;
  summary: string;
}

export interface TurnResult {
  threadId: string;
  answer: string;
  /** crm:// URIs the answer cites, in order of first mention. */
  citations: string[];
  toolCalls: ToolCallRecord[];
  /** The turn's step events in order (agents, tool calls, research steps: rewrite, retrieve, grade, answer). */
  steps: StepEvent[];
  /** Set when the turn paused for a human: resume with `decide`. */
  pendingApprovals?: PendingApproval[];
  offline: boolean;
}

/**
 * The programmatic chat API (terminal, WebSocket, REST): one turn at a time on a thread that
 * belongs to the acting user. Every turn connects to the MCP servers as that user, so the tools'
 * permissions are the assistant's permissions.
 */
export function createAssistant(deps: AssistantDeps) {
  // Namespaced by tenant and user: another user's thread id names a different, empty thread.
  const threadKey = (actor: Actor, threadId: string) => `${actor.tenantId}:${actor.userId}:${threadId}`;
  // Without a durable saver a conversation still needs one to pause for approval; it lives as long as the process.
  let saver: Promise<BaseCheckpointSaver> | undefined;
  const checkpointerOf = (): Promise<BaseCheckpointSaver> => {
    const given = deps.checkpointer;
    saver ??= typeof given === 'function' ? given() : Promise.resolve(given ?? new MemorySaver());
    // a failed open is retried by the next turn instead of failing every later one
    saver.catch(() => (saver = undefined));
    return saver;
  };

  async function run(actor: Actor, threadId: string, input: unknown, handlers: TurnHandlers): Promise<TurnResult> {
    const client = await deps.mcpClientFactory(actor);
    try {
      const toolset = await loadToolset(client);
      const checkpointer = await checkpointerOf();
      const timeZone = (await deps.timeZoneOf?.(actor)) ?? deps.timeZone;
      // the offline planner is one instance for every tenant: each turn gets it in the caller's zone
      const model = timeZone && deps.model instanceof LocalPlannerChatModel ? deps.model.inTimeZone(timeZone) : deps.model;
      const graph = createSupervisorGraph({ model, toolset, checkpointer, ...(timeZone ? { timeZone } : {}), ...(deps.now ? { now: deps.now } : {}) });
      // tenantId: a remote provider accounts the turn's model calls to the tenant's token budget
      const config = { configurable: { thread_id: threadKey(actor, threadId), tenantId: actor.tenantId }, recursionLimit: deps.maxSteps ?? 40 };
      const toolCalls: ToolCallRecord[] = [];
      const steps: StepEvent[] = [];
      const pendingArgs = new Map<string, Record<string, unknown>>();
      const stream = await graph.stream(input as never, { ...config, streamMode: ['messages', 'custom'] });
      for await (const [mode, chunk] of stream as AsyncIterable<[string, unknown]>) {
        if (mode === 'custom') {
          const event = chunk as StepEvent;
          steps.push(event);
          if (event.type === 'tool_call') pendingArgs.set(event.tool, event.args);
          if (event.type === 'tool_result') toolCalls.push({ tool: event.tool, args: pendingArgs.get(event.tool) ?? {}, ok: event.ok, summary: event.summary });
          handlers.onEvent?.(event);
        } else if (mode === 'messages') {
          const [message, meta] = chunk as [BaseMessage, { langgraph_node?: string }];
          if (meta.langgraph_node === 'supervisor' && AIMessageChunk.isInstance(message) && typeof message.content === 'string' && message.content) handlers.onToken?.(message.content);
        }
      }
      const state = await graph.getState(config);
      const interrupts = state.tasks.flatMap((t) => t.interrupts);
      const pendingApprovals = interrupts.flatMap((i) => (i.value as { approvals?: PendingApproval[] }).approvals ?? []);
      const last = [...(state.values.messages as BaseMessage[])].reverse().find((m) => AIMessage.isInstance(m) && !m.tool_calls?.length) as AIMessage | undefined;
      const answer = pendingApprovals.length
        ? `Waiting for approval: ${pendingApprovals.map((p) => `${p.tool} (${p.reason}) — approval ${p.approvalId}`).join('; ')}. Approve or reject here, with \`crm approvals approve|reject ID\`, or the decide_approval tool; it runs once, as you, when approved.`
        : messageText(last?.content);
      return {
        threadId,
        answer,
        citations: citationsIn(answer),
        toolCalls,
        steps,
        ...(pendingApprovals.length ? { pendingApprovals } : {}),
        offline: last?.response_metadata?.offline === true,
      };
    } finally {
      await client.close().catch(() => {});
    }
  }

  return {
    /**
     * One user message on a thread; resolves when the turn answers or pauses for approval. A turn
     * still paused is settled first from the approval queue (decided elsewhere, or still waiting).
     * `contactId` scopes the turn's research to that contact's record and notes plus the knowledge base.
     */
    async chat(actor: Actor, input: { threadId: string; message: string; contactId?: string }, handlers: TurnHandlers = {}): Promise<TurnResult> {
      if (!input.message.trim()) throw AppError.validation([{ path: 'message', reason: 'must not be empty' }]);
      if (input.contactId !== undefined && !UUID.test(input.contactId)) throw AppError.validation([{ path: 'contactId', reason: 'must be a contact id (UUID)' }]);
      const waiting = await pending(actor, input.threadId);
      if (waiting.length) {
        // "Approve or reject here": a bare yes/no typed on the paused thread is that decision (it
        // was planned as a new request, "not recognised", and the thread's pause was dropped)
        const decision = decisionWord(input.message);
        if (decision) {
          const decisions = Object.fromEntries(waiting.map((p) => [p.callId, decision]));
          return this.decide(actor, { threadId: input.threadId, decisions, reason: `${decision === 'approve' ? 'approved' : 'rejected'} in the conversation: "${input.message.trim().slice(0, 200)}"` }, handlers);
        }
        await run(actor, input.threadId, new Command({ resume: 'from-queue' }), {});
      }
      return run(actor, input.threadId, { messages: [new HumanMessage(input.message)], contactId: input.contactId ?? null }, handlers);
    },
    /**
     * Decide the calls a paused turn waits for — each decision goes to the approval queue, where an
     * approved call runs once, as this user — then resume the turn, which reads the outcomes. A
     * thread with nothing waiting is a CONFLICT.
     */
    async decide(actor: Actor, input: { threadId: string } & ApprovalDecisions, handlers: TurnHandlers = {}): Promise<TurnResult> {
      const waiting = await pending(actor, input.threadId);
      if (!waiting.length) throw new AppError('CONFLICT', 'Nothing on this conversation is waiting for approval (already decided?)');
      const client = await deps.mcpClientFactory(actor);
      try {
        for (const p of waiting) {
          const decision = input.decisions[p.callId];
          if (!decision) continue;
          const res = (await client.callTool({
            name: 'decide_approval',
            arguments: { id: p.approvalId, decision, reason: input.reason ?? `${decision === 'approve' ? 'approved' : 'rejected'} in the conversation` },
          })) as CallToolResult;
          const error = parseToolError(res);
          // decided elsewhere in the meantime: the resumed turn reads that decision from the queue
          if (error && error.code !== 'CONFLICT') throw new AppError(error.code, error.message, { details: error.details });
        }
      } finally {
        await client.close().catch(() => {});
      }
      return run(actor, input.threadId, new Command({ resume: 'from-queue' }), handlers);
    },
    /** The approvals a thread waits for. */
    pending,
  };

  async function pending(actor: Actor, threadId: string): Promise<PendingApproval[]> {
      const client = await deps.mcpClientFactory(actor);
      try {
        const graph = createSupervisorGraph({ model: deps.model, toolset: await loadToolset(client), checkpointer: await checkpointerOf() });
        const state = await graph.getState({ configurable: { thread_id: threadKey(actor, threadId) } });
        return state.tasks.flatMap((t) => t.interrupts).flatMap((i) => (i.value as { approvals?: PendingApproval[] }).approvals ?? []);
      } finally {
        await client.close().catch(() => {});
      }
  }
}

/** A short yes/no reply to "approve or reject?": the decision, or undefined for anything else. */
export function decisionWord(message: string): 'approve' | 'reject' | undefined {
  const text = message.trim().toLowerCase();
  if (text.length > 40) return undefined;
  if (/^(y|yes|yep|yeah|ok|okay|sure|approved?|go ahead|do it|confirm(ed)?)\b[\s,.!]*(please|approve( it)?|go ahead|do it)?[\s.!]*$/.test(text)) return 'approve';
  if (/^(n|no|nope|reject(ed)?|deny|denied|cancel|don'?t|do not|stop)\b[\s,.!]*(thanks|reject( it)?|don'?t|cancel( it)?)?[\s.!]*$/.test(text)) return 'reject';
  return undefined;
}

export type Assistant = ReturnType<typeof createAssistant>;

export function citationsIn(text: string): string[] {
  return [...new Set(text.match(/crm:\/\/[a-z]+\/[\w-]+(\/[\w-]+)?/g) ?? [])];
}

