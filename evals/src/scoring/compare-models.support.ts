// The scoring ML is not re-exported from @crm/core's index yet (see synthetic-leads.ts).
import { createRandom, shuffleInPlace } from '../../../core/src/scoring/ml/random.ts';

export { evaluateCsv, rocAuc } from '../../../core/src/scoring/ml/index.ts';
export { createRandom };
export type { Random } from '../../../core/src/scoring/ml/index.ts';

/** Row indices 0..n-1 in a seeded random order. */
export function shuffleRows(n: number, seed: number): Uint32Array {
  return shuffleInPlace(Uint32Array.from({ length: n }, (_, i) => i), createRandom(seed));
}
