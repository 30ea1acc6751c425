/** Seeded synthetic series for the statistics tests (mulberry32 + Box–Muller, as in scoring/ml). */
import { createRandom } from '../../scoring/ml/random.ts';

/** The scoring library's seeded generator (mulberry32). */
export const rng = createRandom;

export function gaussian(random: () => number): number {
  let u = 0;
  while (u === 0) u = random();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
}

/** A daily series: level + slope·t + weekly pattern + N(0, noise²). */
export function dailySeries(seed: number, n: number, opts: { level?: number; slope?: number; noise?: number; weekly?: number[] } = {}): number[] {
  const random = rng(seed);
  const weekly = opts.weekly ?? [0, 0, 0, 0, 0, 0, 0];
  return Array.from({ length: n }, (_, t) => (opts.level ?? 50) + (opts.slope ?? 0) * t + weekly[t % 7] + (opts.noise ?? 3) * gaussian(random));
}

export const WEEKDAY_PATTERN = [6, 8, 7, 5, 3, -12, -17];
