// A numeric column's "none" code (UCI bank marketing's pdays = -1, "never contacted") read as a
// number or as missing (core/src/scoring/ml/column-inference.ts, missingCodeOf). The data are
// synthetic, made so that having been contacted matters (a mechanism check, not a general gain);
// "as a number" is the same file with the code written -2, which is no conventional code.
//
//   npx tsx evals/src/scoring/missing-codes.ts [--rows 4000]
import { parseArgs } from 'node:util';
import { evaluateCsv } from '../../../core/src/scoring/ml/evaluate-csv.ts';

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { rows: { type: 'string', default: '4000' } } });
  const n = Number(values.rows);
  console.log('| seed | pdays = -1 read | LR | GBT | blend | chosen | selection AUC |\n|---|---|---|---|---|---|---|');
  for (const s0 of [21, 22, 23]) {
    let seed = s0;
    const rnd = () => (seed = (seed * 16807) % 2147483647) / 2147483647;
    const rows = Array.from({ length: n }, () => {
      const contacted = rnd() < 0.18;
      const pdays = contacted ? Math.floor(rnd() * 400) : -1;
      const balance = Math.floor(rnd() * 3000 - 300);
      const p = contacted ? 0.45 - pdays / 1500 : 0.09;
      return [pdays, Math.floor(rnd() * 60) + 18, balance, rnd() < p ? 'yes' : 'no'] as const;
    });
    for (const code of ['-1', '-2']) {
      const csv = ['pdays,age,balance,y', ...rows.map((r) => [r[0] === -1 ? code : r[0], r[1], r[2], r[3]].join(','))].join('\n');
      const rep = await evaluateCsv({ csv, target: 'y', folds: 5 });
      const auc = (m: string) => rep.candidates.find((c) => c.model === m)?.auc?.toFixed(3) ?? '–';
      console.log(
        `| ${s0} | ${code === '-1' ? 'as missing' : 'as a number'} | ${auc('logistic_regression')} | ${auc('gradient_boosted_trees')} | ${auc('blend')} | ${rep.model} | ${rep.auc.toFixed(3)} |`,
      );
    }
  }
}

void main();
