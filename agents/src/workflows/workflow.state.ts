import { Annotation } from '@langchain/langgraph';

const merge = <T>() =>
  Annotation<Record<string, T>>({
    reducer: (a, b) => ({ ...a, ...b }),
    default: () => ({}),
  });

/**
 * The checkpointed state of one execution. Everything a resumed run needs is here (or derivable
 * from the execution row), so a run killed between any two steps continues where it stopped.
 */
export const WorkflowState = Annotation.Root({
  /** Output of every finished step visit, by step id (later visits of a looped step overwrite). */
  outputs: merge<unknown>(),
  /** Where each step visit continues: next step ids (empty ⇒ this branch ends). */
  routes: merge<string[]>(),
  /** WAIT deadlines by visit key, written before the gate so a resumed wait keeps its deadline. */
  timers: merge<string>(),
  /** Step ids in the order they ran: the path report, and the visit counter of looped steps. */
  path: Annotation<string[]>({ reducer: (a, b) => a.concat(b), default: () => [] }),
});
export type WorkflowStateType = typeof WorkflowState.State;
export type WorkflowStateUpdate = typeof WorkflowState.Update;

/** The visit key of a step: `s` for the first run, `s#2` for the second time round a loop. */
export function visitKey(state: WorkflowStateType, stepId: string): string {
  const n = state.path.filter((p) => p === stepId).length;
  return n === 0 ? stepId : `${stepId}#${n + 1}`;
}
