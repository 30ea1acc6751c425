import { describe, expect, it } from 'vitest';
import { Encoder, OTHER_LEVEL } from './encoder.ts';
import { trainCsv } from './evaluate-csv.ts';
import { sigmoid } from './math.ts';
import { rocAuc } from './metrics.ts';
import { createRandom } from './random.ts';
import { fitTargetEncoding } from './target-encoding.ts';

function cityData(n: number, seed: number, signal: boolean) {
  const random = createRandom(seed);
  const cities: string[] = [];
  const visits: number[] = [];
  const y = new Uint8Array(n);
  // 300 cities: each has its own conversion rate when `signal`, none otherwise.
  const effect = Array.from({ length: 300 }, () => (random() - 0.5) * 4);
  for (let i = 0; i < n; i++) {
    const c = Math.floor(random() * 300);
    cities.push(`city-${c}`);
    visits.push(Math.floor(random() * 10));
    y[i] = random() < sigmoid((signal ? effect[c] : 0) + 0.1 * visits[i] - 0.5) ? 1 : 0;
  }
  return { cities, visits, y };
}

describe('target encoding', () => {
  it('encodes a column with many levels as one feature, kept out of one-hot', () => {
    const { cities, visits } = cityData(2000, 1, true);
    const enc = Encoder.fitColumns(
      [
        { name: 'city', kind: 'categorical' },
        { name: 'visits', kind: 'numeric' },
      ],
      { city: cities, visits: Float64Array.from(visits) },
      2000,
    );
    expect(enc.featureNames).toEqual(['city', 'visits']);
    expect(enc.codeFeatures).toEqual([0]);
    // An unseen level is pooled with the one-offs (or gets the prior when there were none).
    const col = enc.columns[0];
    const other = col.kind === 'categorical' ? col.levels.indexOf(OTHER_LEVEL) : -2;
    expect(enc.encodeRow({ city: 'nowhere', visits: 1 })[0]).toBe(other);
  });

  it("never uses a row's own label: swapping two rows' labels leaves each one's training value unchanged", () => {
    const { cities, visits, y } = cityData(1000, 2, true);
    const specs = [{ name: 'city', kind: 'categorical' as const }];
    const enc = Encoder.fitColumns(specs, { city: cities }, 1000);
    const m = enc.transformColumns({ city: cities, visits: Float64Array.from(visits) }, 1000);
    const rows = Uint32Array.from({ length: 1000 }, (_, i) => i);
    const before = fitTargetEncoding(m, y, rows, [0], 7).data;
    const r = y.indexOf(1);
    const q = y.findIndex((v, i) => v === 0 && cities[i] !== cities[r]);
    const swapped = Uint8Array.from(y);
    swapped[r] = 0;
    swapped[q] = 1;
    const after = fitTargetEncoding(m, swapped, rows, [0], 7).data;
    expect(after[r]).toBe(before[r]);
    expect(after[q]).toBe(before[q]);
  });

  it('out-of-fold values of a pure-noise column carry no signal on the training rows (in-sample ones would)', () => {
    const { cities, y } = cityData(2000, 3, false);
    const m = Encoder.fitColumns([{ name: 'city', kind: 'categorical' }], { city: cities }, 2000).transformColumns({ city: cities }, 2000);
    const rows = Uint32Array.from({ length: 2000 }, (_, i) => i);
    const { data, encoding } = fitTargetEncoding(m, y, rows, [0], 7);
    const inSample = Array.from(rows, (i) => encoding.features[0].values[m.data[i]]);
    expect(rocAuc(y, data)).toBeLessThan(0.56);
    expect(rocAuc(y, inSample)).toBeGreaterThan(0.6);
  });

  it('is learned inside training, stored with the model and scored with additive explanations', async () => {
    const { cities, visits, y } = cityData(3000, 4, true);
    const text = ['city,visits,won', ...cities.map((c, i) => `${c},${visits[i]},${y[i]}`)].join('\n') + '\n';
    const { trained, report, scoreRow } = await trainCsv({ csv: text, target: 'won', folds: 3 });
    expect(report.auc).toBeGreaterThan(0.7);
    expect(report.topFactors[0].name).toBe('city');
    const model = trained.model as { targetEncoding?: unknown; lr?: { model: { targetEncoding?: unknown } } };
    expect(model.targetEncoding ?? model.lr?.model.targetEncoding).toBeDefined();
    const scored = scoreRow({ city: 'city-5', visits: '3' });
    const sum = scored.base + scored.contributions.reduce((a, c) => a + c.contribution, 0);
    expect(sigmoid(sum)).toBeCloseTo(scored.probability, 10);
    // An unseen city gets the base rate for its city part, not an error.
    expect(scoreRow({ city: 'atlantis', visits: '3' }).probability).toBeGreaterThan(0);
  });
});
