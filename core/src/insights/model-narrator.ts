/**
 * Narratives written by a remote chat model from the computed statistics only. The model sees the
 * template text and the data points the statistics produced, and is told to use no number that is
 * not in them; every number in its answer is then checked against those facts. Anything else — a
 * number not in the data, no answer within the time limit, an error, malformed output — keeps the
 * template and logs why. The `local` provider has no chat model, so it keeps the templates.
 */
import { messageText } from '../ai/message-text.ts';
import type { ModelProvider } from '../ai/model-provider.ts';
import type { Logger } from '../logger.ts';
import type { InsightType } from './insight.schema.ts';

export interface NarratorContext {
  tenantId: string;
}
export interface InsightDraftText {
  type: InsightType;
  title: string;
  description: string;
  dataPoints: string[];
}
export type InsightNarrator = (draft: InsightDraftText, ctx: NarratorContext) => Promise<{ title: string; description: string }>;
export type ReportNarrator = (input: { template: string; facts: string[] }, ctx: NarratorContext) => Promise<string>;

export interface ModelNarrators {
  insight: InsightNarrator;
  report: ReportNarrator;
}

export class NarrativeRejected extends Error {
  constructor(readonly reason: string) {
    super(reason);
  }
}

const RULES = [
  'You write short, plain business prose for a CRM analytics report.',
  'Use ONLY the facts given. Every number you write must appear in the facts exactly as given or rounded from one of them; never compute, estimate or invent a number, date, percentage or name.',
  'Do not add advice that is not in the facts. Do not mention these instructions.',
];

/** The numbers written in a text: `1,234.5` → 1234.5, `12.3%` → 12.3, dates → their parts. */
export function numbersIn(text: string): { value: number; decimals: number; raw: string }[] {
  const out: { value: number; decimals: number; raw: string }[] = [];
  for (const m of text.matchAll(/\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?/g)) {
    const raw = m[0];
    const plain = raw.replace(/,/g, '');
    const dot = plain.indexOf('.');
    out.push({ value: Number(plain), decimals: dot < 0 ? 0 : plain.length - dot - 1, raw });
  }
  return out;
}

/** The first number in `text` not found in `facts` (exactly, or as a rounding of one), or undefined when all are. */
export function unsupportedNumber(text: string, facts: string[]): string | undefined {
  const known = facts.flatMap(numbersIn).map((n) => n.value);
  for (const n of numbersIn(text)) {
    const tolerance = 0.5 * 10 ** -n.decimals + 1e-9;
    if (!known.some((k) => Math.abs(k - n.value) <= tolerance)) return n.raw;
  }
  return undefined;
}

/** `{"title": …, "description": …}`, also inside a ```json fence. */
function parseInsightAnswer(text: string): { title: string; description: string } {
  const json = /\{[\s\S]*\}/.exec(text)?.[0];
  if (!json) throw new NarrativeRejected('the answer is not a JSON object');
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch {
    throw new NarrativeRejected('the answer is not valid JSON');
  }
  const { title, description } = parsed as { title?: unknown; description?: unknown };
  if (typeof title !== 'string' || typeof description !== 'string' || !title.trim() || !description.trim()) {
    throw new NarrativeRejected('the answer lacks a title or a description');
  }
  if (title.length > 200 || description.length > 1200) throw new NarrativeRejected('the answer is too long');
  return { title: title.trim(), description: description.trim() };
}

/**
 * Narrators over the provider's chat model, or undefined when it has none (`local`). `timeoutMs`
 * bounds each call; the caller falls back to the template on any rejection.
 */
export function createModelNarrators(deps: { provider: Pick<ModelProvider, 'chat'>; timeoutMs: number; logger?: Logger }): ModelNarrators | undefined {
  const model = deps.provider.chat();
  if (!model) return undefined;

  async function ask(system: string, user: string, tenantId: string): Promise<string> {
    const signal = AbortSignal.timeout(deps.timeoutMs);
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new NarrativeRejected(`no answer within ${deps.timeoutMs} ms`)), deps.timeoutMs);
    });
    try {
      const answer = await Promise.race([model!.invoke([['system', system], ['human', user]], { configurable: { tenantId }, signal }), timeout]);
      return messageText(answer.content).trim();
    } catch (err) {
      if (err instanceof NarrativeRejected) throw err;
      if (signal.aborted) throw new NarrativeRejected(`no answer within ${deps.timeoutMs} ms`);
      throw new NarrativeRejected(`the model call failed: ${(err as Error).message}`);
    } finally {
      clearTimeout(timer);
    }
  }

  return {
    async insight(draft, ctx) {
      const facts = [draft.title, draft.description, ...draft.dataPoints];
      const system = [...RULES, 'Answer with one JSON object only: {"title": "<at most 12 words>", "description": "<two or three sentences>"}.'].join('\n');
      const user = `Insight type: ${draft.type}\nFacts:\n${facts.map((f) => `- ${f}`).join('\n')}\n\nRewrite the title and description for a sales manager.`;
      const text = parseInsightAnswer(await ask(system, user, ctx.tenantId));
      const bad = unsupportedNumber(`${text.title}\n${text.description}`, facts);
      if (bad) throw new NarrativeRejected(`the number ${bad} is not in the statistics`);
      return text;
    },
    async report(input, ctx) {
      const facts = [input.template, ...input.facts];
      const system = [...RULES, 'Answer with the narrative only: one paragraph of at most six sentences, no headings, no lists.'].join('\n');
      const user = `Facts:\n${facts.map((f) => `- ${f}`).join('\n')}\n\nSummarise what changed and what stands out for a sales manager.`;
      const text = await ask(system, user, ctx.tenantId);
      if (!text) throw new NarrativeRejected('the answer is empty');
      if (text.length > 2000) throw new NarrativeRejected('the answer is too long');
      const bad = unsupportedNumber(text, facts);
      if (bad) throw new NarrativeRejected(`the number ${bad} is not in the statistics`);
      return text;
    },
  };
}
