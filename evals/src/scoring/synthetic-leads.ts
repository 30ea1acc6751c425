// A synthetic CRM export with a known data-generating process, for benchmarks and sanity checks.
// The true log-odds of every row are returned too, so the best achievable AUC (the oracle's) is
// known and our models can be compared against it without any other ML library.
// The scoring ML is not re-exported from @crm/core's index yet; switch this import to '@crm/core' when it is.
import { createRandom, type Random } from '../../../core/src/scoring/ml/index.ts';

export interface SyntheticLeads {
  text: string;
  header: string[];
  /** True log-odds per row. */
  logit: Float64Array;
  y: Uint8Array;
}

function gauss(r: Random): number {
  let u = 0;
  while (u === 0) u = r();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * r());
}

/** Zipf-like pick from k levels (a long tail of rare levels, as real lead sources have). */
function zipf(r: Random, k: number): number {
  const u = r();
  return Math.min(k - 1, Math.floor(k ** u) - 1);
}

const pad = (x: number): string => String(x).padStart(2, '0');

/**
 * `rows` leads × 40 feature columns (16 numeric, 10 categorical, 8 boolean, 4 dates, 2 free
 * text) plus a lead id and the outcome. About a dozen columns carry signal, including two
 * interactions and a threshold effect only trees can model exactly; the rest is noise.
 */
export function syntheticLeads(rows: number, seed: number): SyntheticLeads {
  const r = createRandom(seed);
  const header = ['Lead ID'];
  for (let j = 0; j < 16; j++) header.push(`num_${j}`);
  const cardinalities = [3, 4, 5, 6, 8, 12, 20, 30, 60, 150];
  cardinalities.forEach((_, j) => header.push(`cat_${j}`));
  for (let j = 0; j < 8; j++) header.push(`flag_${j}`);
  for (let j = 0; j < 4; j++) header.push(`date_${j}`);
  header.push('notes', 'city', 'Converted');
  const lines = [header.join(',')];
  const logit = new Float64Array(rows);
  const y = new Uint8Array(rows);
  const catEffect = cardinalities.map((k, j) => Array.from({ length: k }, () => (j < 4 ? 0.8 * gauss(r) : j < 6 ? 0.3 * gauss(r) : 0)));
  const boolTokens = [
    ['Yes', 'No'],
    ['true', 'false'],
    ['1', '0'],
    ['Y', 'N'],
  ];
  for (let i = 0; i < rows; i++) {
    const cells: string[] = [String(100000 + i)];
    const num: number[] = [];
    for (let j = 0; j < 16; j++) {
      const v = j % 4 === 0 ? Math.exp(gauss(r)) : j % 4 === 1 ? Math.floor(r() * 50) : gauss(r) * 10 + 50;
      num.push(v);
      const missing = j < 4 && r() < 0.05 * (j + 1);
      cells.push(missing ? (j % 2 ? '' : 'NA') : j % 4 === 1 ? String(v) : v.toFixed(3));
    }
    const cat = cardinalities.map((k) => zipf(r, k));
    cat.forEach((c, j) => cells.push(r() < 0.02 ? '' : `level_${j}_${c}`));
    const flags: boolean[] = [];
    for (let j = 0; j < 8; j++) {
      const f = r() < 0.3 + 0.05 * j;
      flags.push(f);
      cells.push(boolTokens[j % 4][f ? 0 : 1]);
    }
    const days = [Math.floor(r() * 700), Math.floor(r() * 700), Math.floor(r() * 700), Math.floor(r() * 700)];
    const date = (d: number) => new Date(Date.UTC(2023, 0, 1) + d * 86_400_000);
    const d0 = date(days[0]);
    const d1 = date(days[1]);
    const d2 = date(days[2]);
    const d3 = date(days[3]);
    cells.push(`${d0.getUTCFullYear()}-${pad(d0.getUTCMonth() + 1)}-${pad(d0.getUTCDate())}`);
    cells.push(`${d1.getUTCMonth() + 1}/${d1.getUTCDate()}/${d1.getUTCFullYear()}`);
    cells.push(`${d2.toISOString().slice(0, 19)}Z`);
    cells.push(`${pad(d3.getUTCDate())}.${pad(d3.getUTCMonth() + 1)}.${d3.getUTCFullYear()}`);
    cells.push(`"note ${Math.floor(r() * 1e6)}, follow up"`);
    cells.push(`city_${zipf(r, 400)}`);
    const z =
      -1.3 +
      0.6 * Math.log(num[0]) +
      0.03 * (num[1] - 25) +
      0.04 * (num[2] - 50) -
      0.03 * (num[6] - 50) +
      (num[5] > 35 ? 0.7 : 0) +
      catEffect.reduce((a, eff, j) => a + eff[cat[j]], 0) +
      (flags[0] ? 0.6 : 0) -
      (flags[1] ? 0.4 : 0) +
      (flags[2] && flags[3] ? 0.8 : 0) +
      0.0015 * (days[0] - 350) +
      0.02 * (num[10] - 50) * (flags[4] ? 1 : -1) / 2;
    logit[i] = z;
    y[i] = r() < 1 / (1 + Math.exp(-z)) ? 1 : 0;
    cells.push(y[i] ? 'Won' : 'Lost');
    lines.push(cells.join(','));
  }
  return { text: lines.join('\n') + '\n', header, logit, y };
}
