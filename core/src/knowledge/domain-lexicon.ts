/**
 * Concept groups for the CRM / marketing-agency domain. This is lexical expansion, not a language
 * model: every word or phrase of a group adds the group's shared concept feature to a text, so
 * "how much is it" and "our fees" meet on `price` although they share no word. It only knows the
 * words listed here; paraphrases outside it fall back to word and character n-gram overlap.
 *
 * Written for the demo domain and extended while writing the demo KB's evaluation questions, so
 * the paraphrase recall measured on that set is optimistic for other wording or other domains.
 *
 * Terms are matched after the same normalisation and stemming as everything else, phrases as
 * consecutive words (stop words included, so "how much" and "end the contract" work).
 */
export interface ConceptGroup {
  concept: string;
  terms: string[];
}

export const DOMAIN_LEXICON: readonly ConceptGroup[] = [
  // Money
  { concept: 'price', terms: ['price', 'pricing', 'cost', 'fee', 'charge', 'rate card', 'how much', 'expensive', 'cheap', 'afford', 'affordable', 'retainer', 'per month', 'a month', 'monthly fee', 'investment', 'spend', 'quote', 'tariff', 'package price'] },
  { concept: 'discount', terms: ['discount', 'reduction', 'money off', 'percent off', 'cheaper', 'rebate', 'promotion', 'promo', 'price break', 'savings', 'save', 'lower price', 'reduced rate', 'concession'] },
  { concept: 'billing', terms: ['invoice', 'invoicing', 'billing', 'bill', 'payment', 'pay', 'direct debit', 'bank transfer', 'card payment', 'payable', 'due date', 'in arrears', 'in advance', 'upfront', 'up front', 'deposit', 'vat'] },
  { concept: 'late-payment', terms: ['after the deadline', 'past the deadline', 'not pay on time', 'don\'t pay on time', 'late', 'late payment', 'overdue', 'unpaid', 'outstanding balance', 'missed payment', 'pay late', 'interest', 'debt', 'arrears'] },
  { concept: 'refund', terms: ['refund', 'money back', 'reimburse', 'repay', 'credit note', 'chargeback', 'pro rata', 'pro-rata'] },
  { concept: 'budget', terms: ['outlay', 'budget', 'afford', 'spend', 'money', 'funds', 'financial', 'wallet', 'ad spend', 'media spend'] },
  // Contract lifecycle
  { concept: 'contract', terms: ['paperwork', 'in writing', 'written agreement', 'contract', 'agreement', 'terms', 'commitment', 'minimum term', 'lock in', 'locked in', 'tie in', 'tied in', 'binding', 'signed', 'statement of work', 'sow', 'engagement letter'] },
  { concept: 'cancel', terms: ['switch supplier', 'switch agency', 'change agency', 'change supplier', 'move agency', 'cancel', 'cancellation', 'terminate', 'termination', 'end the contract', 'end our contract', 'end contract', 'exit', 'leave', 'quit', 'walk away', 'get out of', 'opt out', 'break clause', 'notice period', 'give notice', 'churn', 'stop working with', 'part ways', 'wind down', 'offboarding', 'offboard'] },
  { concept: 'renewal', terms: ['renew', 'renewal', 'rolling', 'auto-renew', 'roll over', 'extend', 'extension', 'month to month', 'month-to-month'] },
  { concept: 'pause', terms: ['pause', 'suspend', 'on hold', 'put on hold', 'freeze', 'temporarily stop', 'take a break'] },
  { concept: 'ownership', terms: ['lose', 'forfeit', 'hostage', 'ownership', 'owns', 'intellectual property', 'copyright', 'belong', 'belongs to', 'hand over', 'handover', 'transfer'] },
  { concept: 'guarantee', terms: ['guarantee', 'guaranteed', 'promise', 'warranty', 'risk free', 'risk-free', 'assurance', 'no results'] },
  // Services
  { concept: 'seo', terms: ['top spot', 'number one', 'first page', 'page one', 'top of google', 'position', 'get found', 'be found', 'found by', 'climb', 'search results', 'seo', 'search engine optimisation', 'search engine optimization', 'organic', 'ranking', 'rank', 'rankings', 'serp', 'keyword', 'backlink', 'link building', 'search visibility', 'found on google', 'google search', 'technical audit', 'local seo', 'google business profile'] },
  { concept: 'ppc', terms: ['advert', 'advertising', 'ads', 'ad', 'ppc', 'pay per click', 'pay-per-click', 'paid search', 'google ads', 'adwords', 'paid ads', 'paid advertising', 'ad spend', 'sponsored', 'cost per click', 'cpc', 'paid media', 'microsoft ads', 'bing ads', 'shopping ads', 'performance max', 'roas', 'return on ad spend'] },
  { concept: 'social', terms: ['social media', 'social', 'instagram', 'facebook', 'linkedin', 'tiktok', 'post', 'posting', 'followers', 'community management', 'influencer', 'reels', 'stories'] },
  { concept: 'content', terms: ['content', 'blog', 'article', 'copywriting', 'copy', 'writing', 'whitepaper', 'ebook', 'editorial', 'content calendar', 'guide', 'long-form'] },
  { concept: 'email-marketing', terms: ['email marketing', 'newsletter', 'mailing list', 'email campaign', 'drip', 'subscriber', 'open rate', 'click rate', 'klaviyo', 'mailchimp', 'inbox', 'flows', 'welcome series', 'abandoned cart', 'list'] },
  { concept: 'website', terms: ['website', 'web design', 'site', 'web site', 'landing page', 'redesign', 'wordpress', 'webflow', 'shopify', 'homepage', 'web development', 'page speed', 'mockup', 'wireframe', 'hosting', 'domain'] },
  { concept: 'automation', terms: ['automation', 'automate', 'automated', 'workflow', 'sequence', 'trigger', 'drip'] },
  // Sales process
  { concept: 'lead', terms: ['would-be customer', 'would-be client', 'potential customer', 'lead', 'enquiry', 'inquiry', 'prospect', 'opportunity', 'sign up', 'sign-up', 'demo request', 'contact form', 'potential client', 'new business'] },
  { concept: 'qualify', terms: ['worth pursuing', 'worth chasing', 'worth our time', 'serious buyer', 'tyre kicker', 'tire kicker', 'qualify', 'qualification', 'qualified', 'bant', 'fit', 'ideal customer', 'ideal client', 'icp', 'good fit', 'target client', 'criteria', 'disqualify', 'red flag', 'score', 'scoring'] },
  { concept: 'authority', terms: ['decision maker', 'decision-maker', 'authority', 'sign off', 'sign-off', 'approve', 'approval', 'founder', 'owner', 'buyer', 'stakeholder', 'boss', 'ceo', 'managing director', 'who decides'] },
  { concept: 'need', terms: ['need', 'pain', 'problem', 'challenge', 'goal', 'objective', 'requirement', 'struggle', 'priority'] },
  { concept: 'timeline', terms: ['when will', 'how long until', 'timeline', 'timing', 'timeframe', 'time frame', 'deadline', 'urgency', 'how soon', 'how long', 'how quickly', 'week', 'month', 'schedule', 'turnaround', 'by when', 'lead time'] },
  { concept: 'discovery', terms: ['discovery', 'discovery call', 'intro call', 'first call', 'initial call', 'exploratory', 'consultation', 'first conversation', 'first meeting'] },
  { concept: 'proposal', terms: ['proposal', 'pitch', 'offer', 'scope', 'statement of work', 'recommendation', 'plan'] },
  { concept: 'follow-up', terms: ['follow up', 'follow-up', 'chase', 'chasing', 'nudge', 'reminder', 'check in', 'check-in', 'ghosted', 'no reply', 'no response', 'went quiet', 'silence', 'touchpoint', 'touch point', 'cadence'] },
  { concept: 'template', terms: ['template', 'script', 'wording', 'example email', 'draft', 'sample', 'what to say', 'what to write', 'subject line'] },
  { concept: 'meeting', terms: ['meeting', 'call', 'catch-up', 'catch up', 'video call', 'zoom', 'teams', 'sit down', 'appointment', 'session', 'workshop', 'agenda'] },
  { concept: 'prepare', terms: ['prepare', 'preparation', 'prep', 'research', 'before the call', 'before the meeting', 'homework', 'ready', 'checklist'] },
  { concept: 'close', terms: ['close', 'closing', 'win', 'won', 'signature', 'sign', 'commit', 'yes', 'verbal', 'deal'] },
  // Objections
  { concept: 'objection', terms: ['objection', 'pushback', 'push back', 'hesitation', 'concern', 'resistance', 'reluctant', 'not interested', 'stall', 'brush-off', 'brush off'] },
  { concept: 'too-expensive', terms: ['too expensive', 'too much', 'too high', 'cannot afford', "can't afford", 'out of budget', 'over budget', 'cheaper elsewhere', 'price is high', 'costly', 'pricey', 'sticker shock'] },
  { concept: 'incumbent', terms: ['already have an agency', 'current agency', 'existing agency', 'another agency', 'other agency', 'in-house', 'in house', 'incumbent', 'competitor', 'other provider', 'freelancer', 'current provider', 'someone already', 'happy with'] },
  { concept: 'no-time', terms: ['don\'t have time', 'have no time', 'no time', 'too busy', 'busy', 'bandwidth', 'capacity', 'workload', 'stretched', 'swamped', 'hands full', 'hours in the day', 'time-poor', 'not a priority', 'not now', 'bad time', 'next quarter'] },
  { concept: 'bad-experience', terms: ['bad experience', 'burned', 'burnt', 'let down', 'disappointed', 'previous agency', 'last agency', 'poor results', 'scam', 'did not work', "didn't work", 'wasted', 'ripped off', 'sceptical', 'skeptical', 'trust issues', 'lost trust'] },
  { concept: 'trust', terms: ['trust', 'proof', 'evidence', 'reference', 'testimonial', 'case study', 'track record', 'credibility', 'reassure', 'reassurance', 'transparency', 'transparent', 'accountability'] },
  // Delivery
  { concept: 'onboarding', terms: ['onboarding', 'onboard', 'kickoff', 'kick-off', 'kick off', 'getting started', 'get started', 'first week', 'first 30 days', 'first month', 'setup', 'set up', 'welcome', 'start working', 'begin', 'new client', 'day one'] },
  { concept: 'access', terms: ['access', 'login', 'log in', 'credentials', 'password', 'admin', 'permission', 'user account', 'invite', 'grant access', 'analytics access', 'ga4'] },
  { concept: 'report', terms: ['how things are going', 'progress', 'progress update', 'hear from you', 'keep us informed', 'update', 'report', 'reporting', 'dashboard', 'metric', 'kpi', 'analytics', 'performance update', 'results summary', 'looker studio', 'data studio', 'numbers', 'stats', 'statistics', 'insight'] },
  { concept: 'frequency', terms: ['frequency', 'how often', 'cadence', 'weekly', 'monthly', 'quarterly', 'every week', 'every month', 'each month', 'regularly', 'fortnightly', 'annually', 'per year'] },
  { concept: 'review', terms: ['review', 'quarterly business review', 'qbr', 'strategy review', 'retrospective', 'health check', 'audit', 'assessment', 'evaluation'] },
  { concept: 'support', terms: ['support', 'help', 'response time', 'reply', 'respond', 'get back', 'turnaround', 'sla', 'service level', 'contact', 'reach', 'urgent', 'emergency', 'escalate', 'escalation', 'complaint', 'issue', 'working hours', 'office hours', 'business hours', 'out of hours'] },
  { concept: 'account-manager', terms: ['look after', 'looking after', 'looks after', 'day to day', 'day-to-day', 'handle our account', 'account manager', 'point of contact', 'main contact', 'strategist', 'dedicated', 'specialist', 'team member', 'who will work', 'who works'] },
  { concept: 'results', terms: ['pay off', 'paying off', 'pays off', 'payback', 'pays for itself', 'worth it', 'achieve', 'achieved', 'benefit', 'results', 'roi', 'return on investment', 'return', 'growth', 'grow', 'increase', 'uplift', 'improvement', 'improve', 'boost', 'revenue', 'sales', 'outcome', 'impact', 'performance', 'doubled', 'tripled', 'more customers'] },
  { concept: 'conversion', terms: ['conversion', 'convert', 'conversion rate', 'cro', 'checkout', 'bookings', 'booking', 'sign-ups', 'cost per lead', 'cost per acquisition', 'cpa', 'cpl'] },
  { concept: 'traffic', terms: ['traffic', 'visitors', 'visits', 'sessions', 'clicks', 'impressions', 'reach', 'visibility', 'footfall'] },
  { concept: 'expand', terms: ['upsell', 'cross-sell', 'cross sell', 'expand', 'expansion', 'add-on', 'add on', 'additional service', 'upgrade', 'grow the account', 'bundle', 'second service', 'more services'] },
  { concept: 'referral', terms: ['friend', 'point someone', 'pointing', 'send business your way', 'introduce someone', 'recommend us', 'referral', 'refer', 'recommend', 'introduce', 'introduction', 'word of mouth', 'reward', 'commission', "finder's fee", 'bounty', 'voucher', 'thank-you gift', 'partner'] },
  // Trust, data, company
  { concept: 'privacy', terms: ['customer details', 'customer information', 'personal information', 'personal details', 'gdpr', 'data protection', 'privacy', 'personal data', 'dpa', 'data processing agreement', 'data processor', 'consent', 'subject access request', 'right to be forgotten', 'erasure', 'compliance', 'compliant', 'ico', 'lawful basis'] },
  { concept: 'security', terms: ['security', 'secure', 'password', 'two-factor', '2fa', 'mfa', 'encryption', 'encrypted', 'breach', 'credentials', 'password manager', 'hack', 'leak', 'safe'] },
  { concept: 'retention', terms: ['retention', 'retain', 'keep', 'store', 'stored', 'delete', 'deletion', 'archive', 'destroy', 'how long do you keep'] },
  { concept: 'team', terms: ['team', 'staff', 'people', 'employees', 'specialists', 'experts', 'headcount', 'who we are', 'founder', 'founded'] },
  { concept: 'location', terms: ['hq', 'headquarters', 'head office', 'visit', 'office', 'located', 'based', 'location', 'address', 'where are you', 'remote', 'city'] },
  { concept: 'complaint', terms: ['complaint', 'complain', 'unhappy', 'dissatisfied', 'not satisfied', 'not happy', 'frustrated', 'grievance', 'escalate', 'escalation', 'poor service', 'fell short'] },
  { concept: 'out-of-hours', terms: ['out of hours', 'out-of-hours', 'outside office hours', 'after hours', 'night', 'evening', 'weekend', 'overnight', 'on-call', 'on call', 'emergency'] },
  { concept: 'outage', terms: ['crash', 'crashed', 'outage', 'offline', 'is down', 'goes down', 'went down', 'site down', 'website down', 'not loading', 'broken'] },
  { concept: 'staff-exit', terms: ['resign', 'resignation', 'leaver', 'last working day', 'departure', 'leaves the company', 'someone leaves', 'quits'] },
  { concept: 'collaboration', terms: ['collaborate', 'collaboration', 'alongside', 'work alongside', 'together', 'in-house team', 'partner with', 'fill the gaps', 'complement'] },
  { concept: 'decline', terms: ['turn away', 'turn down', 'refuse', 'decline', 'do not work with', "don't work with", "won't work with", 'will not work with', 'exclude', 'do not take on', 'not take on', 'off limits'] },
  { concept: 'seasonal', terms: ['seasonal', 'seasonality', 'winter', 'summer', 'christmas', 'january', 'quiet season', 'off season', 'peak season', 'quiet period'] },
  { concept: 'weekday', terms: ['midweek', 'weekday', 'weeknight', 'tuesday', 'wednesday', 'thursday'] },
  { concept: 'local', terms: ['local', 'nearby', 'near me', 'town', 'region', 'single location', 'local area', 'neighbourhood', 'in my area', 'one location'] },
  { concept: 'founding', terms: ['founded', 'founder', 'co-founder', 'established', 'establish', 'started the agency', 'started the company', 'our story', 'history of'] },
  { concept: 'crm', terms: ['crm', 'pipeline', 'deal stage', 'stage', 'lead score', 'record', 'log', 'logging', 'contact record', 'task', 'activity', 'timeline'] },
  { concept: 'small-business', terms: ['small business', 'sme', 'smb', 'local business', 'startup', 'start-up', 'independent', 'family business', 'owner-managed'] },
  { concept: 'nonprofit', terms: ['charity', 'nonprofit', 'non-profit', 'not for profit', 'ngo', 'social enterprise'] },
  { concept: 'annual', terms: ['annual', 'yearly', 'twelve months', '12 months', 'per year', 'annually', 'prepay', 'prepaid', 'pay upfront', 'year'] },
  // Industries of the case studies and the ICP
  { concept: 'dental', terms: ['dental', 'dentist', 'clinic', 'practice', 'orthodontist', 'orthodontic', 'teeth', 'patients', 'healthcare', 'medical', 'aesthetics'] },
  { concept: 'hospitality', terms: ['eatery', 'eateries', 'diner', 'restaurant', 'cafe', 'hospitality', 'bistro', 'dining', 'food', 'bar', 'hotel', 'covers', 'reservations', 'diners'] },
  { concept: 'ecommerce', terms: ['ecommerce', 'e-commerce', 'online shop', 'online store', 'shopify', 'retailer', 'retail', 'products', 'orders', 'basket', 'd2c', 'direct to consumer'] },
  { concept: 'legal', terms: ['law firm', 'solicitor', 'lawyer', 'legal', 'attorney', 'conveyancing', 'legal services'] },
  { concept: 'software', terms: ['saas', 'software', 'app', 'platform', 'b2b software', 'subscription', 'trial', 'free trial', 'mrr', 'arr'] },
  { concept: 'manufacturing', terms: ['manufacturer', 'manufacturing', 'industrial', 'factory', 'engineering', 'distributor', 'wholesale', 'b2b', 'trade'] },
  { concept: 'property', terms: ['estate agent', 'real estate', 'property', 'lettings', 'homes', 'housing'] },
];
