import { evaluateConditions, renderTemplate, withAiTenant, type ConditionContext, type ModelProvider, type StepConfigOf } from '@crm/core';
import { z } from 'zod';

export interface Decision {
  stepId: string;
  reason: string;
  decidedBy: 'model' | 'rules';
}

/** The step's documented fallback: the first rule whose conditions hold, else its default branch. */
export function ruleDecision(config: StepConfigOf<'AI_DECISION'>, ctx: ConditionContext, why: string): Decision {
  const i = config.fallback.rules.findIndex((r) => evaluateConditions(r.when, ctx));
  if (i < 0) return { stepId: config.fallback.default, reason: `${why}; no fallback rule matched, default branch`, decidedBy: 'rules' };
  const rule = config.fallback.rules[i];
  const when = rule.when.map((c) => `${c.field} ${c.operator} ${JSON.stringify(c.value)}`).join(' and ');
  return { stepId: rule.goTo, reason: `${why}; fallback rule ${i + 1} matched (${when})`, decidedBy: 'rules' };
}

/**
 * Ask the model to pick one branch with a stated reason (structured output). With the `local`
 * provider (no chat model) or a failing model, the step's rule fallback decides and says so.
 */
export async function decideBranch(model: ModelProvider | undefined, config: StepConfigOf<'AI_DECISION'>, ctx: ConditionContext, tenantId: string): Promise<Decision> {
  const chat = model?.chat();
  if (!chat) return ruleDecision(config, ctx, 'no language model configured (local provider)');
  const ids = config.branches.map((b) => b.stepId) as [string, ...string[]];
  const schema = z.object({ stepId: z.enum(ids).describe('The chosen branch'), reason: z.string().describe('One sentence: why this branch') });
  const prompt = [
    'You route a CRM automation. Pick exactly one branch and give a one-sentence reason.',
    `Question: ${renderTemplate(config.question, ctx)}`,
    'Branches:',
    ...config.branches.map((b) => `- ${b.stepId}: ${b.description}`),
    `Contact: ${JSON.stringify(ctx.contact ?? null)}`,
  ].join('\n');
  try {
    const out = await withAiTenant(tenantId, () => chat.withStructuredOutput(schema).invoke(prompt));
    return { stepId: out.stepId, reason: out.reason, decidedBy: 'model' };
  } catch (err) {
    return ruleDecision(config, ctx, `model unavailable (${(err as Error).message.slice(0, 120)})`);
  }
}
