// `crm scoring evaluate --json` without booting the CLI (no database, no model provider): the
// scoring library alone, for benchmark scripts. Accepts the CLI's arguments:
//   npx tsx evals/src/scoring/compare-sklearn/evaluate-json.ts [scoring evaluate] --csv F --target C [--fold-column C] [--id C] [--exclude a,b] [--keep a,b] [--time C] [--folds 5]
import { parseArgs } from 'node:util';
import { evaluateCsv } from '../../../../core/src/scoring/ml/index.ts';

const { values } = parseArgs({
  allowPositionals: true,
  options: {
    csv: { type: 'string' },
    target: { type: 'string' },
    'fold-column': { type: 'string' },
    id: { type: 'string' },
    exclude: { type: 'string' },
    keep: { type: 'string' },
    time: { type: 'string' },
    folds: { type: 'string' },
    json: { type: 'boolean' },
  },
});
const list = (s?: string) => s?.split(',').map((x) => x.trim()).filter(Boolean);
if (!values.csv || !values.target) throw new Error('--csv and --target are required');
const r = await evaluateCsv({
  csv: { path: values.csv },
  target: values.target,
  foldColumn: values['fold-column'],
  id: values.id,
  exclude: list(values.exclude),
  keep: list(values.keep),
  timeColumn: values.time,
  folds: values.folds ? Number(values.folds) : 5,
});
process.stdout.write(
  `${JSON.stringify({
    auc: r.auc,
    aucStd: r.aucStd,
    logLoss: r.logLoss,
    model: r.model,
    candidates: r.candidates.map((c) => ({ model: c.model, auc: c.auc, aucStd: c.aucStd })),
    selection: r.selection,
    leakageWarnings: r.leakageWarnings,
    withoutSuspects: r.withoutSuspects,
    dropped: r.columns.filter((c) => c.role === 'id' || c.role === 'dropped').map((c) => ({ name: c.name, note: c.note })),
  })}\n`,
);
