// Honest comparison of the model candidates of `crm scoring evaluate` (LR, GBT, blend) and of the
// inner-CV selection among them, on synthetic lead datasets with known non-linear structure.
//
// Every dataset is generated once and split 50/50 (seeded) into a TUNING part and a TEST part.
// Any change to a hyper-parameter default must be justified on `--part tuning` only; the README
// quotes `--part test`, which no default was fitted to.
//   npx tsx evals/src/scoring/compare-models.ts [--part test|tuning] [--rows 6000] [--gbt maxDepth=3,subsample=0.8] [--json]
import { parseArgs } from 'node:util';
import { createRandom, evaluateCsv, type Random, rocAuc, shuffleRows } from './compare-models.support.ts';
import { syntheticLeads } from './synthetic-leads.ts';

interface Dataset {
  name: string;
  header: string[];
  /** CSV lines without the header. */
  lines: string[];
  y: ArrayLike<number>;
  logit: Float64Array;
  target: string;
  id?: string;
}

function gauss(r: Random): number {
  let u = 0;
  while (u === 0) u = r();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * r());
}

const sigmoid = (z: number) => 1 / (1 + Math.exp(-z));

/** The benchmark CRM export (40 columns, interactions, a threshold, categories up to 150 levels). */
function crmExport(n: number, seed: number): Dataset {
  const s = syntheticLeads(n, seed);
  // Quoted notes never span lines, so splitting on line breaks keeps rows whole.
  const lines = s.text.trimEnd().split('\n');
  return { name: 'synthetic-crm-export', header: s.header, lines: lines.slice(1), y: s.y, logit: s.logit, target: 'Converted', id: 'Lead ID' };
}

/**
 * A marketing-response file: the offer works on well-off repeat visitors (a threshold AND), young
 * people respond on mobile and older ones on desktop (an XOR), and 250 postcodes each have their
 * own rate (a high-cardinality category for the target encoding).
 */
function marketingResponse(n: number, seed: number): Dataset {
  const r = createRandom(seed);
  const postcodeEffect = Array.from({ length: 250 }, () => gauss(r) * 0.9);
  const header = ['customer_id', 'age', 'income_k', 'visits', 'device', 'postcode', 'newsletter', 'tenure_months', 'responded'];
  const lines: string[] = [];
  const y = new Uint8Array(n);
  const logit = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const age = Math.round(18 + 50 * r());
    const income = Math.round(Math.exp(3.7 + 0.5 * gauss(r)));
    const visits = Math.floor(-Math.log(1 - r()) * 2.5);
    const mobile = r() < 0.5;
    const pc = Math.min(249, Math.floor(250 ** r()) - 1);
    const newsletter = r() < 0.3;
    const tenure = Math.floor(60 * r());
    const z =
      -1.6 + (income > 60 && visits >= 3 ? 1.8 : 0) + ((age < 35) === mobile ? 0.9 : -0.9) + postcodeEffect[pc] + (newsletter ? 0.3 : 0) + 0.004 * tenure;
    logit[i] = z;
    y[i] = r() < sigmoid(z) ? 1 : 0;
    lines.push([100000 + i, age, income, visits, mobile ? 'mobile' : 'desktop', `PC${pc}`, newsletter ? 'yes' : 'no', tenure, y[i]].join(','));
  }
  return { name: 'marketing-response', header, lines, y, logit, target: 'responded', id: 'customer_id' };
}

/** Purely additive log-odds: the selection should keep the simplest model here. */
function linearLeads(n: number, seed: number): Dataset {
  const r = createRandom(seed);
  const header = ['page_views', 'emails_opened', 'company_size', 'source', 'converted'];
  const sources = ['web', 'referral', 'event', 'partner', 'cold'];
  const effect = [0, 0.8, 0.4, 0.3, -0.7];
  const lines: string[] = [];
  const y = new Uint8Array(n);
  const logit = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const views = gauss(r) * 2 + 5;
    const opened = Math.floor(6 * r());
    const size = gauss(r);
    const s = Math.floor(5 * r());
    const z = -1 + 0.35 * (views - 5) + 0.25 * opened - 0.4 * size + effect[s];
    logit[i] = z;
    y[i] = r() < sigmoid(z) ? 1 : 0;
    lines.push([views.toFixed(2), opened, size.toFixed(3), sources[s], y[i]].join(','));
  }
  return { name: 'linear-leads', header, lines, y, logit, target: 'converted' };
}

const { values } = parseArgs({
  options: { part: { type: 'string', default: 'test' }, rows: { type: 'string', default: '6000' }, gbt: { type: 'string' }, json: { type: 'boolean' } },
});
// --gbt maxDepth=3,subsample=0.8,earlyStopping=true : tree settings to try (on --part tuning only).
const gbt = Object.fromEntries(
  (values.gbt ?? '')
    .split(',')
    .filter(Boolean)
    .map((kv) => {
      const [k, v] = kv.split('=');
      return [k.trim(), v === 'true' ? true : v === 'false' ? false : Number(v)];
    }),
);
if (values.part !== 'test' && values.part !== 'tuning') throw new Error('--part must be test or tuning');
const n = Number(values.rows);
if (!Number.isInteger(n) || n < 400) throw new Error('--rows must be a whole number ≥ 400');

const results = [];
for (const ds of [crmExport(n, 101), marketingResponse(n, 202), linearLeads(n, 303)]) {
  // The same seeded split whatever --part says: tuning and test never share a row.
  const order = shuffleRows(ds.lines.length, 7);
  const half = Math.floor(order.length / 2);
  const picked = values.part === 'tuning' ? order.slice(0, half) : order.slice(half);
  const text = [ds.header.join(','), ...Array.from(picked, (i) => ds.lines[i])].join('\n') + '\n';
  const y = Array.from(picked, (i) => ds.y[i]);
  const oracle = rocAuc(y, Array.from(picked, (i) => ds.logit[i]));
  const started = performance.now();
  const r = await evaluateCsv({ csv: { text }, target: ds.target, id: ds.id, folds: 5, gbt });
  const auc = (m: string) => r.candidates.find((c) => c.model === m)?.auc ?? Number.NaN;
  results.push({
    dataset: ds.name,
    part: values.part,
    rows: r.rows,
    lr: auc('logistic_regression'),
    gbt: auc('gradient_boosted_trees'),
    blend: auc('blend'),
    selection: r.auc,
    chosen: r.model,
    outerPicks: r.selection.outerPicks,
    reason: r.selection.reason,
    oracle,
    seconds: (performance.now() - started) / 1000,
  });
}

if (values.json) {
  process.stdout.write(`${JSON.stringify(results)}\n`);
} else {
  const f = (x: number) => x.toFixed(3);
  process.stdout.write(`| dataset (${values.part} part) | rows | LR | GBT | blend | selection (nested) | chosen on all rows | oracle |\n|---|---|---|---|---|---|---|---|\n`);
  for (const x of results) {
    process.stdout.write(`| ${x.dataset} | ${x.rows} | ${f(x.lr)} | ${f(x.gbt)} | ${f(x.blend)} | ${f(x.selection)} | ${x.chosen} | ${f(x.oracle)} |\n`);
  }
  for (const x of results) process.stdout.write(`\n${x.dataset}: per-fold picks ${x.outerPicks.join(', ')}; ${x.reason} (${x.seconds.toFixed(1)} s)`);
  process.stdout.write('\n');
}
