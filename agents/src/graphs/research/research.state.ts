import { Annotation } from '@langchain/langgraph';

/** A passage search_knowledge returned, as the research graph keeps it. */
export interface Passage {
  /** crm://kb/<document>, crm://interactions/<id> or crm://contacts/<id>: what an answer sentence cites. */
  uri: string;
  title: string;
  heading: string;
  passage: string;
  /** `contact`: the scoped contact's own record (get_contact), cited as crm://contacts/<id>. */
  kind: 'document' | 'interaction' | 'contact';
  /** The document's source path (e.g. services/seo.md); null for interaction notes. */
  source: string | null;
  /** The contact an interaction note belongs to. */
  contactId: string | null;
}

export interface GradedPassage extends Passage {
  /** 0..1; relevant when at or above the strategy's threshold (lexical) or when the model says so. */
  grade: number;
  relevant: boolean;
  /** The query it was retrieved with. */
  query: string;
  /** Its place in that retrieval's hybrid ranking, 1-based. */
  rank: number;
}

/** One cited sentence of the answer: every factual sentence carries the URIs it came from. */
export interface Claim {
  text: string;
  citations: string[];
}

/** What the research graph streams (stream mode "custom"), one event per step. */
export type ResearchEvent =
  | { type: 'research'; step: 'scope'; contactId: string; ok: boolean; summary: string }
  /** No scope was given and the question names someone: how many contacts have that name (`contactId`: the one that became the scope). */
  | { type: 'research'; step: 'named'; name: string; matches: number; contactId?: string }
  | { type: 'research'; step: 'decide'; retrieve: boolean; reason: string }
  | { type: 'research'; step: 'rewrite'; attempt: number; query: string }
  | { type: 'research'; step: 'retrieve'; attempt: number; query: string; ok: boolean; passages: number; summary: string }
  | { type: 'research'; step: 'grade'; attempt: number; relevant: number; graded: number; sources: string[] }
  | { type: 'research'; step: 'answer'; known: boolean; citations: string[]; dropped: number };

export const ResearchState = Annotation.Root({
  question: Annotation<string>(),
  /**
   * Optional scope: this contact's record and interaction notes plus the knowledge base; no other
   * contact's notes are searched, and any that came back would be dropped.
   */
  contactId: Annotation<string | undefined>(),
  /** The scoped contact's record, graded and citable like a retrieved passage. */
  contact: Annotation<Passage | undefined>(),
  /** The question without the scoped contact's names (what the lexical strategy judges by). */
  topic: Annotation<string | undefined>(),
  /** Set by `decide`: false for a request no document can answer (chit-chat, empty). */
  needsRetrieval: Annotation<boolean>(),
  /** Queries tried so far, in order (the first is the first rewrite). */
  queries: Annotation<string[]>({ reducer: (a, b) => [...a, ...b], default: () => [] }),
  /** Results of the latest retrieval, not yet graded. */
  retrieved: Annotation<Passage[]>(),
  /** A retrieval failed (server down, bad input): said in the answer instead of "I don't know". */
  retrievalError: Annotation<string | undefined>(),
  /** Every passage graded so far, over all attempts. */
  graded: Annotation<GradedPassage[]>({ reducer: (a, b) => [...a, ...b], default: () => [] }),
  reply: Annotation<string>(),
  claims: Annotation<Claim[]>(),
  /** True when the answer states facts from the evidence; false for "I don't know". */
  known: Annotation<boolean>(),
  /** crm:// URIs the answer cites, in order of first mention. */
  citations: Annotation<string[]>(),
});

export type ResearchStateType = typeof ResearchState.State;
export type ResearchUpdate = typeof ResearchState.Update;
