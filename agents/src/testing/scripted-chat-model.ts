import { BaseChatModel, type BaseChatModelCallOptions, type BindToolsInput } from '@langchain/core/language_models/chat_models';
import type { BaseLanguageModelInput } from '@langchain/core/language_models/base';
import { AIMessage, AIMessageChunk, type BaseMessage } from '@langchain/core/messages';
import type { ChatResult } from '@langchain/core/outputs';
import type { Runnable } from '@langchain/core/runnables';

/** One scripted reply: a message, or a function of what the model was shown (to read ids from tool results). */
export type ScriptStep = AIMessage | ((messages: BaseMessage[], tools: string[]) => AIMessage);

interface ScriptedOptions extends BaseChatModelCallOptions {
  tools?: BindToolsInput[];
}

/**
 * A chat model that replies from a script, in call order — to drive graph routing and interrupts
 * in tests. It only scripts the model; tool results still come from the real MCP servers.
 */
export class ScriptedChatModel extends BaseChatModel<ScriptedOptions, AIMessageChunk> {
  readonly calls: { tools: string[]; messages: BaseMessage[] }[] = [];

  constructor(private readonly script: ScriptStep[]) {
    super({});
  }

  _llmType() {
    return 'scripted';
  }

  override bindTools(tools: BindToolsInput[]): Runnable<BaseLanguageModelInput, AIMessageChunk, ScriptedOptions> {
    return this.withConfig({ tools } as Partial<ScriptedOptions>);
  }

  async _generate(messages: BaseMessage[], options: this['ParsedCallOptions']): Promise<ChatResult> {
    const tools = (options.tools ?? []).map((t) => (t as { name?: string; function?: { name: string } }).name ?? (t as { function: { name: string } }).function.name);
    this.calls.push({ tools, messages });
    const step = this.script.shift();
    if (!step) throw new Error(`script exhausted at call ${this.calls.length}`);
    const message = typeof step === 'function' ? step(messages, tools) : step;
    return { generations: [{ text: typeof message.content === 'string' ? message.content : '', message }] };
  }
}

let n = 0;
/** An AI message calling one tool. */
export const callTool = (name: string, args: Record<string, unknown>) => new AIMessage({ content: '', tool_calls: [{ id: `s${++n}`, name, args, type: 'tool_call' }] });
export const say = (text: string) => new AIMessage(text);
