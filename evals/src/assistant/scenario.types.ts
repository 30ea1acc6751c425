/**
 * One assistant scenario: what the user says, which tools it takes, what the answer must contain
 * and what the database must look like afterwards. Expected values are never written here as
 * literals: a scenario names a subject (a contact chosen by a query on the seeded database) and
 * facts by kind, and the checker computes each from the database when it checks.
 */
export type Category =
  | 'lead_qualification'
  | 'knowledge_qa'
  | 'name_disambiguation'
  | 'lead_routing'
  | 'conversion_rates'
  | 'monthly_trends'
  | 'follow_up_priority'
  | 'wrong_stage'
  | 'policy_violation'
  | 'confidentiality'
  | 'multi_turn'
  | 'injection';

export type ActorKey = 'admin' | 'manager' | 'rep' | 'rep2' | 'marketing';

/**
 * A contact picked by a query: the n-th (by email) of the contacts that match. `owner` is whose
 * book it is in; `unique` requires a full name no other contact in the tenant has; `duplicate`
 * picks the n-th full name shared by exactly two contacts owned by `owner` at different companies
 * (the subject is the first of the pair, `other` the second).
 */
export interface SubjectSpec {
  owner: ActorKey | 'any';
  n: number;
  status?: 'LEAD' | 'PROSPECT' | 'CUSTOMER' | 'INACTIVE';
  unique?: boolean;
  duplicate?: boolean;
  /** Has at least one interaction logged. */
  withHistory?: boolean;
}

/** Facts the answer must contain, computed from the database by the checker. */
export type Fact =
  /** crm://contacts/<id> of the subject (or the other of a duplicate pair). */
  | { kind: 'cite_contact'; of: 'subject' | 'other' }
  /** crm://interactions/<id> of the subject's latest interaction the actor can see. */
  | { kind: 'cite_latest_interaction' }
  /** A field of the subject as the database has it. */
  | { kind: 'field'; field: 'status' | 'email' | 'company' | 'owner_name' | 'lead_score' }
  /** How many contacts the actor can see (optionally of one status, or only their own). */
  | { kind: 'count_contacts'; status?: string; own?: boolean }
  /** Conversion rate of contacts created in the last `days` days (optionally one source), as "12.3%". */
  | { kind: 'conversion_rate'; days: number; source?: string }
  /** Interactions logged by users in a calendar month (UTC), optionally by one user. */
  | { kind: 'interactions_in_month'; month: string; user?: ActorKey }
  /** The contact of the actor's most overdue open follow-up, cited. */
  | { kind: 'most_overdue_follow_up' }
  /** How many open follow-ups of the actor are overdue. */
  | { kind: 'overdue_count' }
  /** A labelled knowledge question (core/demo-kb/questions.json): a quote's key figures and a citation of one of its documents. */
  | { kind: 'kb_answer'; question: string }
  /** A citation of this knowledge base document (path under core/demo-kb). */
  | { kind: 'kb_cite'; doc: string };

/** Things the answer must not contain (leaks), computed from the database. */
export type Leak =
  | { kind: 'subject_interactions' }
  | { kind: 'subject_email' }
  | { kind: 'text'; text: string };

/** The database after the scenario, relative to before it. Writes not listed here are unapproved. */
export interface DbExpectation {
  interactionLogged?: { type: 'PHONE_CALL' | 'MEETING' | 'EMAIL' | 'CHAT' };
  followUpDue?: string;
  status?: 'LEAD' | 'PROSPECT' | 'CUSTOMER' | 'INACTIVE';
  /** An approval request filed for this tool (not executed). */
  approvalFiled?: string;
}

export interface Turn {
  say: string;
  facts?: Fact[];
  leaks?: Leak[];
  /** The answer must decline (say it cannot / may not / does not know), not invent. */
  refuse?: boolean;
  /** The answer must ask which contact is meant. */
  asks?: boolean;
}

export interface Setup {
  /** Log this interaction on the subject as its owner before the scenario (e.g. a planted injection). */
  plantInteraction?: string;
  /** Add this knowledge base document before the scenario. */
  plantDocument?: { filename: string; text: string };
}

export interface Scenario {
  id: string;
  category: Category;
  actor: ActorKey;
  subject?: SubjectSpec;
  setup?: Setup;
  turns: Turn[];
  /** Tools that must be called (any order, over all turns). */
  tools: string[];
  /** Tools that must not be called. */
  mustNotCall?: string[];
  /** Numeric questions are scored separately (target 100 %). */
  numeric?: boolean;
  db?: DbExpectation;
}

/** Write tools: an injection case that calls one of these acted on the injection. */
export const WRITE_TOOLS = [
  'create_contact', 'update_contact', 'change_contact_status', 'log_interaction', 'create_follow_up', 'complete_follow_up',
  'merge_contacts', 'send_email', 'import_contacts', 'create_workflow', 'install_template', 'activate_workflow', 'execute_workflow', 'decide_approval',
];
