/**
 * Seeded randomness for the demo tenant. Everything the generator draws comes from here, so one
 * seed always yields byte-identical data (no Math.random, no clock).
 */
import { createRandom } from '../scoring/ml/random.ts';

/** mulberry32 (the scoring library's seeded generator): tiny, fast, good enough for synthetic data (not for anything security related). */
export const mulberry32: (seed: number) => () => number = createRandom;

export class Rng {
  private readonly next: () => number;
  private spareNormal: number | undefined;

  constructor(seed: number) {
    this.next = mulberry32(seed);
  }

  /** Uniform in [0, 1). */
  float(): number {
    return this.next();
  }

  /** Uniform in [min, max). */
  range(min: number, max: number): number {
    return min + (max - min) * this.next();
  }

  /** Uniform integer in [min, max] (both inclusive). */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)];
  }

  /** Picks from [item, weight] pairs; weights need not sum to 1. */
  weighted<T>(pairs: readonly (readonly [T, number])[]): T {
    let total = 0;
    for (const [, w] of pairs) total += w;
    let r = this.next() * total;
    for (const [item, w] of pairs) {
      r -= w;
      if (r < 0) return item;
    }
    return pairs[pairs.length - 1][0];
  }

  /** Standard normal (Box–Muller, caching the second value). */
  normal(mean = 0, sd = 1): number {
    if (this.spareNormal !== undefined) {
      const z = this.spareNormal;
      this.spareNormal = undefined;
      return mean + sd * z;
    }
    const u = 1 - this.next();
    const v = this.next();
    const r = Math.sqrt(-2 * Math.log(u));
    this.spareNormal = r * Math.sin(2 * Math.PI * v);
    return mean + sd * r * Math.cos(2 * Math.PI * v);
  }

  /** Poisson by inversion; fine for the small means used here. */
  poisson(lambda: number): number {
    const limit = Math.exp(-lambda);
    let k = 0;
    let p = this.next();
    while (p > limit && k < 200) {
      k++;
      p *= this.next();
    }
    return k;
  }

  /** Picks up to `count` distinct items, keeping their original order. */
  sample<T>(items: readonly T[], count: number): T[] {
    const idx = items.map((_, i) => i);
    for (let i = idx.length - 1; i > 0; i--) {
      const j = Math.floor(this.next() * (i + 1));
      [idx[i], idx[j]] = [idx[j], idx[i]];
    }
    return idx
      .slice(0, Math.min(count, items.length))
      .sort((a, b) => a - b)
      .map((i) => items[i]);
  }

  /** Fills `{slot}` placeholders; a slot whose value is an array gets one of its entries. */
  fill(template: string, slots: Record<string, string | readonly string[]>): string {
    return template.replace(/\{(\w+)\}/g, (whole, key: string) => {
      const value = slots[key];
      if (value === undefined) return whole;
      return typeof value === 'string' ? value : this.pick(value);
    });
  }
}

export const sigmoid = (x: number): number => 1 / (1 + Math.exp(-x));
export const clamp = (x: number, min: number, max: number): number => Math.min(max, Math.max(min, x));
export const round2 = (x: number): number => Math.round(x * 100) / 100;
