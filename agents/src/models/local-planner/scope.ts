import type { StepContext } from './steps.ts';

/** The asker, from get_current_user. */
export interface Me {
  id: string;
  name: string;
  role: string;
}

/**
 * The filter that narrows a step to the asker's records (`assignedTo` for contacts, `ownerId` for
 * follow-ups) when the request said "my"; empty otherwise (all the caller may see: a rep sees only
 * their own anyway, a manager the team's).
 */
export function mine(ctx: StepContext, key: 'assignedTo' | 'ownerId' = 'assignedTo'): Record<string, string> {
  return ctx.me && ctx.step.who === 'me' ? { [key]: ctx.me.id } : {};
}

/** " of yours" / " assigned to you" phrasing follows the filter: what the answer covers. */
export const whose = (ctx: StepContext, yours: string, all: string) => (mine(ctx).assignedTo ? yours : all);

