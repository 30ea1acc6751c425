import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { parseOrThrow } from '../errors/zod-issues.ts';

/**
 * Labelled questions about the demo tenant's interaction history (core/demo-kb/questions-interactions.json).
 * The history is generated (core/src/demo) and ends within a day of the moment it was seeded, so a
 * question is labelled by a rule, not by ids: the interactions that satisfy every given condition
 * are the relevant ones, resolved against the tenant at evaluation time.
 */
const Pattern = z.string().min(1).refine(
  (s) => {
    try {
      new RegExp(s, 'iu');
      return true;
    } catch {
      return false;
    }
  },
  { message: 'not a valid regular expression' },
);

export const InteractionRelevance = z
  .object({
    /** The contact's full name (any case). */
    contact: z.string().min(3).optional(),
    /** The contact's company (any case). */
    company: z.string().min(2).optional(),
    /** Interaction types (EMAIL, PHONE_CALL, MEETING, ...). */
    types: z.array(z.string().min(1)).min(1).optional(),
    /** Every pattern must match (case-insensitive) the subject, content and outcome joined by spaces. */
    match: z.array(Pattern).min(1).optional(),
    /** At most this many days before the newest interaction of the tenant (the tenant's "now"). */
    withinDays: z.number().positive().optional(),
  })
  .strict()
  .refine((r) => r.contact || r.company || r.types || r.match || r.withinDays, { message: 'at least one condition is required' });
export type InteractionRelevance = z.infer<typeof InteractionRelevance>;

export const InteractionQuestion = z
  .object({
    id: z.string().regex(/^i\d{3}$/u, 'ids are i001, i002, ...'),
    question: z.string().min(3),
    /** Fixed split: settings may be chosen on `tune` only (evals/src/knowledge/README.md). */
    split: z.enum(['tune', 'test']),
    relevant: InteractionRelevance,
  })
  .strict();
export type InteractionQuestion = z.infer<typeof InteractionQuestion>;

/** What a rule is evaluated against: one interaction with its contact's name and company. */
export interface InteractionFacts {
  id: string;
  firstName: string;
  lastName: string;
  company: string | null;
  type: string;
  subject: string | null;
  content: string;
  outcome: string | null;
  occurredAt: Date;
}

export async function loadInteractionQuestions(file: string): Promise<InteractionQuestion[]> {
  const questions = parseOrThrow(z.array(InteractionQuestion), JSON.parse(await readFile(file, 'utf8')), 'questions');
  const seen = new Set<string>();
  for (const q of questions) {
    if (seen.has(q.id)) throw new Error(`questions: duplicate id ${q.id}`);
    seen.add(q.id);
  }
  return questions;
}

const DAY_MS = 86_400_000;

/**
 * The ids of the interactions a rule labels relevant. Time windows count back from the newest
 * interaction in `rows`, so a tenant evaluated days after it was seeded gets the same labels.
 */
export function relevantInteractions(rule: InteractionRelevance, rows: readonly InteractionFacts[]): Set<string> {
  const newest = rows.reduce((m, r) => Math.max(m, r.occurredAt.getTime()), Number.NEGATIVE_INFINITY);
  const contact = rule.contact?.toLowerCase();
  const company = rule.company?.toLowerCase();
  const patterns = (rule.match ?? []).map((p) => new RegExp(p, 'iu'));
  const out = new Set<string>();
  for (const r of rows) {
    if (contact && `${r.firstName} ${r.lastName}`.toLowerCase() !== contact) continue;
    if (company && (r.company ?? '').toLowerCase() !== company) continue;
    if (rule.types && !rule.types.includes(r.type)) continue;
    if (rule.withinDays && newest - r.occurredAt.getTime() > rule.withinDays * DAY_MS) continue;
    const text = `${r.subject ?? ''} ${r.content} ${r.outcome ?? ''}`;
    if (!patterns.every((p) => p.test(text))) continue;
    out.add(r.id);
  }
  return out;
}

/** 1-based rank of the first relevant id among `retrieved` (null when none is). */
export function firstRelevantIdRank(retrieved: readonly (string | null)[], relevant: ReadonlySet<string>): number | null {
  const i = retrieved.findIndex((id) => id !== null && relevant.has(id));
  return i < 0 ? null : i + 1;
}

/**
 * nDCG@k with binary relevance by id; an interaction split into several chunks counts once (its
 * first place), and the ideal list holds min(k, |relevant|) relevant interactions.
 */
export function ndcgAtKById(retrieved: readonly (string | null)[], relevant: ReadonlySet<string>, k: number): number {
  const seen = new Set<string>();
  let dcg = 0;
  for (const [i, id] of retrieved.slice(0, k).entries()) {
    if (id === null || !relevant.has(id) || seen.has(id)) continue;
    seen.add(id);
    dcg += 1 / Math.log2(i + 2);
  }
  let ideal = 0;
  for (let i = 0; i < Math.min(k, relevant.size); i++) ideal += 1 / Math.log2(i + 2);
  return ideal > 0 ? dcg / ideal : 0;
}
