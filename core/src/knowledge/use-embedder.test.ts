import { describe, expect, it } from 'vitest';
import { cosineSimilarity } from './local-embedder.ts';
import { createUseEmbedder, USE_MODEL_DIMENSIONS } from './use-embedder.ts';

describe('createUseEmbedder (the Universal Sentence Encoder from @energetic-ai, offline)', () => {
  it('refuses a vector size below the model output, naming the field', () => {
    expect(() => createUseEmbedder({ dimensions: 256 })).toThrow(/dimensions must be an integer ≥ 512/);
  });

  it('embeds to unit vectors zero-padded to the store size; a paraphrase is nearer than an unrelated sentence', async () => {
    const e = createUseEmbedder();
    const [a, b, c, empty] = await e.embedDocuments([
      'How much does the monthly retainer cost?',
      'What is the price of the retainer each month?',
      'The kickoff workshop covers goals and site access.',
      '',
    ]);
    expect(a).toHaveLength(768);
    expect(a.slice(USE_MODEL_DIMENSIONS).every((x) => x === 0)).toBe(true);
    expect(Math.hypot(...a)).toBeCloseTo(1, 5);
    expect(cosineSimilarity(a, b)).toBeGreaterThan(cosineSimilarity(a, c) + 0.2);
    expect(empty).toHaveLength(768);
    expect(await e.embedQuery('How much does the monthly retainer cost?')).toEqual(a.map((x) => expect.closeTo(x, 5)));
  }, 120_000);
});
