import type { LangGraphRunnableConfig } from '@langchain/langgraph';
import type { Claim, GradedPassage, Passage } from './research.state.ts';

export interface Decision {
  retrieve: boolean;
  reason: string;
}

export interface Grade {
  /** 0..1 */
  grade: number;
  relevant: boolean;
}

/**
 * The four judgements of the research graph. The graph owns the control flow (bounded re-query,
 * citation checks, "I don't know"); a strategy only judges: deterministically for the offline
 * `local` model, with prompts for a real chat model.
 */
export interface ResearchStrategy {
  readonly name: string;
  decide(question: string, config?: LangGraphRunnableConfig): Promise<Decision>;
  /** The next query to try; `tried` are the queries already run (empty on the first attempt). */
  rewrite(question: string, tried: readonly string[], config?: LangGraphRunnableConfig): Promise<string>;
  /** One grade per passage, in order. */
  grade(question: string, query: string, passages: readonly Passage[], config?: LangGraphRunnableConfig): Promise<Grade[]>;
  /** Claims drawn from the relevant passages, each with the URIs it came from; none ⇒ "I don't know". */
  answer(question: string, relevant: readonly GradedPassage[], config?: LangGraphRunnableConfig): Promise<Claim[]>;
}
