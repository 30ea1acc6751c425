import { BaseCallbackHandler } from '@langchain/core/callbacks/base';
import { AsyncLocalStorageProviderSingleton } from '@langchain/core/singletons';
import { Annotation, Command, END, MemorySaver, START, StateGraph, getConfig, interrupt } from '@langchain/langgraph';
import { describe, expect, it } from 'vitest';
import { installLeanRunContext, leanRunContextAllowed } from './lean-run-context.ts';

const State = Annotation.Root({ log: Annotation<string[]>({ reducer: (a, b) => a.concat(b), default: () => [] }) });

/** A two-node graph whose nodes record what LangChain's async-local store holds for them. */
function graph(seen: unknown[]) {
  return new StateGraph(State)
    .addNode('ask', async () => {
      seen.push(AsyncLocalStorageProviderSingleton.getInstance().getStore());
      const answer = interrupt({ question: 'go?' }) as string;
      return { log: [`ask:${answer}:${(getConfig().configurable as { tag: string }).tag}`] };
    })
    .addNode('done', async () => ({ log: ['done'] }))
    .addEdge(START, 'ask')
    .addEdge('ask', 'done')
    .addEdge('done', END)
    .compile({ checkpointer: new MemorySaver() });
}

describe('lean LangChain run context (no LangSmith RunTree per node with tracing off)', () => {
  it('is on only when no LangSmith tracing switch is "true"', () => {
    expect(leanRunContextAllowed({})).toBe(true);
    expect(leanRunContextAllowed({ LANGSMITH_TRACING: 'false', LANGCHAIN_TRACING_V2: 'false' })).toBe(true);
    expect(leanRunContextAllowed({ LANGCHAIN_TRACING_V2: 'true' })).toBe(false);
    expect(leanRunContextAllowed({ LANGSMITH_TRACING: 'true' })).toBe(false);
  });

  it('keeps getConfig() and interrupt/resume working, with a plain object instead of a RunTree in the store', async () => {
    expect(installLeanRunContext({})).toBe(true);
    const seen: unknown[] = [];
    const g = graph(seen);
    const config = { configurable: { thread_id: 't1', tag: 'x' } };
    const first = (await g.invoke({}, config)) as Record<string, unknown>;
    expect(first.__interrupt__).toEqual([expect.objectContaining({ value: { question: 'go?' } })]);
    const out = await g.invoke(new Command({ resume: 'yes' }), config);
    expect(out.log).toEqual(['ask:yes:x', 'done']);
    // the node ran twice (before and after the interrupt); each time the store held only the config
    expect(seen).toHaveLength(2);
    for (const store of seen) {
      expect(store).not.toHaveProperty('start_time');
      expect(store).not.toHaveProperty('id');
      expect(Object.keys(store as object)).toEqual(['extra']);
    }
  });

  it('leaves calls with callback handlers to LangChain: handlers still see every node', async () => {
    expect(installLeanRunContext({})).toBe(true);
    const started: string[] = [];
    const handler = new (class extends BaseCallbackHandler {
      name = 'recorder';
      override handleChainStart(_chain: unknown, _inputs: unknown, _runId: string, _parent?: string, _tags?: string[], _meta?: unknown, _type?: string, name?: string) {
        if (name) started.push(name);
      }
    })();
    const seen: unknown[] = [];
    const g = graph(seen);
    const config = { configurable: { thread_id: 't2', tag: 'y' }, callbacks: [handler] };
    await g.invoke({}, config);
    const out = await g.invoke(new Command({ resume: 'ok' }), config);
    expect(out.log).toEqual(['ask:ok:y', 'done']);
    expect(started).toEqual(expect.arrayContaining(['ask', 'done']));
    // with a handler the store is LangChain's own RunTree, not the lean object
    expect(seen).toHaveLength(2);
    for (const store of seen) expect(store).toHaveProperty('start_time');
  });
});
