// Seeded synthetic data for the unit tests: a planted signal the models must find, and pure noise.
import { createMatrix, type FeatureMatrix } from './feature-matrix.ts';
import { sigmoid } from './math.ts';
import { createRandom, normal } from './random.ts';

export interface Labelled {
  m: FeatureMatrix;
  y: Uint8Array;
}

/**
 * n rows × 6 features. With `signal`, the log-odds are 1.5·x0 − 1.0·x1 + 1.2·[x2 > 0.5] − 0.5 plus
 * an interaction the trees can use (x3·x4); otherwise labels are coin flips at the same base rate.
 */
export function plantedMatrix(n: number, seed: number, signal = true): Labelled {
  const random = createRandom(seed);
  const d = 6;
  const m = createMatrix(n, ['x0', 'x1', 'x2', 'x3', 'x4', 'x5']);
  const y = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const x = m.data.subarray(i * d, (i + 1) * d);
    for (let j = 0; j < d; j++) x[j] = normal(random);
    const z = signal ? 1.5 * x[0] - x[1] + (x[2] > 0.5 ? 1.2 : 0) + 0.8 * x[3] * x[4] - 0.5 : -0.5;
    y[i] = random() < sigmoid(z) ? 1 : 0;
  }
  return { m, y };
}

export interface LeadCsvOptions {
  /** Adds "Stage" whose "Closed Lost"/"Closed Won" levels give the outcome away. */
  leakyStage?: boolean;
  /** Adds "Outcome Copy": the target with 1% of values flipped. */
  leakyCopy?: boolean;
  delimiter?: string;
}

const SOURCES = ['Web', 'Referral', 'Event', 'Cold Call', 'Partner'];
const INDUSTRIES = ['Retail', 'Software', 'Health', 'Finance', 'Education', 'Travel'];

/** A CRM-like export with numbers, booleans, dates, categories, an id, an email and missing values. */
export function leadCsv(n: number, seed: number, options: LeadCsvOptions = {}): { text: string; y: number[] } {
  const random = createRandom(seed);
  const d = options.delimiter ?? ',';
  const header = ['Lead ID', 'Email', 'Page Views', 'Company Size', 'Lead Source', 'Industry', 'Opened Email', 'Created', 'Converted'];
  if (options.leakyStage) header.push('Stage');
  if (options.leakyCopy) header.push('Outcome Copy');
  const lines = [header.join(d)];
  const y: number[] = [];
  for (let i = 0; i < n; i++) {
    const views = Math.floor(Math.exp(1.5 + normal(random)));
    const size = random() < 0.1 ? null : Math.round(10 + 200 * random());
    const source = SOURCES[Math.floor(random() * SOURCES.length)];
    const industry = random() < 0.05 ? '' : INDUSTRIES[Math.floor(random() * INDUSTRIES.length)];
    const opened = random() < 0.5;
    const day = 1 + Math.floor(random() * 28);
    const month = 1 + Math.floor(random() * 12);
    const z = 0.6 * Math.log1p(views) + (source === 'Referral' ? 1.2 : source === 'Cold Call' ? -1 : 0) + (opened ? 0.8 : -0.2) - 2;
    const label = random() < sigmoid(z) ? 1 : 0;
    y.push(label);
    const row = [
      String(1000 + i),
      `lead${i}@example.com`,
      String(views),
      size === null ? 'N/A' : String(size),
      source,
      industry,
      opened ? 'Yes' : 'No',
      `2024-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`,
      label ? 'won' : 'lost',
    ];
    if (options.leakyStage) row.push(label ? (random() < 0.5 ? 'Closed Won' : 'Negotiation') : random() < 0.5 ? 'Closed Lost' : 'Negotiation');
    if (options.leakyCopy) row.push(String(random() < 0.01 ? 1 - label : label));
    lines.push(row.join(d));
  }
  return { text: lines.join('\n') + '\n', y };
}
