import type { BaseChatModel } from '@langchain/core/language_models/chat_models';
import { END, START, StateGraph, type LangGraphRunnableConfig } from '@langchain/langgraph';
import type { StepEvent } from '../supervisor/supervisor.state.ts';
import type { Toolset } from '../../tools/toolset.ts';
import { checkClaims, citationsOf, renderClaims } from './research.citations.ts';
import { lexicalStrategy } from './research.lexical.ts';
import { modelStrategy } from './research.model.ts';
import { extractContactRef } from '../../models/local-planner/entities.ts';
import { contactPassage, namedContact, withoutNames, type ContactRow } from './research.scope.ts';
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
 * says "I don't know". With a `contactId` the search is that contact's record (get_contact, cited
 * as crm://contacts/{id}) and interaction notes plus the knowledge base, never another contact's
 * notes. Read-only: no interrupts, no checkpointer of its own (`checkpointer: false`, so a parent
 * graph's saver never records it as a subgraph).
 */
export function createResearchGraph(deps: ResearchGraphDeps) {
  const strategy = deps.strategy ?? strategyFor(deps.model);
  const maxRequeries = deps.maxRequeries ?? 2;
  const k = deps.k ?? 5;
  const emit = (config: LangGraphRunnableConfig, e: ResearchEvent | StepEvent) => config.writer?.(e);

  /**
   * Unscoped, but the question names someone ("what did Dana ask about pricing?"): the contact the
   * user can see by exactly that name becomes the scope. Several or none: the question stays
   * unscoped (searches everyone's notes the user may read, as before).
   */
  async function namedScope(question: string, config: LangGraphRunnableConfig): Promise<string | undefined> {
    const name = extractContactRef(question);
    if (!name || name.includes('@') || !deps.toolset.info.has('search_contacts')) return undefined;
    // an acronym ("SEO", "PPC retainer") is a topic, not a person's name: no contact look-up
    if (name.split(/\s+/).every((w) => w === w.toUpperCase())) return undefined;
    const words = name.split(/\s+/);
    // core's search matches one field at a time: search by the last word, match on all of them
    const args = { search: words[words.length - 1], limit: 100 };
    emit(config, { type: 'tool_call', agent: 'research', tool: 'search_contacts', args });
    const result = await deps.toolset.call({ id: 'research_named', name: 'search_contacts', args });
    emit(config, { type: 'tool_result', agent: 'research', tool: 'search_contacts', ok: result.ok, summary: result.summary, sources: result.sources });
    const rows = (result.ok ? (result.data?.contacts as ContactRow[] | undefined) : undefined) ?? [];
    const { contact, matches } = namedContact(name, rows.filter((r) => typeof r?.id === 'string'));
    emit(config, { type: 'research', step: 'named', name, matches, ...(contact ? { contactId: contact.id } : {}) });
    return contact?.id;
  }

  /** With a contact scope: read the record first (a contact the user may not read ends the run here). */
  async function scope(state: ResearchStateType, config: LangGraphRunnableConfig): Promise<ResearchUpdate> {
    const id = state.contactId ?? (await namedScope(state.question, config));
    if (!id) return {};
    const args = { id };
    emit(config, { type: 'tool_call', agent: 'research', tool: 'get_contact', args });
    const result = await deps.toolset.call({ id: 'research_scope', name: 'get_contact', args });
    emit(config, { type: 'tool_result', agent: 'research', tool: 'get_contact', ok: result.ok, summary: result.summary, sources: result.sources });
    emit(config, { type: 'research', step: 'scope', contactId: id, ok: result.ok, summary: result.summary });
    if (!result.ok || !result.data) return { retrievalError: `could not read contact ${id}: ${result.summary}` };
    const topic = withoutNames(state.question, result.data);
    return { contactId: id, contact: contactPassage(id, result.data), topic: topic || undefined, retrievalError: undefined };
  }

  /** What the strategy judges by: the lexical one by the question without the scoped contact's names. */
  const asked = (s: ResearchStateType) => (strategy.name === 'lexical' && s.topic ? s.topic : s.question);

  async function decide(state: ResearchStateType, config: LangGraphRunnableConfig): Promise<ResearchUpdate> {
    const d = await strategy.decide(state.question, config);
    emit(config, { type: 'research', step: 'decide', retrieve: d.retrieve, reason: d.reason });
    return { needsRetrieval: d.retrieve };
  }

  async function rewrite(state: ResearchStateType, config: LangGraphRunnableConfig): Promise<ResearchUpdate> {
    const query = (await strategy.rewrite(asked(state), state.queries, config)).trim() || asked(state);
    emit(config, { type: 'research', step: 'rewrite', attempt: state.queries.length + 1, query });
    return { queries: [query] };
  }

  async function retrieve(state: ResearchStateType, config: LangGraphRunnableConfig): Promise<ResearchUpdate> {
    const attempt = state.queries.length;
    const query = state.queries[attempt - 1];
    const id = state.contactId;
    // scoped: the contact's own notes, then the documents (the search's contact filter leaves documents out)
    const searches: Record<string, unknown>[] = id ? [{ query, k, contactId: id, types: ['interaction'] }, { query, k, types: ['document'] }] : [{ query, k }];
    const retrieved: Passage[] = attempt === 1 && state.contact ? [state.contact] : [];
    const failed: string[] = [];
    const summaries: string[] = [];
    for (const [i, args] of searches.entries()) {
      emit(config, { type: 'tool_call', agent: 'research', tool: 'search_knowledge', args });
      const result = await deps.toolset.call({ id: `research_${attempt}${id ? `_${i + 1}` : ''}`, name: 'search_knowledge', args });
      emit(config, { type: 'tool_result', agent: 'research', tool: 'search_knowledge', ok: result.ok, summary: result.summary, sources: result.sources });
      summaries.push(result.summary);
      if (!result.ok) failed.push(result.summary);
      const rows = (result.ok ? (result.data?.results as Partial<Passage>[] | undefined) : undefined) ?? [];
      for (const r of rows) {
        if (typeof r.uri !== 'string' || typeof r.passage !== 'string') continue;
        const p: Passage = { uri: r.uri, title: r.title ?? '', heading: r.heading ?? '', passage: r.passage, kind: r.kind ?? 'document', source: r.source ?? null, contactId: r.contactId ?? null };
        // the runtime's own check on the scope: another contact's note is never evidence here
        if (id && p.kind !== 'document' && p.contactId !== id) continue;
        retrieved.push(p);
      }
    }
    const ok = failed.length < searches.length;
    const summary = summaries.join('; ');
    emit(config, { type: 'research', step: 'retrieve', attempt, query, ok, passages: retrieved.length, summary });
    return { retrieved, retrievalError: ok ? undefined : failed.join('; ') };
  }

  async function grade(state: ResearchStateType, config: LangGraphRunnableConfig): Promise<ResearchUpdate> {
    const query = state.queries[state.queries.length - 1];
    // a scoped retrieval is up to three rankings (record, notes, documents): each is graded as its own list
    const groups = state.contactId ? (['contact', 'interaction', 'document'] as const).map((kind) => state.retrieved.filter((p) => p.kind === kind)) : [state.retrieved];
    const graded: GradedPassage[] = [];
    for (const group of groups.filter((g) => g.length)) {
      const grades = await strategy.grade(asked(state), query, group, config);
      graded.push(...group.map((p, i) => ({ ...p, query, rank: i + 1, grade: grades[i]?.grade ?? 0, relevant: grades[i]?.relevant ?? false })));
    }
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
    const claims = relevant.length ? await strategy.answer(asked(state), relevant, config) : [];
    const { kept, dropped } = checkClaims(claims, relevant);
    let text: string;
    if (kept.length) text = renderClaims(kept, strategy.name === 'lexical');
    else if (state.contactId && !state.contact) text = `I could not search that contact's records (${state.retrievalError ?? 'no such contact'}), so I don't know.`;
    else if (!state.needsRetrieval) text = `${IDK}: there is nothing in this request I can look up in the knowledge base.`;
    else if (state.retrievalError && !relevant.length) text = `I could not search the knowledge base (${state.retrievalError}), so I don't know.`;
    else {
      const where = state.contact ? `nothing in ${state.contact.title.replace('Contact record: ', '')}'s record and notes or in the knowledge base answers this` : 'the knowledge base has nothing that answers this';
      text = `${IDK}: ${where} (searched for ${[...new Set(state.queries)].map((q) => `"${q}"`).join(', ')}).`;
    }
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
    .addNode('scope', scope)
    .addNode('decide', decide)
    .addNode('rewrite', rewrite)
    .addNode('retrieve', retrieve)
    .addNode('grade', grade)
    .addNode('answer', answer)
    .addEdge(START, 'scope')
    .addConditionalEdges('scope', (s) => (s.contactId && !s.contact ? 'answer' : 'decide'), ['decide', 'answer'])
    .addConditionalEdges('decide', (s) => (s.needsRetrieval ? 'rewrite' : 'answer'), ['rewrite', 'answer'])
    .addConditionalEdges('rewrite', afterRewrite, ['retrieve', 'answer'])
    .addEdge('retrieve', 'grade')
    .addConditionalEdges('grade', afterGrade, ['rewrite', 'answer'])
    .addEdge('answer', END)
    .compile({ checkpointer: false });
}

export type ResearchGraph = ReturnType<typeof createResearchGraph>;
