/** Numerically stable logistic function. */
export function sigmoid(r: number): number {
  if (r >= 0) return 1 / (1 + Math.exp(-r));
  const e = Math.exp(r);
  return e / (1 + e);
}

/** log(1 + e^r) without overflow. */
export function softplus(r: number): number {
  return r > 0 ? r + Math.log1p(Math.exp(-r)) : Math.log1p(Math.exp(r));
}

/** log-odds of p, clamped away from 0 and 1. */
export function logit(p: number): number {
  const q = Math.min(1 - 1e-12, Math.max(1e-12, p));
  return Math.log(q / (1 - q));
}

export function mean(xs: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < xs.length; i++) s += xs[i];
  return xs.length === 0 ? Number.NaN : s / xs.length;
}

/** Sample standard deviation (n - 1); 0 for fewer than two values. */
export function std(xs: ArrayLike<number>): number {
  if (xs.length < 2) return 0;
  const m = mean(xs);
  let s = 0;
  for (let i = 0; i < xs.length; i++) s += (xs[i] - m) ** 2;
  return Math.sqrt(s / (xs.length - 1));
}
