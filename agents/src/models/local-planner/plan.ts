import { resolveDate, type ResolvedDate } from './dates.ts';
import { extractContactRef } from './entities.ts';
import { INTENTS, MIN_CONFIDENCE, intentClassifier, type Intent } from './intents.ts';
import { isQuestion, ruleIntent, withoutInjection } from './rules.ts';

/** One thing the user asked for, with the words that asked for it. */
export interface Step {
  intent: Intent;
  clause: string;
  date?: ResolvedDate;
  /** Whose records: the asker's ("my hottest leads", "how am I doing") or the team's; unsaid: all the asker may see. */
  who?: Who;
}

export type Who = 'me' | 'team';

/** "my team", "our", "we", "everyone" is the team; "I", "me", "my" the asker; the team wins when both are said. */
export function whoOf(text: string): Who | undefined {
  if (/\b(the|our|my|whole|entire|sales)\s+team\b|\bteam'?s?\b|\bevery(one|body)\b|\b(all|the|each|every) (the )?reps?\b|\b(we|our|us)\b/i.test(text)) return 'team';
  // "show me", "tell me", "give me" ask for something; they say nothing about whose records
  if (/\b(i|my|mine|myself)\b/i.test(text) || /\bme\b/i.test(text.replace(/\b(show|tell|give|send|remind|let|help|get|find|bring|list|email)\s+me\b/gi, ''))) return 'me';
  return undefined;
}

export interface RequestPlan {
  steps: Step[];
  /** Name or email to resolve through search_contacts, when a step needs a contact. */
  contactRef?: string;
  /** The classifier was not confident about anything: say it is beyond the planner. */
  unsupported: boolean;
  /** The message carried text telling the assistant to drop its instructions; it was not planned. */
  injected?: boolean;
}

const ACTION_START = '(?:set|log|create|schedule|remind|add|mark|move|change|explain|show|tell|what|who|send|email|draft|book|follow|record|note|score|list|then)';
const CLAUSE_SPLIT = new RegExp(`\\s*(?:;|,?\\s+and then\\s+|,?\\s+then\\s+|,?\\s+and also\\s+|,?\\s+and\\s+(?=${ACTION_START}\\b))`, 'i');

/**
 * The plan of a turn, decided from the user's words alone — before any tool output is read, so
 * nothing a tool returns can add an action to it.
 */
export function planRequest(message: string, now: Date, timeZone: string): RequestPlan {
  const nb = intentClassifier();
  const { text, injected } = withoutInjection(message);
  const clauses = text.split(CLAUSE_SPLIT).map((c) => c.trim()).filter(Boolean);
  const steps: Step[] = [];
  for (const clause of clauses.length ? clauses : [text]) {
    const ruled = ruleIntent(clause);
    const [top] = ruled ? [{ intent: ruled, p: 1 }] : nb.classify(clause);
    if (!top || top.p < MIN_CONFIDENCE) {
      // A clause that is only detail ("we discussed pricing") belongs to the step before it.
      if (steps.length) steps[steps.length - 1].clause += ` and ${clause}`;
      continue;
    }
    const intent = top.intent as Intent;
    const same = steps.find((s) => s.intent === intent);
    // "approve the first one; reject the second": one decision step reads every part
    if (same && intent === 'decide_approval') same.clause += `; ${clause}`;
    if (same) continue;
    const date = resolveDate(clause, now, timeZone);
    steps.push({ intent, clause, ...(date ? { date } : {}) });
  }
  if (!steps.length && text) {
    const [top] = nb.classify(text);
    if (top && top.p >= MIN_CONFIDENCE) steps.push({ intent: top.intent as Intent, clause: text });
    // a question nothing else recognised may still be answered by the knowledge base (or "I don't know")
    else if (isQuestion(text)) steps.push({ intent: 'knowledge_question', clause: text });
  }
  // "why" about hot leads is part of ranking them, not a separate score request.
  const merged = steps.filter((s) => !(s.intent === 'score_lead' && steps.some((o) => o.intent === 'hot_leads')));
  let contactRef = merged.some((s) => INTENTS[s.intent].needsContact) ? extractContactRef(text) : undefined;
  // "What lead score makes a lead hot?" names no contact: a question about how things work, for the knowledge base.
  if (!contactRef && isQuestion(text) && merged.length === 1 && INTENTS[merged[0].intent].needsContact) merged[0] = { intent: 'knowledge_question', clause: merged[0].clause };
  if (!merged.some((s) => INTENTS[s.intent].needsContact)) contactRef = undefined;
  if (merged.some((s) => s.intent === 'contact_owner')) merged.push({ intent: 'owner_name', clause: text });
  const who = whoOf(text);
  if (who) for (const s of merged) s.who = who;
  // A follow-up with no date of its own takes the date said anywhere in the request.
  const anyDate = resolveDate(text, now, timeZone);
  for (const s of merged) if (!s.date && s.intent === 'create_follow_up' && anyDate) s.date = anyDate;
  return { steps: merged, ...(contactRef ? { contactRef } : {}), unsupported: merged.length === 0, ...(injected ? { injected } : {}) };
}
