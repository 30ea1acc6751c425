import { BaseChatModel, type BaseChatModelCallOptions, type BaseChatModelParams, type BindToolsInput } from '@langchain/core/language_models/chat_models';
import type { BaseLanguageModelInput } from '@langchain/core/language_models/base';
import { AIMessage, AIMessageChunk, type BaseMessage } from '@langchain/core/messages';
import { ChatGenerationChunk, type ChatResult } from '@langchain/core/outputs';
import type { Runnable } from '@langchain/core/runnables';
import type { CallbackManagerForLLMRun } from '@langchain/core/callbacks/manager';
import { nextMove, type PlannerOutput } from './planner.ts';

export interface LocalPlannerCallOptions extends BaseChatModelCallOptions {
  tools?: BindToolsInput[];
}

export interface LocalPlannerParams extends BaseChatModelParams {
  /** The tenant's time zone for relative dates; default Europe/London. */
  timeZone?: string;
  /** The clock; tests pin it. */
  now?: () => Date;
}

/**
 * `CRM_MODEL_PROVIDER=local`: a deterministic planner in the shape of a tool-calling chat model,
 * so every graph runs with no network and no weights. It is not a language model and says so:
 * each answer starts with "[offline]" and carries `response_metadata.offline = true`.
 */
export class LocalPlannerChatModel extends BaseChatModel<LocalPlannerCallOptions, AIMessageChunk> {
  readonly timeZone: string;
  private readonly now: () => Date;

  constructor(params: LocalPlannerParams = {}) {
    super(params);
    this.timeZone = params.timeZone ?? 'Europe/London';
    this.now = params.now ?? (() => new Date());
  }

  /** The same planner and clock reading relative dates in another zone (the acting tenant's, per turn). */
  inTimeZone(timeZone: string): LocalPlannerChatModel {
    return timeZone === this.timeZone ? this : new LocalPlannerChatModel({ timeZone, now: this.now });
  }

  static override lc_name() {
    return 'LocalPlannerChatModel';
  }

  _llmType(): string {
    return 'local-planner';
  }

  override bindTools(tools: BindToolsInput[], kwargs?: Partial<LocalPlannerCallOptions>): Runnable<BaseLanguageModelInput, AIMessageChunk, LocalPlannerCallOptions> {
    return this.withConfig({ ...kwargs, tools } as Partial<LocalPlannerCallOptions>);
  }

  private move(messages: BaseMessage[], options: this['ParsedCallOptions']): PlannerOutput {
    const tools = (options.tools ?? []).map(toolName).filter((n): n is string => !!n);
    return nextMove(messages, { now: this.now(), timeZone: this.timeZone, tools });
  }

  async _generate(messages: BaseMessage[], options: this['ParsedCallOptions']): Promise<ChatResult> {
    const move = this.move(messages, options);
    const message = new AIMessage({ content: move.content, tool_calls: move.toolCalls, ...extras(move) });
    return { generations: [{ text: move.content, message }] };
  }

  override async *_streamResponseChunks(messages: BaseMessage[], options: this['ParsedCallOptions'], runManager?: CallbackManagerForLLMRun): AsyncGenerator<ChatGenerationChunk> {
    const move = this.move(messages, options);
    if (move.toolCalls.length) {
      yield new ChatGenerationChunk({ text: '', message: new AIMessageChunk({ content: '', tool_calls: move.toolCalls, ...extras(move) }) });
      return;
    }
    // Word by word, so a streaming client shows the answer as it is "written".
    const pieces = move.content.match(/\S+\s*/g) ?? [move.content];
    for (const [i, piece] of pieces.entries()) {
      if (options.signal?.aborted) break;
      const chunk = new ChatGenerationChunk({ text: piece, message: new AIMessageChunk({ content: piece, ...(i === 0 ? extras(move) : {}) }) });
      yield chunk;
      await runManager?.handleLLMNewToken(piece, undefined, undefined, undefined, undefined, { chunk });
    }
  }
}

function extras(move: PlannerOutput) {
  return {
    additional_kwargs: { ...(move.pendingChoice ? { pending_choice: move.pendingChoice } : {}), ...(move.listedApprovals ? { listed_approvals: move.listedApprovals } : {}), ...(move.listedContacts ? { listed_contacts: move.listedContacts } : {}) },
    response_metadata: { model_provider: 'local', model: 'local-planner', offline: true },
  };
}

function toolName(tool: BindToolsInput): string | undefined {
  const t = tool as { name?: string; function?: { name?: string } };
  return t.name ?? t.function?.name;
}
