import { describe, expect, it } from 'vitest';
import { PlattCalibrator, predictionConfidence, scoreFromProbability } from './calibration.ts';
import { logLoss } from './metrics.ts';
import { createRandom } from './random.ts';
import { sigmoid } from './math.ts';

describe('PlattCalibrator', () => {
  it('undoes over-confident log-odds and improves log loss', () => {
    // True log-odds z; the "model" reports 3z − 1 (too confident, shifted).
    const random = createRandom(5);
    const raw: number[] = [];
    const y: number[] = [];
    for (let i = 0; i < 5000; i++) {
      const z = 4 * random() - 2;
      y.push(random() < sigmoid(z) ? 1 : 0);
      raw.push(3 * z - 1);
    }
    const cal = PlattCalibrator.fit(raw, y);
    expect(cal.a).toBeGreaterThan(0.28);
    expect(cal.a).toBeLessThan(0.39);
    expect(cal.b).toBeGreaterThan(0.2);
    expect(cal.b).toBeLessThan(0.5);
    const before = logLoss(y, raw.map(sigmoid));
    const after = logLoss(y, raw.map((r) => cal.calibrate(r)));
    expect(after).toBeLessThan(before);
  });

  it('ignores NaN (never predicted) rows and survives JSON', () => {
    const cal = PlattCalibrator.fit([NaN, -2, -1, 1, 2, NaN], [1, 0, 0, 1, 1, 0]);
    expect(Number.isFinite(cal.a)).toBe(true);
    const again = PlattCalibrator.fromJSON(JSON.parse(JSON.stringify(cal.toJSON())));
    expect(again.calibrate(0.3)).toBe(cal.calibrate(0.3));
  });

  it('is the identity when only one class is present', () => {
    const cal = PlattCalibrator.fit([1, 2], [1, 1]);
    expect(cal.calibrate(0.7)).toBe(sigmoid(0.7));
  });
});

describe('score and confidence', () => {
  it('maps probability to a 0–100 score', () => {
    expect(scoreFromProbability(0.734)).toBe(73);
    expect(scoreFromProbability(0)).toBe(0);
    expect(scoreFromProbability(1)).toBe(100);
  });

  it('grows with decisiveness and with support', () => {
    expect(predictionConfidence(0.5, 1)).toBe(0.5);
    expect(predictionConfidence(0.95, 1)).toBe(0.95);
    expect(predictionConfidence(0.05, 1)).toBe(0.95);
    expect(predictionConfidence(0.95, 0.5)).toBe(0.475);
    expect(predictionConfidence(0.95, 0)).toBe(0);
  });
});
