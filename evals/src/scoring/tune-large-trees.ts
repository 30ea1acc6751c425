// Tuning study for the trees of LARGE selections (≥ HOLDOUT_SELECTION_ROWS rows): does a larger
// learning rate, with early stopping on the selection's hold-out, lose AUC against shrinkage 0.05?
// Synthetic CRM exports only (seed 7, not the benchmark's 2024; never the public test sets):
//   npx tsx evals/src/scoring/tune-large-trees.ts [--rows 100000] [--rates 0.05,0.1,0.2]
// For each rate: the selection's GBT candidate fitted on 90% of the training part, early-stopped on
// the other 10% (as selectOnHoldout does), AUC on a 20% test part, rounds kept, CPU seconds.
import { allRows, Encoder, inferColumn, parseTargetColumn, readCsv, rocAuc, stratifiedHoldout, type ColumnSpec, type ColumnValues } from '../../../core/src/scoring/ml/index.ts';
import { createMember, memberLearner } from '../../../core/src/scoring/ml/blend.model.ts';
import type { GradientBoostedTrees } from '../../../core/src/scoring/ml/gbt.model.ts';
import { syntheticLeads } from './synthetic-leads.ts';

const args = process.argv.slice(2);
const arg = (name: string, fallback: string) => (args.includes(name) ? args[args.indexOf(name) + 1] : fallback);
const rows = Number(arg('--rows', '100000'));
const rates = arg('--rates', '0.05,0.1,0.2').split(',').map(Number);
const data = syntheticLeads(rows, 7);
const table = await readCsv({ text: data.text });
const { y } = parseTargetColumn(table.columns[table.header.indexOf('Converted')]);
const specs: ColumnSpec[] = [];
const columns: Record<string, ColumnValues> = {};
table.header.forEach((name, c) => {
  if (name === 'Converted') return;
  const col = inferColumn(name, table.columns[c]);
  if (col.drop) return;
  specs.push({ name, kind: col.schema.type === 'categorical' ? 'categorical' : col.schema.type === 'boolean' ? 'boolean' : 'numeric' });
  columns[name] = col.values;
});
const matrix = Encoder.fitColumns(specs, columns, table.rowCount).transformColumns(columns, table.rowCount);
const outer = stratifiedHoldout(y, 0.2, 7, allRows(y.length));
const inner = stratifiedHoldout(y, 0.1, 42, outer.train);
const yTest = Array.from(outer.test, (i) => y[i]);
const cpu = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};
for (const learningRate of rates) {
  const c0 = cpu();
  const model = createMember('gradient_boosted_trees', 42, { learningRate, validationRows: inner.test }).fit(matrix, y, inner.train);
  const cpuSeconds = Math.round((cpu() - c0) * 10) / 10;
  const auc = rocAuc(yTest, model.predictRawMatrix(matrix, outer.test));
  const rounds = (memberLearner(model) as GradientBoostedTrees).iterations;
  console.log(JSON.stringify({ rows, learningRate, rounds, testAuc: Math.round(auc * 10000) / 10000, oracleAuc: Math.round(rocAuc(yTest, Array.from(outer.test, (i) => data.logit[i])) * 10000) / 10000, cpuSeconds }));
}
