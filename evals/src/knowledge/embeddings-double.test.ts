import { createModelProvider, loadModelProviderConfig } from '@crm/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bagOfWordsVector, DOUBLE_DIMENSIONS, doubleProviderEnv, type EmbeddingsDouble, startEmbeddingsDouble } from './embeddings-double.ts';

const cosine = (a: number[], b: number[]) => a.reduce((s, x, i) => s + x * b[i], 0);

describe('the OpenAI-compatible embeddings double used by eval-quality --embeddings-double', () => {
  let double: EmbeddingsDouble;
  beforeAll(async () => {
    double = await startEmbeddingsDouble();
  });
  afterAll(() => double.close());

  it("answers the product's openai-compatible provider with unit vectors of its dimension", async () => {
    const provider = await createModelProvider(loadModelProviderConfig({ ...doubleProviderEnv(double.url) }));
    expect(provider.embeddings.dimensions).toBe(DOUBLE_DIMENSIONS);
    // remote calls are accounted to a tenant, as core's knowledge service does
    const embeddings = provider.embeddings.forTenant!('00000000-0000-4000-8000-000000000001');
    const [a, b, c] = await embeddings.embedDocuments(['Retainer notice period is 30 days', 'notice periods for retainers', 'SEO keyword research']);
    const q = await embeddings.embedQuery('retainer notice');
    for (const v of [a, b, c, q]) {
      expect(v).toHaveLength(DOUBLE_DIMENSIONS);
      expect(Math.hypot(...v)).toBeCloseTo(1, 6);
    }
    expect(cosine(q, a)).toBeGreaterThan(cosine(q, c));
    expect(cosine(a, b)).toBeGreaterThan(cosine(a, c));
    expect(double.requests()).toBeGreaterThanOrEqual(2);
  });

  it('embeds a text the same way every time and ignores stop words and case', () => {
    expect(bagOfWordsVector('The Retainer')).toEqual(bagOfWordsVector('retainer'));
    expect(bagOfWordsVector('')).toEqual(new Array(DOUBLE_DIMENSIONS).fill(0));
  });
});
