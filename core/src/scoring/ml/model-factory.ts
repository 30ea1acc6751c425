import { BlendModel, createMember } from './blend.model.ts';
import type { Classifier, ModelKind } from './classifier.ts';

/** A model of the given kind with this library's defaults (high-cardinality categories target-encoded inside each fit). */
export function createClassifier(kind: ModelKind, seed = 42): Classifier {
  return kind === 'blend' ? new BlendModel(seed) : createMember(kind, seed);
}
