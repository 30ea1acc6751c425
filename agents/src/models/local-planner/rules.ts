import type { Intent } from './intents.ts';

/**
 * Phrasings the word classifier gets wrong, decided by rule before it: they name the task by a
 * fixed expression (a "conversion rate", "who owns", "mark … as customer") or are requests the
 * planner must decline whatever words surround them. First match wins; order matters.
 */
const RULES: [RegExp, Intent][] = [
  [/\b(passwords?|credentials?|secret|tokens?|salar(y|ies))\b/i, 'refuse_confidential'],
  [/\b(export|dump|download)\b.*\b(contacts?|e-?mails?|addresses|list|database)\b|\bpersonal (g?mail|e-?mail|account)\b/i, 'refuse_confidential'],
  [/\b(delete|remove|wipe|erase|purge)\b.*\b(every|all)\b/i, 'refuse_bulk'],
  [/\b(e-?mail|send|message|text)\b.*\b(every|all( of)?( our| my| the)?)\b\s*(contacts?|customers?|clients?|leads?|prospects?)\b/i, 'refuse_bulk'],
  [/\b(mark|set|change|move|make)\b.*\b(every|all)\b.*\b(contacts?|leads?|customers?)\b/i, 'refuse_bulk'],
  // "Email Isaac to book a demo next week" is an email to write now; its date made it a follow-up
  [/^\s*(please\s+)?(e-?mail|(write|send|draft|compose)\s+(an?\s+)?e-?mail\s+to|(write|send|draft)\s+\S+(\s+\S+)?\s+an?\s+e-?mail)\b/i, 'draft_email'],
  // our own money figures (the CRM stores none): "what's our revenue forecast for next quarter?", "revenue last month"
  [/\b(our|total|the company'?s)\s+(\w+\s+)?(revenue|turnover|sales figures|bookings|ARR|MRR)\b|\b(revenue|turnover)\b.*\b(last|this|next|per)\s+(week|month|quarter|year)\b|\bhow much (money|revenue)\b/i, 'no_revenue'],
  // a forecast of counts (our money figures are caught above): "forecast conversions for next week"
  [/\b(forecast\w*|predict\w*|projections?|projected)\b/i, 'forecast'],
  // "how many leads converted last month" was counted as leads (300) by the word classifier
  [/\bconversion rates?\b|\bwin rate\b|\b(leads?|contacts?)\b.*\bconvert(ed|s|ing)?\b.*\b(last|past|over|this|in)\b|\bconversions\b.*\b(last|past|over|this|in)\b/i, 'conversion_rate'],
  [/\b(how many|number of|count)\b.*\binteractions?\b|\b(team )?activity\b.*\b(in|during|last)\b/i, 'activity_trend'],
  [/\b(how many|number of|count)\b.*\b(follow-?ups?|tasks?|reminders?)\b/i, 'list_follow_ups'],
  [/\bdo first\b|\bmost urgent\b|\bfirst today\b/i, 'list_follow_ups'],
  [/\bwho owns\b|\bowner\b|\bassigned to\b|\bresponsible for\b|\baccount manager\b|\blooks? after\b/i, 'contact_owner'],
  [/\b(mark|move|set|change|convert|switch|put)\b.*\b(as|to|into)\b\s*(an? )?(customer|prospect|lead|inactive)s?\b/i, 'change_status'],
  [/\b(right|correct|wrong) (pipeline )?stage\b|\bwhat (status|stage)\b/i, 'contact_lookup'],
  [/\bqualified\b|\blikely\b.*\bconvert\b|\b(lead )?score (of|for)\b|\blead score\b/i, 'score_lead'],
  [/^\s*(who is|who's|tell me about|look up|find)\b/i, 'contact_lookup'],
  // the queue, not a policy question ("does a discount need approval?" stays with the knowledge base)
  [/\b(pending|waiting|open|outstanding|show|list)\b.*\bapprovals?\b|\bany (pending |open )?approvals?\b|\bapprovals?\b.*\b(pending|waiting|outstanding)\b|\bapproval (queue|requests?)\b/i, 'list_approvals'],
  // one word the classifier cannot weigh against 300 others; the planner's own refusal says "'help' lists everything"
  [/^\s*(help|hello|hi|hey|thanks|thank you|good (morning|afternoon|evening)|what can you do|who are you)\s*[!.?]*\s*$/i, 'help'],
];

export function ruleIntent(clause: string): Intent | undefined {
  return RULES.find(([re]) => re.test(clause))?.[1];
}

/** A question (not an instruction): one the knowledge base may answer when nothing else fits. */
export function isQuestion(text: string): boolean {
  return /\?\s*$/.test(text) || /^\s*(what|when|where|which|who|why|how|can|could|do|does|is|are|am|should|will|may)\b/i.test(text);
}

/**
 * Text that tells the assistant to drop its instructions is data, not a request: the planner
 * reads the message only up to it.
 */
const INJECTION = /\b(ignore|disregard|forget)\b[^.?!]*\b(instructions?|rules?|prompts?|guidelines?)\b|\bsystem override\b|\byou are now\b|\bnew task from\b/i;

export function withoutInjection(text: string): { text: string; injected: boolean } {
  const m = INJECTION.exec(text);
  if (!m) return { text, injected: false };
  return { text: text.slice(0, m.index).trim(), injected: true };
}
