import { readFileSync } from 'node:fs';
import type { BaseChatModel } from '@langchain/core/language_models/chat_models';
import { AIMessage, HumanMessage, SystemMessage, ToolMessage } from '@langchain/core/messages';
import { END, START, StateGraph, type BaseCheckpointSaver, type LangGraphRunnableConfig } from '@langchain/langgraph';
import { turnPolicy } from '../../safety/turn-policy.ts';
import type { Toolset } from '../../tools/toolset.ts';
import { trimHistory } from '../history.ts';
import { createResearchGraph } from '../research/research.graph.ts';
import type { ResearchStrategy } from '../research/research.strategy.ts';
import { makeActNode } from './act.node.ts';
import { availableAgents, handoffTools } from './sub-agents.ts';
import { SupervisorState, type StepEvent, type SupervisorStateType, type SupervisorUpdate } from './supervisor.state.ts';

const prompt = (file: string) => readFileSync(new URL(`./prompts/${file}`, import.meta.url), 'utf8');
const SUPERVISOR_PROMPT = prompt('supervisor.md');
const AGENT_PROMPT = prompt('agent.md');

export interface SupervisorGraphDeps {
  model: BaseChatModel;
  toolset: Toolset;
  checkpointer?: BaseCheckpointSaver;
  /** For the turn policy's relative dates; default Europe/London. */
  timeZone?: string;
  now?: () => Date;
  /** Messages a model sees at most (cut at turn boundaries). */
  historyLimit?: number;
  /** The research sub-agent's judgements (default: deterministic for `local`, prompted otherwise) and re-query bound. */
  research?: { strategy?: ResearchStrategy; maxRequeries?: number };
}

/**
 * The sales assistant: a supervisor routes each turn to sub-agents (crm, scoring, research, and
 * insights/workflows when their servers exist), whose tool calls pass the safety policy in `act`,
 * then composes the answer. The research agent is the agentic-RAG graph, run inside one node: it is
 * read-only (no interrupt, no checkpointer of its own), so every approval interrupt stays in `act`
 * of this graph and resumes in place.
 */
export function createSupervisorGraph(deps: SupervisorGraphDeps) {
  const { model, toolset } = deps;
  const agents = availableAgents(new Set(toolset.info.keys()));
  const toolsByAgent = new Map(agents.map((a) => [a.name, toolset.tools.filter((t) => a.tools.includes(t.name))]));
  const history = (s: SupervisorStateType) => trimHistory(s.messages, deps.historyLimit ?? 60);
  const researchGraph = toolset.info.has('search_knowledge')
    ? createResearchGraph({ toolset, model, ...(deps.research?.strategy ? { strategy: deps.research.strategy } : {}), ...(deps.research?.maxRequeries !== undefined ? { maxRequeries: deps.research.maxRequeries } : {}) })
    : undefined;

  async function startTurn(state: SupervisorStateType): Promise<SupervisorUpdate> {
    const human = [...state.messages].reverse().find(HumanMessage.isInstance);
    const request = typeof human?.content === 'string' ? human.content : '';
    return { policy: turnPolicy(request, (deps.now ?? (() => new Date()))(), deps.timeZone ?? 'Europe/London'), active: undefined };
  }

  async function supervisor(state: SupervisorStateType, config: LangGraphRunnableConfig): Promise<SupervisorUpdate> {
    const bound = model.bindTools!(handoffTools(agents));
    const reply = (await bound.invoke([new SystemMessage(SUPERVISOR_PROMPT), ...history(state)], config)) as AIMessage;
    // Only the first handoff is taken: one agent at a time keeps every tool call answered.
    const first = reply.tool_calls?.[0];
    const message = first ? new AIMessage({ content: reply.content, tool_calls: [first], id: reply.id, response_metadata: reply.response_metadata }) : reply;
    return { messages: [message], active: undefined };
  }

  async function handoff(state: SupervisorStateType, config: LangGraphRunnableConfig): Promise<SupervisorUpdate> {
    const call = (state.messages[state.messages.length - 1] as AIMessage).tool_calls![0];
    const agent = call.name.slice('transfer_to_'.length);
    const known = toolsByAgent.has(agent);
    config.writer?.({ type: 'agent', agent } satisfies StepEvent);
    const note = known ? `Handed to the ${agent} agent.` : `There is no ${agent} agent.`;
    return { messages: [new ToolMessage({ tool_call_id: call.id ?? '', name: call.name, content: note, status: known ? 'success' : 'error' })], active: known ? agent : undefined };
  }

  async function agent(state: SupervisorStateType, config: LangGraphRunnableConfig): Promise<SupervisorUpdate> {
    const name = state.active!;
    const bound = model.bindTools!(toolsByAgent.get(name)!);
    const reply = (await bound.invoke([new SystemMessage(AGENT_PROMPT.replace('{agent}', name)), ...history(state)], config)) as AIMessage;
    reply.name = name;
    return { messages: [reply] };
  }

  /** The research sub-agent: the question the supervisor handed over, answered by the research graph. */
  async function research(state: SupervisorStateType, config: LangGraphRunnableConfig): Promise<SupervisorUpdate> {
    const handoffCall = [...state.messages].reverse().find((m): m is AIMessage => AIMessage.isInstance(m) && !!m.tool_calls?.some((c) => c.name === 'transfer_to_research'));
    const asked = handoffCall?.tool_calls?.find((c) => c.name === 'transfer_to_research')?.args.request;
    const human = [...state.messages].reverse().find(HumanMessage.isInstance);
    const question = typeof asked === 'string' && asked.trim() ? asked : typeof human?.content === 'string' ? human.content : '';
    // the caller's scope wins over one the model chose: a turn scoped to a contact stays on that contact
    const handedScope = handoffCall?.tool_calls?.find((c) => c.name === 'transfer_to_research')?.args.contactId;
    const contactId = state.contactId ?? (typeof handedScope === 'string' && handedScope ? handedScope : undefined);
    // Its events reach this stream through our writer; its model calls are not this graph's tokens.
    const out = await researchGraph!.invoke({ question, ...(contactId ? { contactId } : {}) }, { writer: config.writer, callbacks: config.callbacks, signal: config.signal } as LangGraphRunnableConfig);
    const reply = new AIMessage({ content: out.reply, name: 'research', additional_kwargs: { research: { known: out.known, citations: out.citations, queries: out.queries } } });
    return { messages: [reply], active: undefined };
  }

  const lastAi = (s: SupervisorStateType) => s.messages[s.messages.length - 1] as AIMessage;
  return new StateGraph(SupervisorState)
    .addNode('start_turn', startTurn)
    .addNode('supervisor', supervisor)
    .addNode('handoff', handoff)
    .addNode('agent', agent)
    .addNode('act', makeActNode(toolset))
    .addNode('research', research)
    .addEdge(START, 'start_turn')
    .addEdge('start_turn', 'supervisor')
    .addConditionalEdges('supervisor', (s) => (lastAi(s).tool_calls?.length ? 'handoff' : END), ['handoff', END])
    .addConditionalEdges('handoff', (s) => (s.active === 'research' && researchGraph ? 'research' : s.active ? 'agent' : 'supervisor'), ['research', 'agent', 'supervisor'])
    .addEdge('research', 'supervisor')
    .addConditionalEdges('agent', (s) => (lastAi(s).tool_calls?.length ? 'act' : 'supervisor'), ['act', 'supervisor'])
    .addEdge('act', 'agent')
    .compile(deps.checkpointer ? { checkpointer: deps.checkpointer } : {});
}

export type SupervisorGraph = ReturnType<typeof createSupervisorGraph>;
