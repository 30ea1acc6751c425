import { mean, normalQuantile } from './distributions.ts';
import { requireFinite, StatsError } from './stats-error.ts';

export interface HoltWintersParams {
  alpha: number;
  beta: number;
  gamma: number;
}

export interface ForecastStep {
  step: number;
  mean: number;
  low: number;
  high: number;
}

export interface HoltWintersForecast {
  params: HoltWintersParams;
  period: number;
  /** Standard deviation of the one-step-ahead errors on the training data. */
  sigma: number;
  level: number;
  steps: ForecastStep[];
  /** The sum over the whole horizon (e.g. next week's total) with its own interval. */
  total: { mean: number; low: number; high: number };
  fitted: number[];
}

interface Fit {
  sse: number;
  count: number;
  fitted: number[];
  l: number;
  b: number;
  s: number[];
}

/**
 * Additive Holt–Winters in error-correction (ETS(A,A,A)) form:
 *   ŷ = l + b + s[t−m]; e = y − ŷ; l ← l + b + αe; b ← b + βe; s[t] ← s[t−m] + γe.
 * Written this way the h-step forecast error is a known linear combination of future shocks,
 * which gives the prediction-interval variance σ²(1 + Σ c_j²), c_j = α + βj + γ·[j mod m = 0]
 * (Hyndman et al., Forecasting with Exponential Smoothing, class 1).
 */
function run(y: ArrayLike<number>, m: number, p: HoltWintersParams): Fit {
  let l = mean(Array.prototype.slice.call(y, 0, m) as number[]);
  let b = (mean(Array.prototype.slice.call(y, m, 2 * m) as number[]) - l) / m;
  const s = Array.from({ length: m }, (_, i) => y[i] - l);
  // Level at the end of the first season, so the recursion starts at t = m with a consistent state.
  l += b * (m - 1) / 2;
  let sse = 0;
  let count = 0;
  const fitted: number[] = Array.from({ length: m }, (_, i) => l - b * (m - 1 - i) + s[i]);
  for (let t = m; t < y.length; t++) {
    const k = t % m;
    const yhat = l + b + s[k];
    const e = y[t] - yhat;
    fitted.push(yhat);
    sse += e * e;
    count++;
    l = l + b + p.alpha * e;
    b = b + p.beta * e;
    s[k] = s[k] + p.gamma * e;
  }
  return { sse, count, fitted, l, b, s };
}

const ALPHAS = [0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9];
const BETA_FRACTIONS = [0, 0.02, 0.1, 0.3];
const GAMMA_FRACTIONS = [0, 0.05, 0.15, 0.3, 0.5];

/** Fit by grid search on the one-step-ahead squared error (within the usual admissible region) and forecast `horizon` steps. */
export function holtWinters(
  series: ArrayLike<number>,
  options: { period: number; horizon: number; level?: number; params?: HoltWintersParams },
): HoltWintersForecast {
  const m = options.period;
  if (!Number.isInteger(m) || m < 2) throw new StatsError('period', 'must be a whole number of steps ≥ 2');
  if (!Number.isInteger(options.horizon) || options.horizon < 1 || options.horizon > 10 * m) {
    throw new StatsError('horizon', `must be a whole number between 1 and ${10 * m}`);
  }
  requireFinite('series', series, 3 * m);
  const level = options.level ?? 0.95;
  if (!(level > 0 && level < 1)) throw new StatsError('level', 'must be between 0 and 1');

  let best: { fit: Fit; params: HoltWintersParams } | undefined;
  const candidates: HoltWintersParams[] = options.params
    ? [options.params]
    : ALPHAS.flatMap((alpha) =>
        BETA_FRACTIONS.flatMap((bf) => GAMMA_FRACTIONS.map((gf) => ({ alpha, beta: alpha * bf, gamma: (1 - alpha) * gf }))),
      );
  for (const params of candidates) {
    const fit = run(series, m, params);
    if (!best || fit.sse < best.fit.sse) best = { fit, params };
  }
  const { fit, params } = best!;
  // Three smoothing parameters plus the initial state were estimated from the data.
  const dof = Math.max(1, fit.count - 3 - 2);
  const sigma = Math.sqrt(fit.sse / dof);
  const z = normalQuantile(1 - (1 - level) / 2);
  const c = (j: number) => params.alpha + params.beta * j + (j % m === 0 ? params.gamma : 0);
  const n = series.length;
  const steps: ForecastStep[] = [];
  let cumC = 0;
  for (let h = 1; h <= options.horizon; h++) {
    if (h > 1) cumC += c(h - 1) ** 2;
    const mu = fit.l + h * fit.b + fit.s[(n + h - 1) % m];
    const sd = sigma * Math.sqrt(1 + cumC);
    steps.push({ step: h, mean: mu, low: mu - z * sd, high: mu + z * sd });
  }
  // Shock k (1-based) reaches every later step of the horizon: its weight in the total is 1 + Σ c_j.
  let totalVar = 0;
  for (let k = 1; k <= options.horizon; k++) {
    let w = 1;
    for (let j = 1; j <= options.horizon - k; j++) w += c(j);
    totalVar += w * w;
  }
  const totalMean = steps.reduce((s, x) => s + x.mean, 0);
  const totalSd = sigma * Math.sqrt(totalVar);
  return {
    params,
    period: m,
    sigma,
    level,
    steps,
    total: { mean: totalMean, low: totalMean - z * totalSd, high: totalMean + z * totalSd },
    fitted: fit.fitted,
  };
}
