import { readFileSync } from 'node:fs';
import type { BaseChatModel } from '@langchain/core/language_models/chat_models';
import { AIMessage, HumanMessage, SystemMessage, type BaseMessage } from '@langchain/core/messages';
import { toJsonSchema } from '@langchain/core/utils/json_schema';
import type { LangGraphRunnableConfig } from '@langchain/langgraph';
import { z } from 'zod';
import { lexicalStrategy } from './research.lexical.ts';
import type { ResearchStrategy } from './research.strategy.ts';
import type { Passage } from './research.state.ts';

const prompt = (file: string) => readFileSync(new URL(`./prompts/${file}`, import.meta.url), 'utf8');
const PROMPTS = { decide: prompt('decide.md'), rewrite: prompt('rewrite.md'), grade: prompt('grade.md'), answer: prompt('answer.md') };

export const DecideOutput = z.object({ retrieve: z.boolean(), reason: z.string() });
export const RewriteOutput = z.object({ query: z.string().trim().min(1, 'query must not be empty').max(500) });
export const GradeOutput = z.object({ grades: z.array(z.object({ passage: z.number().int(), relevant: z.boolean() })) });
export const AnswerOutput = z.object({ claims: z.array(z.object({ text: z.string(), passages: z.array(z.number().int()) })) });

/** Thrown when a model's structured reply cannot be read; the strategy falls back to the lexical judgement for that step. */
export class StructuredReplyError extends Error {}

/**
 * Structured output through one bound tool (every provider we support binds tools); a reply with
 * JSON in its text instead is read too. Anything else is a StructuredReplyError.
 */
export async function structured<S extends z.ZodType>(model: BaseChatModel, name: string, schema: S, messages: BaseMessage[], config?: LangGraphRunnableConfig): Promise<z.infer<S>> {
  const tool = { type: 'function' as const, function: { name, description: `Report the ${name} result`, parameters: toJsonSchema(schema) as Record<string, unknown> } };
  const reply = (await model.bindTools!([tool]).invoke(messages, config ? { callbacks: config.callbacks, signal: config.signal } : undefined)) as AIMessage;
  const call = reply.tool_calls?.find((c) => c.name === name);
  let raw: unknown = call?.args;
  if (raw === undefined && typeof reply.content === 'string') {
    const json = reply.content.match(/\{[\s\S]*\}/)?.[0];
    try {
      raw = json ? JSON.parse(json) : undefined;
    } catch {
      raw = undefined;
    }
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) throw new StructuredReplyError(`${name}: ${parsed.error.issues.map((i) => `${i.path.join('.') || 'reply'} ${i.message}`).join('; ')}`);
  return parsed.data;
}

const numbered = (passages: readonly Passage[]) => passages.map((p, i) => `[${i + 1}] ${p.title}${p.heading ? ` — ${p.heading}` : ''}\n${p.passage}`).join('\n\n');

/**
 * A real chat model judges each step through a prompt and a structured reply. A reply that cannot
 * be read falls back to the lexical judgement for that step, so a flaky model degrades, never breaks the turn.
 */
export function modelStrategy(model: BaseChatModel): ResearchStrategy {
  const fallback = lexicalStrategy();
  const orFallback = async <T>(judge: () => Promise<T>, lexical: () => Promise<T>): Promise<T> => {
    try {
      return await judge();
    } catch (err) {
      if (err instanceof StructuredReplyError) return lexical();
      throw err;
    }
  };
  return {
    name: 'model',
    decide: (question, config) =>
      orFallback(
        () => structured(model, 'decide', DecideOutput, [new SystemMessage(PROMPTS.decide), new HumanMessage(question)], config),
        () => fallback.decide(question),
      ),
    rewrite: (question, tried, config) =>
      orFallback(
        async () => {
          const triedText = tried.length ? `\nAlready tried, nothing relevant: ${tried.map((q) => JSON.stringify(q)).join(', ')}` : '';
          return (await structured(model, 'rewrite', RewriteOutput, [new SystemMessage(PROMPTS.rewrite), new HumanMessage(`Question: ${question}${triedText}`)], config)).query;
        },
        () => fallback.rewrite(question, tried),
      ),
    grade: (question, query, passages, config) =>
      orFallback(
        async () => {
          if (!passages.length) return [];
          const out = await structured(model, 'grade', GradeOutput, [new SystemMessage(PROMPTS.grade), new HumanMessage(`Question: ${question}\n\nPassages:\n${numbered(passages)}`)], config);
          // a passage the model did not mention is not relevant
          return passages.map((_, i) => {
            const relevant = out.grades.some((g) => g.passage === i + 1 && g.relevant);
            return { grade: relevant ? 1 : 0, relevant };
          });
        },
        () => fallback.grade(question, query, passages),
      ),
    answer: (question, relevant, config) =>
      orFallback(
        async () => {
          const out = await structured(model, 'answer', AnswerOutput, [new SystemMessage(PROMPTS.answer), new HumanMessage(`Question: ${question}\n\nPassages:\n${numbered(relevant)}`)], config);
          return out.claims.map((c) => ({ text: c.text, citations: c.passages.filter((n) => n >= 1 && n <= relevant.length).map((n) => relevant[n - 1].uri).concat(c.passages.some((n) => n < 1 || n > relevant.length) ? ['(no such passage)'] : []) }));
        },
        () => fallback.answer(question, relevant),
      ),
  };
}
