import { AIMessage, ToolMessage, type BaseMessage } from '@langchain/core/messages';
import { messageText } from '@crm/core/contracts';
import type { ToolResult } from '../../tools/toolset.ts';

/** The pending question of a previous turn: which of these contacts did you mean? */
export interface PendingChoice {
  request: string;
  candidates: CandidateContact[];
}

export interface CandidateContact {
  id: string;
  firstName: string;
  lastName: string;
  email: string;
  company?: string | null;
  status?: string;
  leadScore?: number | null;
}

/** What the planner needs from a conversation: the user's last words and what happened since. */
export interface TurnView {
  human: string;
  /** Index of the human message: part of every tool-call id, so ids are unique per thread. */
  index: number;
  results: Map<string, ToolResult>;
  /** Final answers of sub-agents in this turn (supervisor mode). */
  answers: string[];
  /** Sub-agents already handed this turn. */
  transferred: Set<string>;
  /** The sub-agent this turn was last handed to: the one now running. */
  currentAgent?: string;
  pending?: PendingChoice;
  /** The approval ids the conversation's latest approval list showed, in its order. */
  listedApprovals?: string[];
  /** The contacts the conversation's latest contact list showed (hot leads), in its order: "mark the first one …". */
  listedContacts?: CandidateContact[];
}

export function readTurn(messages: readonly BaseMessage[]): TurnView {
  let index = -1;
  for (let i = messages.length - 1; i >= 0; i--) {
    if (messages[i].getType() === 'human') {
      index = i;
      break;
    }
  }
  const human = index >= 0 ? messageText(messages[index].content) : '';
  const results = new Map<string, ToolResult>();
  const answers: string[] = [];
  const transferred = new Set<string>();
  let currentAgent: string | undefined;
  for (const m of messages.slice(index + 1)) {
    if (ToolMessage.isInstance(m)) {
      if (m.name?.startsWith('transfer_to_')) {
        currentAgent = m.name.slice('transfer_to_'.length);
        transferred.add(currentAgent);
      }
      results.set(m.tool_call_id, resultOf(m));
    } else if (AIMessage.isInstance(m) && !m.tool_calls?.length && m.name) {
      answers.push(messageText(m.content));
    }
  }
  // The question may have been asked by a sub-agent earlier in the previous turn, not by its last message.
  let pending: PendingChoice | undefined;
  for (let i = index - 1; i >= 0 && messages[i].getType() !== 'human' && !pending; i--) {
    const m = messages[i];
    if (AIMessage.isInstance(m)) pending = m.additional_kwargs?.pending_choice as PendingChoice | undefined;
  }
  // "approve the first one" refers to the latest list of approvals shown in this conversation, however many turns ago
  let listedApprovals: string[] | undefined;
  for (let i = index - 1; i >= 0 && !listedApprovals; i--) {
    const m = messages[i];
    if (AIMessage.isInstance(m) && Array.isArray(m.additional_kwargs?.listed_approvals)) listedApprovals = m.additional_kwargs.listed_approvals as string[];
  }
  let listedContacts: CandidateContact[] | undefined;
  for (let i = index - 1; i >= 0 && !listedContacts; i--) {
    const m = messages[i];
    if (AIMessage.isInstance(m) && Array.isArray(m.additional_kwargs?.listed_contacts)) listedContacts = m.additional_kwargs.listed_contacts as CandidateContact[];
  }
  return {
    human,
    index,
    results,
    answers,
    transferred,
    ...(currentAgent ? { currentAgent } : {}),
    ...(pending ? { pending } : {}),
    ...(listedApprovals ? { listedApprovals } : {}),
    ...(listedContacts ? { listedContacts } : {}),
  };
}

/** The graph's tool node puts the ToolResult in the artifact; a plain ToolMessage carries summary + JSON. */
function resultOf(m: ToolMessage): ToolResult {
  const artifact = m.artifact as ToolResult | undefined;
  if (artifact && typeof artifact === 'object' && 'ok' in artifact) return artifact;
  const text = messageText(m.content);
  const json = text.slice(text.indexOf('\n') + 1);
  let data: Record<string, unknown> | undefined;
  try {
    data = JSON.parse(json) as Record<string, unknown>;
  } catch {
    data = undefined;
  }
  const ok = m.status !== 'error';
  return { callId: m.tool_call_id, name: m.name ?? '', ok, summary: text.split('\n')[0], ...(data ? { data } : {}), sources: [] };
}

