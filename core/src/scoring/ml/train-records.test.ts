import { describe, expect, it } from 'vitest';
import { DatasetError } from './dataset-error.ts';
import type { FeatureRecord } from './encoder.ts';
import { createRandom, normal } from './random.ts';
import { createScorer } from './scorer.ts';
import { trainRecords } from './train-records.ts';

function crmRecords(n: number, seed: number): { rows: FeatureRecord[]; labels: number[] } {
  const random = createRandom(seed);
  const rows: FeatureRecord[] = [];
  const labels: number[] = [];
  for (let i = 0; i < n; i++) {
    const emailsOpened = Math.floor(random() * 10);
    const status = ['LEAD', 'PROSPECT'][Math.floor(random() * 2)];
    const hasPhone = random() < 0.6;
    const z = 0.4 * emailsOpened + (hasPhone ? 0.8 : -0.3) + (status === 'PROSPECT' ? 0.5 : 0) - 2.5 + 0.3 * normal(random);
    rows.push({ emailsOpened: random() < 0.05 ? null : emailsOpened, status, hasPhone });
    labels.push(random() < 1 / (1 + Math.exp(-z)) ? 1 : 0);
  }
  return { rows, labels };
}

describe('trainRecords (CRM feature extractor path)', () => {
  const specs = [
    { name: 'emailsOpened', kind: 'numeric' as const },
    { name: 'status', kind: 'categorical' as const },
    { name: 'hasPhone', kind: 'boolean' as const },
  ];

  it('trains on typed records and scores typed records', async () => {
    const { rows, labels } = crmRecords(1200, 8);
    const { trained, report } = await trainRecords({ specs, rows, labels, folds: 3, target: 'became_customer' });
    expect(report.auc).toBeGreaterThan(0.75);
    expect(trained.schema).toBeNull();
    expect(trained.target).toBe('became_customer');
    const scorer = createScorer(JSON.parse(JSON.stringify(trained)));
    const keen = scorer.scoreRecord({ emailsOpened: 9, status: 'PROSPECT', hasPhone: true });
    const cold = scorer.scoreRecord({ emailsOpened: 0, status: 'LEAD', hasPhone: false });
    expect(keen.score).toBeGreaterThan(cold.score);
    expect(keen.contributions[0].name).toBe('emailsOpened');
  });

  it('rejects labels that are not 0/1', async () => {
    const { rows, labels } = crmRecords(100, 9);
    labels[4] = 2;
    await expect(trainRecords({ specs, rows, labels })).rejects.toMatchObject({ field: 'labels', row: 5 });
    await expect(trainRecords({ specs, rows, labels: labels.slice(1) })).rejects.toBeInstanceOf(DatasetError);
  });
});
