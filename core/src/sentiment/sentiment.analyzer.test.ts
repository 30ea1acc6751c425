import { describe, expect, it } from 'vitest';
import { SentimentScore } from '../interactions/interaction.schema.ts';
import { LABELLED } from './labelled-sentences.fixture.ts';
import { analyzeSentiment, polarity, SENTIMENT_TUNING } from './sentiment.analyzer.ts';

// Fixed split: every other sentence of each class is for tuning, the rest for testing.
const tuning = LABELLED.filter((_, i) => i % 2 === 0);
const test = LABELLED.filter((_, i) => i % 2 === 1);

function accuracy(rows: typeof LABELLED, scale: number, band: number): number {
  return rows.filter(([text, label]) => polarity(analyzeSentiment(text, { scale }).score, band) === label).length / rows.length;
}

describe('lexicon sentiment', () => {
  it('the shipped tuning is the best of the grid on the tuning half', () => {
    let best = { acc: -1, scale: 0, band: 0 };
    for (const scale of [1, 2, 3, 5, 8]) for (const band of [0, 0.1, 0.15, 0.25, 0.4]) {
      const acc = accuracy(tuning, scale, band);
      if (acc > best.acc) best = { acc, scale, band };
    }
    expect(accuracy(tuning, SENTIMENT_TUNING.scale, SENTIMENT_TUNING.neutralBand)).toBe(best.acc);
  });

  it('reaches ≥ 75% three-class accuracy on the held-out test half', () => {
    const acc = accuracy(test, SENTIMENT_TUNING.scale, SENTIMENT_TUNING.neutralBand);
    console.info(`sentiment test accuracy: ${(acc * 100).toFixed(1)}% on ${test.length} held-out sentences`);
    expect(acc).toBeGreaterThanOrEqual(0.75);
  });

  it('returns the SentimentScore shape with negation, emotions and confidence', () => {
    const s = analyzeSentiment('I am not happy, the report is late again and this is frustrating');
    expect(SentimentScore.parse(s)).toEqual(s);
    expect(s.score).toBeLessThan(0);
    expect(s.emotions).toContain('frustration');
    const calm = analyzeSentiment('Sent the invoice.');
    expect(calm.score).toBe(0);
    expect(calm.confidence).toBeLessThan(s.confidence);
    expect(analyzeSentiment('').score).toBe(0);
  });
});
