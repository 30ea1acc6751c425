import { AsyncLocalStorage } from 'node:async_hooks';
import type { CallbackManagerForLLMRun, Callbacks } from '@langchain/core/callbacks/manager';
import type { BaseLanguageModelInput } from '@langchain/core/language_models/base';
import type { BaseChatModel, BaseChatModelCallOptions } from '@langchain/core/language_models/chat_models';
import type { ChatModelStreamEvent } from '@langchain/core/language_models/event';
import type { BaseMessage, BaseMessageLike, UsageMetadata } from '@langchain/core/messages';
import type { ChatGenerationChunk, ChatResult, LLMResult } from '@langchain/core/outputs';
import { AsyncLocalStorageProviderSingleton } from '@langchain/core/singletons';
import { currentAiTenant, insideGuardedAttempt, withAiTenant, type AiCallGuard } from './ai-call-guard.ts';
import { estimateTokens, type TokenCount } from './ai-usage.ts';

/*
 * How a LangChain chat model is guarded without losing `bindTools`, `withStructuredOutput` or
 * LangGraph streaming: a subclass of the provider's own class (ChatVertexAI, ChatOllama,
 * ChatOpenAI) whose three provider-facing methods — `_generate`, `_streamResponseChunks` and
 * `_streamChatModelEvents`, which every public entry point (invoke, batch, stream, streamEvents,
 * LangGraph's message streaming) funnels into — run through the provider's AiCallGuard. Everything
 * else is inherited, so `bindTools` returns a binding of this very instance and tool calls,
 * structured output and callbacks behave exactly as in the provider class. Provider methods
 * that call each other (ChatOllama's `_generate` consumes its own stream) are guarded once.
 * ChatOpenAI answers `withConfig` with a new ChatOpenAI, so its guarded subclass overrides it;
 * any other class doing so fails loudly here rather than silently dropping the guard.
 *
 * The tenant a call is accounted to comes from the LangChain config — `configurable.tenantId`
 * (or `metadata.tenantId`) on the call, or inherited from the LangGraph run — else from
 * `withAiTenant()`.
 */

/** A provider's concrete chat model (the abstract members of BaseChatModel implemented). */
interface ConcreteChatModel extends BaseChatModel {
  _llmType(): string;
  _generate(messages: BaseMessage[], options: this['ParsedCallOptions'], runManager?: CallbackManagerForLLMRun): Promise<ChatResult>;
}

// What LangGraph (and @langchain/core/context) do on Node, idempotently: without it LangChain
// cannot hand a run's config to the model calls nested in it, and their tenant would be lost.
AsyncLocalStorageProviderSingleton.initializeGlobalInstance(new AsyncLocalStorage());

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- mixin constructors must take any[]
type ChatModelClass = new (...args: any[]) => ConcreteChatModel;

type Options = Partial<BaseChatModelCallOptions> & { configurable?: Record<string, unknown>; metadata?: Record<string, unknown> };

/** The tenant named by a call's config, or by the LangChain run it is nested in. */
function configuredTenant(options?: Options | string[]): string | undefined {
  const explicit = Array.isArray(options) ? undefined : options;
  const implicit = AsyncLocalStorageProviderSingleton.getRunnableConfig() as Options | undefined;
  for (const source of [explicit?.configurable, explicit?.metadata, implicit?.configurable, implicit?.metadata]) {
    const id = source?.tenantId;
    if (typeof id === 'string' && id) return id;
  }
  return undefined;
}

function resolveTenant(): string | undefined {
  return currentAiTenant() ?? configuredTenant();
}

function textOf(content: unknown): string {
  if (typeof content === 'string') return content;
  if (content == null) return '';
  return JSON.stringify(content);
}

function inputChars(messages: BaseMessage[], options: unknown): number {
  let chars = 0;
  for (const m of messages) {
    chars += textOf(m.content).length;
    const toolCalls = (m as { tool_calls?: unknown[] }).tool_calls;
    if (toolCalls?.length) chars += JSON.stringify(toolCalls).length;
  }
  const tools = (options as { tools?: unknown[] } | undefined)?.tools;
  if (tools?.length) chars += JSON.stringify(tools).length;
  return chars;
}

function outputChars(message: BaseMessage | undefined): number {
  if (!message) return 0;
  const toolCalls = (message as { tool_calls?: unknown[] }).tool_calls;
  return textOf(message.content).length + (toolCalls?.length ? JSON.stringify(toolCalls).length : 0);
}

/** Provider-reported usage when there is any, else the chars/4 estimate, flagged. */
function tokenCount(usage: Partial<UsageMetadata> | undefined, inChars: number, outChars: number): TokenCount {
  const input = usage?.input_tokens ?? 0;
  const output = usage?.output_tokens ?? 0;
  if (input + output > 0) return { inputTokens: input, outputTokens: output, estimated: false };
  return { inputTokens: estimateTokens(inChars), outputTokens: estimateTokens(outChars), estimated: true };
}

function addUsage(total: Partial<UsageMetadata> | undefined, more: Partial<UsageMetadata> | undefined): Partial<UsageMetadata> | undefined {
  if (!more) return total;
  return {
    input_tokens: (total?.input_tokens ?? 0) + (more.input_tokens ?? 0),
    output_tokens: (total?.output_tokens ?? 0) + (more.output_tokens ?? 0),
  };
}

export interface GuardedChatModel extends BaseChatModel {
  aiGuard: AiCallGuard;
  /** The model name the usage is recorded under. */
  aiModel: string;
}

interface StreamTally {
  usage?: Partial<UsageMetadata>;
  outChars: number;
}

/**
 * One provider stream through the model's guard, tallying usage as it flows; straight through when
 * this call is already inside a guarded attempt (a provider method calling another).
 */
async function* guardedStream<E>(
  model: Pick<GuardedChatModel, 'aiGuard' | 'aiModel'>,
  messages: BaseMessage[],
  options: { signal?: AbortSignal },
  open: (signal?: AbortSignal) => AsyncGenerator<E>,
  tally: (item: E, t: StreamTally) => void,
): AsyncGenerator<E> {
  if (insideGuardedAttempt(model.aiGuard)) {
    yield* open(options.signal);
    return;
  }
  const inChars = inputChars(messages, options);
  const t: StreamTally = { outChars: 0 };
  yield* model.aiGuard.stream(
    { tenantId: resolveTenant(), model: model.aiModel, operation: 'chat', signal: options.signal },
    open,
    (item) => tally(item, t),
    () => tokenCount(t.usage, inChars, t.outChars),
  );
}

/** Subclass a LangChain chat model class so its provider calls go through an AiCallGuard. */
export function guardedChatModelClass<TBase extends ChatModelClass>(Base: TBase) {
  return class Guarded extends Base implements GuardedChatModel {
    aiGuard!: AiCallGuard;
    aiModel = 'unknown';

    // bindTools and withStructuredOutput go through withConfig; a provider class that answers it
    // with a fresh instance of itself (ChatOpenAI does) would silently drop the guard.
    override withConfig(config: Partial<this['ParsedCallOptions']>): ReturnType<ConcreteChatModel['withConfig']> {
      const bound = super.withConfig(config as never);
      if (bound instanceof Base && !(bound instanceof Guarded)) {
        throw new Error(`${Base.name}.withConfig returned an unguarded model; override withConfig in its guarded subclass`);
      }
      return bound;
    }

    override async generate(messages: BaseMessageLike[][], options?: string[] | Options, callbacks?: Callbacks): Promise<LLMResult> {
      const tenantId = configuredTenant(options);
      const call = () => super.generate(messages, options as never, callbacks);
      return tenantId ? withAiTenant(tenantId, call) : call();
    }

    override async *_streamIterator(input: BaseLanguageModelInput, options?: Options) {
      const tenantId = configuredTenant(options);
      const iterator = super._streamIterator(input, options as never);
      while (true) {
        const next = tenantId ? await withAiTenant(tenantId, () => iterator.next()) : await iterator.next();
        if (next.done) return;
        yield next.value;
      }
    }

    override async _generate(messages: BaseMessage[], options: this['ParsedCallOptions'], runManager?: CallbackManagerForLLMRun): Promise<ChatResult> {
      if (insideGuardedAttempt(this.aiGuard)) return super._generate(messages, options, runManager);
      const inChars = inputChars(messages, options);
      return this.aiGuard.run(
        { tenantId: resolveTenant(), model: this.aiModel, operation: 'chat', signal: options.signal },
        (signal) => super._generate(messages, { ...options, signal }, runManager),
        (result) => {
          const message = result.generations[0]?.message as (BaseMessage & { usage_metadata?: UsageMetadata }) | undefined;
          return tokenCount(message?.usage_metadata, inChars, outputChars(message));
        },
      );
    }

    override async *_streamResponseChunks(
      messages: BaseMessage[],
      options: this['ParsedCallOptions'],
      runManager?: CallbackManagerForLLMRun,
    ): AsyncGenerator<ChatGenerationChunk> {
      yield* guardedStream(this, messages, options, (signal) => super._streamResponseChunks(messages, { ...options, signal }, runManager), (chunk, t) => {
        t.usage = addUsage(t.usage, (chunk.message as { usage_metadata?: UsageMetadata }).usage_metadata);
        t.outChars += outputChars(chunk.message);
      });
    }

    override async *_streamChatModelEvents(
      messages: BaseMessage[],
      options: this['ParsedCallOptions'],
      runManager?: CallbackManagerForLLMRun,
    ): AsyncGenerator<ChatModelStreamEvent> {
      yield* guardedStream(this, messages, options, (signal) => super._streamChatModelEvents(messages, { ...options, signal }, runManager), (event, t) => {
        // usage in these events is a running snapshot, not a delta
        if ('usage' in event && event.usage) t.usage = event.usage;
        if (event.event === 'content-block-delta') t.outChars += JSON.stringify(event.delta).length;
      });
    }
  };
}

/** Attach the guard and model name to a freshly constructed guarded model. */
export function bindAiGuard<T extends GuardedChatModel>(model: T, guard: AiCallGuard, modelName: string): T {
  model.aiGuard = guard;
  model.aiModel = modelName;
  return model;
}
