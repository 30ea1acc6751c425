import type { BaseChatModel } from '@langchain/core/language_models/chat_models';
import { END, START, StateGraph, type LangGraphRunnableConfig } from '@langchain/langgraph';
import type { StepEvent } from '../supervisor/supervisor.state.ts';
import type { Toolset } from '../../tools/toolset.ts';
import { checkClaims, citationsOf, renderClaims } from './research.citations.ts';
import { lexicalStrategy } from './research.lexical.ts';
import { modelStrategy } from './research.model.ts';
import type { ResearchStrategy } from './research.strategy.ts';
import { ResearchState, type GradedPassage, type Passage, type ResearchEvent, type ResearchStateType, type ResearchUpdate } from './research.state.ts';

export interface ResearchGraphDeps {
  toolset: Toolset;
  /** Judges each step; default: `strategyFor(model)`. */
  strategy?: ResearchStrategy;
  model?: BaseChatModel;
  /** Retrievals after the first one when nothing relevant came back; default 2. */
  maxRequeries?: number;
  /** Passages per retrieval; default 5. */
  k?: number;
}

/** The offline planner is no language model: it gets the deterministic strategy; every other chat model the prompted one. */
export function strategyFor(model: BaseChatModel | undefined): ResearchStrategy {
  return !model || model._llmType() === 'local-planner' ? lexicalStrategy() : modelStrategy(model);
}

export const IDK = "I don't know";

/**
 * Agentic RAG over the MCP `search_knowledge` tool (hybrid full-text + vector retrieval): decide
 * whether to retrieve → rewrite the question into a query → retrieve → grade each passage → answer
 * from the relevant ones, or rewrite and retrieve again (bounded) when none is. The answer's claims
 * each cite a retrieved passage and carry only numbers that passage states; without evidence it
 * says "I don't know". Read-only: no interrupts, no checkpointer of its own (`checkpointer: false`,
 * so a parent graph's saver never records it as a subgraph).
 */
export function createResearchGraph(deps: ResearchGraphDeps) {
  const strategy = deps.strategy ?? strategyFor(deps.model);
  const maxRequeries = deps.maxRequeries ?? 2;
  const k = deps.k ?? 5;
  const emit = (config: LangGraphRunnableConfig, e: ResearchEvent | StepEvent) => config.writer?.(e);

  async function decide(state: ResearchStateType, config: LangGraphRunnableConfig): Promise<ResearchUpdate> {
    const d = await strategy.decide(state.question, config);
    emit(config, { type: 'research', step: 'decide', retrieve: d.retrieve, reason: d.reason });
    return { needsRetrieval: d.retrieve };
  }

  async function rewrite(state: ResearchStateType, config: LangGraphRunnableConfig): Promise<ResearchUpdate> {
    const query = (await strategy.rewrite(state.question, state.queries, config)).trim() || state.question;
    emit(config, { type: 'research', step: 'rewrite', attempt: state.queries.length + 1, query });
    return { queries: [query] };
  }

  async function retrieve(state: ResearchStateType, config: LangGraphRunnableConfig): Promise<ResearchUpdate> {
    const attempt = state.queries.length;
    const query = state.queries[attempt - 1];
    const args = { query, k };
    emit(config, { type: 'tool_call', agent: 'research', tool: 'search_knowledge', args });
    const result = await deps.toolset.call({ id: `research_${attempt}`, name: 'search_knowledge', args });
    emit(config, { type: 'tool_result', agent: 'research', tool: 'search_knowledge', ok: result.ok, summary: result.summary, sources: result.sources });
    const rows = (result.ok ? (result.data?.results as Partial<Passage>[] | undefined) : undefined) ?? [];
    const retrieved: Passage[] = rows
      .filter((r) => typeof r.uri === 'string' && typeof r.passage === 'string')
      .map((r) => ({ uri: r.uri!, title: r.title ?? '', heading: r.heading ?? '', passage: r.passage!, kind: r.kind ?? 'document', source: r.source ?? null, contactId: r.contactId ?? null }));
    emit(config, { type: 'research', step: 'retrieve', attempt, query, ok: result.ok, passages: retrieved.length, summary: result.summary });
    return { retrieved, retrievalError: result.ok ? undefined : result.summary };
  }

  async function grade(state: ResearchStateType, config: LangGraphRunnableConfig): Promise<ResearchUpdate> {
    const query = state.queries[state.queries.length - 1];
    const grades = await strategy.grade(state.question, query, state.retrieved, config);
    const graded: GradedPassage[] = state.retrieved.map((p, i) => ({ ...p, query, rank: i + 1, grade: grades[i]?.grade ?? 0, relevant: grades[i]?.relevant ?? false }));
    const relevant = graded.filter((g) => g.relevant);
    emit(config, { type: 'research', step: 'grade', attempt: state.queries.length, relevant: relevant.length, graded: graded.length, sources: [...new Set(relevant.map((g) => g.uri))] });
    return { graded };
  }

  async function answer(state: ResearchStateType, config: LangGraphRunnableConfig): Promise<ResearchUpdate> {
    // the best grade of each passage over all attempts, best first
    const best = new Map<string, GradedPassage>();
    for (const g of state.graded.filter((p) => p.relevant)) {
      const key = `${g.uri}\u0000${g.passage}`;
      if ((best.get(key)?.grade ?? -1) < g.grade) best.set(key, g);
    }
    // in retrieval order: the hybrid ranking already weighs meaning the grader cannot see
    const relevant = [...best.values()].sort((a, b) => a.rank - b.rank || b.grade - a.grade);
    const claims = relevant.length ? await strategy.answer(state.question, relevant, config) : [];
    const { kept, dropped } = checkClaims(claims, relevant);
    let text: string;
    if (kept.length) text = renderClaims(kept, strategy.name === 'lexical');
    else if (!state.needsRetrieval) text = `${IDK}: there is nothing in this request I can look up in the knowledge base.`;
    else if (state.retrievalError && !relevant.length) text = `I could not search the knowledge base (${state.retrievalError}), so I don't know.`;
    else text = `${IDK}: the knowledge base has nothing that answers this (searched for ${[...new Set(state.queries)].map((q) => `"${q}"`).join(', ')}).`;
    const citations = citationsOf(kept);
    emit(config, { type: 'research', step: 'answer', known: kept.length > 0, citations, dropped: dropped.length });
    return { reply: text, claims: kept, known: kept.length > 0, citations };
  }

  const afterGrade = (s: ResearchStateType) => {
    if (s.retrievalError) return 'answer';
    const latest = s.graded.slice(-s.retrieved.length || s.graded.length);
    if (s.retrieved.length && latest.some((g) => g.relevant)) return 'answer';
    return s.queries.length <= maxRequeries ? 'rewrite' : 'answer';
  };
  // a rewrite that repeats a query already run would only fetch the same passages again
  const afterRewrite = (s: ResearchStateType) => (s.queries.indexOf(s.queries[s.queries.length - 1]) < s.queries.length - 1 ? 'answer' : 'retrieve');

  return new StateGraph(ResearchState)
    .addNode('decide', decide)
    .addNode('rewrite', rewrite)
    .addNode('retrieve', retrieve)
    .addNode('grade', grade)
    .addNode('answer', answer)
    .addEdge(START, 'decide')
    .addConditionalEdges('decide', (s) => (s.needsRetrieval ? 'rewrite' : 'answer'), ['rewrite', 'answer'])
    .addConditionalEdges('rewrite', afterRewrite, ['retrieve', 'answer'])
    .addEdge('retrieve', 'grade')
    .addConditionalEdges('grade', afterGrade, ['rewrite', 'answer'])
    .addEdge('answer', END)
    .compile({ checkpointer: false });
}

export type ResearchGraph = ReturnType<typeof createResearchGraph>;
