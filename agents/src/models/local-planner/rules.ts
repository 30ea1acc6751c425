import type { Intent } from './intents.ts';

const APPROVAL_DECISION =
  /^(?:\s*(?:please|ok(?:ay)?|yes|yeah|sure|then|now|can you|could you|would you|go ahead and|i)\b[\s,]*)*(approve|reject|decline|deny)\b(?!\s+(an?|any)\s+(discount|price|deal|contract)s?\b)/i;

const NOT_A_PERSON = "(?:my|our|the|your)\\s+(?:leads?|contacts?|customers?|deals?|pipeline|funnel|business|forecast|sources?|campaigns?|follow-?ups?|tasks?|emails?|workflows?|numbers)\\b|(?:leads?|contacts?|deals?|sales|pipeline|things|it|that|this)\\b";
const NAME = "[A-Z][a-z'-]+(?:\\s+[A-Z][a-z'-]+)?";
const DOING = "(?:been\\s+)?(?:doing|performing|getting on|going|tracking|faring|done|perform|do|get on)\\b";

/**
 * One person's (or the team's) period: "how is Priya doing", "how's the team performing", "how did
 * we do last week", "Daniel's numbers", "performance of Sofia", "how am I doing", "who is my top rep".
 * The person is checked against the users the metrics name; a contact's name finds no user.
 */
export const PERSON_PERFORMANCE = new RegExp(
  [
    `\\b[Hh]ow\\s*(?:is|'s|’s|was|has|have|are|am|were|did|does|do)\\s+(?!${NOT_A_PERSON})((?:the\\s+)?[\\w'-]+(?:\\s+[A-Z][\\w'-]+)?)\\s+${DOING}`,
    `\\b[Ii]s\\s+(${NAME})\\s+(?:performing|doing|on track|hitting|behind|ahead)\\b`,
    `\\b(${NAME})(?:'s|’s)\\s+(?:numbers|performance|stats|statistics|activity|results|figures|scorecard|pipeline|month|week|quarter)\\b`,
    `\\b(?:[Pp]erformance|[Nn]umbers|[Ss]tats|[Ss]corecard|[Rr]esults)\\s+(?:of|for)\\s+(${NAME}|me|my team|the team|each rep|every rep|the reps)\\b`,
    `\\b([Mm]y|[Oo]ur team'?s?|[Tt]he team'?s?)\\s+(?:numbers|performance|stats|scorecard|results)\\b`,
    `(?![^?]*\\b(?:owns?|assigned|responsible|looks after|handles)\\b)\\b(?:[Ww]hich|[Ww]ho(?:'s| is)?)\\s+(?:\\w+\\s+)?(?:reps?|sales ?reps?|sellers?|salespe\\w+|team members?)\\b|\\b(?:top|best|worst)\\s+(?:reps?|performers?|sellers?|salespe\\w+)\\b|\\b[Ll]eaderboard\\b`,
  ].join('|'),
);

/** Whom a performance question is about: a name, "me", or the team (undefined). */
export function performanceSubject(text: string): { self: true } | { name: string } | undefined {
  const m = PERSON_PERFORMANCE.exec(text);
  const said = m?.slice(1).find((g) => g !== undefined)?.trim();
  if (!said) return undefined;
  const lower = said.toLowerCase().replace(/'s?$|’s$/, '');
  if (/^(i|me|my)$/.test(lower)) return { self: true };
  if (/^(we|us|the team|team|our team|everyone|everybody|the reps|each rep|every rep|my team|the sales team|sales team|everything|business|things)$/.test(lower)) return undefined;
  return { name: said.replace(/^the\s+/i, '') };
}

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
  // quotas, targets and deals closing: the CRM tracks none of them, said plainly (they went to the knowledge base's playbooks)
  [/\b(my|our|the team'?s?|sales|monthly|quarterly|annual|yearly|revenue|personal)\s+(targets?|quotas?|goals?)\b(?!\s+(markets?|audiences?|customers?|clients?|segments?|groups?|personas?|accounts?|industr\w+|sectors?|keywords?|response|times?))|\bquotas?\b|\b(am i|are we|is the team|are you)\s+on (target|track|pace|course)\b|\bon (target|track|pace|course) (to|for) (hit|meet|make|reach|beat)\b|\bon target\b|\b(hit|hitting|meet|meeting|make|making|reach|reaching|beat|beating|miss|missing)\s+(my|our|the|his|her|their)\s+(targets?|quotas?|numbers?|goals?)\b|\b(deal|opportunity)\s+(values?|sizes?|amounts?)\b|\bpipeline value\b|\b(deals?|opportunit(y|ies))\b(?!\s+(did|do|have|has|had|were|was|won|we)\b)(\s+\w+){0,3}?\s+(clos(e|es|ing)|land(s|ing)?|expected to)\b/i, 'deal_outlook'],
  // customers won in a period (the CRM records no deal values): "what did we win last week?", "how many deals did we close this month?"
  [/^(?=\s*(what|how|which|who|did|do|any|show|list|tell|give|count|number)\b).*\b(won|win|wins|closed|close|signed|landed)\b.*\b(last|this|past|previous|yesterday|today)\b|\bnew customers\b.*\b(last|this|past)\b|\b(deals?|customers?)\s+(won|closed|signed)\b/i, 'deals_won'],
  // the asker's own logging: "what did I log this week?", "my activity this month"
  [/\bwhat (did|have) (i|we)\s+(log|logged|record|recorded|track|tracked)\b|\b(my|our)\s+(activity|activities|logged (calls|interactions|activity))\b|\bhow many (calls|interactions|meetings|emails)\b.*\b(did|have) i\b/i, 'activity_trend'],
  // a forecast of counts (our money figures are caught above): "forecast conversions for next week"
  [/\b(forecast\w*|predict\w*|projections?|projected)\b/i, 'forecast'],
  // "how many leads converted last month" was counted as leads (300) by the word classifier
  [/\bhow (did|is|are|was|were|has|have|does)\b.*\b(campaigns?|sources?|channels?)\b.*\b(do|doing|done|perform\w*|going|convert\w*)\b|\bconversion rates?\b|\bwin rate\b|\b(leads?|contacts?)\b.*\bconvert(ed|s|ing)?\b.*\b(last|past|over|this|in)\b|\bconversions\b.*\b(last|past|over|this|in)\b/i, 'conversion_rate'],
  // a decision on the approval queue typed as a chat message: "approve 3f2a", "reject the second one, wrong contact"
  [APPROVAL_DECISION, 'decide_approval'],
  // "how is Priya doing this month?", "Daniel's numbers last week", "how am I doing": one person's (or the team's) period
  [PERSON_PERFORMANCE, 'rep_performance'],
  // which lead sources (channels) do best: ranked by conversion, not the hottest individual leads
  [/\b(lead )?(sources?|channels?)\b.*\b(best|top|most|highest|better|worst|perform\w*|convert\w*|quality|bring|brings|rank\w*|compare|comparison|good|strongest)\b|\b(best|top|which|what|strongest|worst|highest)\b.*\b(sources?|channels?)\b.*\b(leads?|customers?|convert\w*|deals?)\b|\bwhere\b.*\b(best |good |most )?(leads?|customers?|deals?)\b.*\bcome from\b|\b(compare|rank|ranking|comparison|breakdown|performance)\b.*\b(lead )?(sources?|channels?)\b/i, 'source_ranking'],
  // the pipeline as a whole, by status (not a contact's stage, not the hottest leads in it)
  [/^(?!.*\b(hot|hottest|warm|warmest|scores?|scored|forecast\w*|clients?|case stud\w*)\b).*(\b(pipeline|funnel)\b(?!\s+stage)|\b(by|per|each|every|in each)\s+(status|stage)\b|\b(status|stage)\s+(breakdown|split|distribution|counts?)\b|\bbreak\s*down\b.*\b(status|stage)|\bcontacts?\b.*\bin each\b)/i, 'pipeline_status'],
  // contacts gone quiet: "who hasn't been contacted in 30 days?", "which leads went cold?"; a question's
  // inverted subject may stand between: "which haven't I called", "who haven't we spoken to"
  [/(\bnot|n'?t|\bnever)\s+((i|we|you|they|he|she)\s+)?(been\s+)?(contacted|touched|called|reached|spoken to|heard from)\b|\b(gone|went|going|gotten|getting|turned)\s+(cold|quiet|dark|stale)\b|\bneglected\b|\bno (contact|touch\w*|activity)\s+(in|for|since)\b|\bstale (leads?|contacts?|prospects?)\b/i, 'stale_contacts'],
  // new contacts counted over a past period (a question about the future is a forecast, above)
  [/^(?!.*\b(will|next|coming|expect\w*|upcoming)\b)(?:.*\b(how many|number of|count)\b.*\bnew\s+(leads?|contacts?|sign-?ups?|prospects?)\b|^(?=\s*(what|how|which|who|did|do|any|show|list|tell|give|count|number)\b).*\bnew\s+(leads?|contacts?|sign-?ups?)\b.*\b(came in|arrived|created|added|got|did we get|last|this|yesterday|today)\b|^\s*(my |our |the |all )?(new|fresh|latest|recent)\s+(leads?|contacts?|sign-?ups?|prospects?)\b.*\b(last|this|past|yesterday|today|since)\b|.*\b(leads?|contacts?)\s+(created|added|that came in)\s+(last|this|yesterday|today|since|in the)\b)/i, 'new_contacts'],
  // a period in review: the team's activity and conversion ("summarise last week", "weekly recap")
  [/\b(summar\w+|recap|review|overview|highlights|roundup|round-up)\b.*\b(last|this|past|previous)\s+(week|month|quarter)\b|\b(weekly|monthly)\s+(summary|recap|overview)\b(?!.*\bclients?\b)|\bhow did (last|this) (week|month) go\b/i, 'rep_performance'],
  [/\b(focus on|prioriti[sz]e|priorities|start (with|my day))\b/i, 'list_follow_ups'],
  // how fast inbound interactions are answered
  // (a service level — "the response time for an urgent issue", "how fast do we have to answer a complaint" — is for the knowledge base)
  [/^(?!.*\b(urgent|issues?|support|sla|tickets?|outages?|incidents?|down|complaints?|have to|must|should|promise\w*|commit\w*|policy)\b)(?:.*\b(our|average|median|mean|team'?s?|my)\s+(\w+\s+)?response (time|rate)s?\b|.*\bresponse (time|rate)s?\b.*\b(inbound|leads?|enquir\w*|inquir\w*|contacts?|calls?|emails?)\b|.*\bhow (fast|quickly|soon) (do|did|are|were) (we|i|you|the team)\b.*\b(respond|reply|answer|get back)\w*\b|.*\btime to (respond|reply|answer|first response)\b)/i, 'response_time'],
  // how long leads take to become customers: lead velocity's median, with the count won
  [/\b(lead |sales )?velocity\b|\bsales cycle\b|\bhow long\b.*\b(convert|close|become (a )?customers?|to win)\b|\btime to (close|convert|win)\b/i, 'deals_won'],
  [/^(?!.*\b(invoices?|payments?|bills?|fees?|paid)\b).*\boverdue\b|\b(my|today'?s)\s+(tasks?|to-?dos?|agenda|plate|calls? to make)\b|\bwhat'?s on my (plate|list|agenda)\b|\bwhat (do|should) i (have|do)\b.*\b(today|this week|now)\b/i, 'list_follow_ups'],
  // who was most active: the activity metric's per-person counts ("who logged the most calls last week?")
  [/\bwho\b.*\b(most|fewest|least|more|less)\b.*\b(calls?|interactions?|meetings?|emails?|activity|activities|touch\w*)\b/i, 'activity_trend'],
  // open leads nearest to buying are the highest scored ("which prospects are closest to signing?")
  [/\b(which|who|whom)\b.*\b(closest to|most likely to|likeliest to|ready to|about to|nearest to)\s+(sign|close|convert|buy|win|purchase)\w*/i, 'hot_leads'],
  [/\b(how many|number of|count)\b.*\binteractions?\b|\b(team )?activity\b.*\b(in|during|last)\b/i, 'activity_trend'],
  [/\b(how many|number of|count)\b.*\b(follow-?ups?|tasks?|reminders?)\b/i, 'list_follow_ups'],
  [/\bdo first\b|\bmost urgent\b|\bfirst today\b/i, 'list_follow_ups'],
  // what stands out: anomalies, significant trends, segment differences (generate_insights)
  [/\b(anomal\w*|unusual|outliers?|spikes?|dips?|trending|significant (changes?|trends?)|insights?|stand(s)? out)\b|\bwhat('?s| has| have)? changed\b|\banything (i should know|odd|unusual|worrying)\b/i, 'insights'],
  [/\bwho owns\b|\bowner\b|\bassigned to\b|\bresponsible for\b|\baccount manager\b|\blooks? after\b/i, 'contact_owner'],
  [/\b(mark|move|set|change|convert|switch|put)\b.*\b(as|to|into)\b\s*(an? )?(customer|prospect|lead|inactive|qualified)s?\b/i, 'change_status'],
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
