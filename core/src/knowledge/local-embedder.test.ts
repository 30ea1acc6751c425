import { describe, expect, it } from 'vitest';
import { AppError } from '../errors/app-error.ts';
import { cosineSimilarity, createLocalEmbedder, LOCAL_EMBEDDER_ID } from './local-embedder.ts';

const norm = (v: number[]) => Math.sqrt(v.reduce((s, x) => s + x * x, 0));

describe('LocalEmbedder', () => {
  it('has the provider shape and a pgvector-compatible default dimension', async () => {
    const embedder = createLocalEmbedder();
    expect(embedder.id).toBe(LOCAL_EMBEDDER_ID);
    expect(embedder.dimensions).toBe(768);
    const [a, b] = await embedder.embedDocuments(['SEO packages and prices', 'Cancellation terms']);
    expect(a).toHaveLength(768);
    expect(b).toHaveLength(768);
    expect((await embedder.embedQuery('hello')).length).toBe(768);
  });

  it('is deterministic across instances', async () => {
    const text = 'Our PPC management fee is 15% of monthly ad spend.';
    const one = await createLocalEmbedder().embedQuery(text);
    const two = await createLocalEmbedder().embedQuery(text);
    expect(two).toEqual(one);
    expect((await createLocalEmbedder().embedDocuments([text]))[0]).toEqual(createLocalEmbedder().embed(text));
  });

  it('returns L2-normalised vectors, and a zero vector for text without features', async () => {
    const embedder = createLocalEmbedder({ dimensions: 256 });
    for (const text of ['a b', 'Kickoff call agenda', 'ÉMOJI 🎉 and ünïcode text', 'x'.repeat(5000)]) {
      const v = await embedder.embedQuery(text);
      expect(v).toHaveLength(256);
      expect(norm(v)).toBeCloseTo(1, 10);
    }
    const empty = await embedder.embedQuery('the and of to');
    expect(empty.every((x) => x === 0)).toBe(true);
  });

  it('rejects dimensions pgvector HNSW cannot index', () => {
    expect(() => createLocalEmbedder({ dimensions: 2001 })).toThrow(AppError);
    expect(() => createLocalEmbedder({ dimensions: 32 })).toThrow(/between 64 and 2000/);
    expect(createLocalEmbedder({ dimensions: 2000 }).dimensions).toBe(2000);
  });

  it('ranks a paraphrase with no shared word above unrelated text, through the lexicon', () => {
    const embedder = createLocalEmbedder();
    const query = embedder.embed('How much does it cost?', 'query');
    const passage = embedder.embed('Our fees start at £650 for the Local Starter retainer.');
    const unrelated = embedder.embed('The kickoff call includes the client decision maker.');
    expect(cosineSimilarity(query, passage)).toBeGreaterThan(cosineSimilarity(query, unrelated) + 0.1);

    const cancel = embedder.embed('Can we terminate the agreement early?', 'query');
    const notice = embedder.embed('A client can cancel with 30 days notice; churn reasons are logged.');
    const reporting = embedder.embed('The monthly report is sent by the fifth working day.');
    expect(cosineSimilarity(cancel, notice)).toBeGreaterThan(cosineSimilarity(cancel, reporting));
  });

  it('owes that paraphrase match to the lexicon, not to shared words', () => {
    const without = createLocalEmbedder({ lexicon: false });
    const query = without.embed('How much does it cost?', 'query');
    const passage = without.embed('Our fees start at £650 for the Local Starter retainer.');
    expect(Math.abs(cosineSimilarity(query, passage))).toBeLessThan(0.1);
  });

  it('catches inflections and typos through stems and character n-grams', () => {
    const embedder = createLocalEmbedder({ lexicon: false });
    const base = embedder.embed('onboarding checklist');
    const unrelated = Math.abs(cosineSimilarity(base, embedder.embed('invoice payment terms')));
    expect(unrelated).toBeLessThan(0.05);
    expect(cosineSimilarity(base, embedder.embed('onboard checklists'))).toBeGreaterThan(0.8);
    // both words misspelt: only character n-grams still overlap
    expect(cosineSimilarity(base, embedder.embed('onbaording checklst'))).toBeGreaterThan(unrelated + 0.05);
  });

  it('fits an IDF on a corpus into a JSON-safe state that restores the same vectors', () => {
    const corpus = [
      'SEO retainer with monthly reporting.',
      'PPC retainer with weekly reporting.',
      'Email retainer with monthly reporting.',
      'Referral programme for partners.',
    ];
    const fitted = createLocalEmbedder({ dimensions: 128 });
    const state = fitted.fit(corpus);
    expect(state.documentCount).toBe(4);
    expect(state.documentFrequency['w:retainer']).toBe(3);
    expect(state.documentFrequency['w:referral']).toBeUndefined(); // seen once: kept implicit
    const restored = createLocalEmbedder({ state: JSON.parse(JSON.stringify(state)) });
    expect(restored.dimensions).toBe(128);
    expect(restored.embed('monthly SEO reporting')).toEqual(fitted.embed('monthly SEO reporting'));
    // Common words weigh less once fitted.
    const plain = createLocalEmbedder({ dimensions: 128, lexicon: false });
    const idf = createLocalEmbedder({ dimensions: 128, lexicon: false });
    idf.fit(corpus);
    const target = 'referral retainer';
    const q = (e: typeof plain) => cosineSimilarity(e.embed('referral', 'query'), e.embed(target));
    expect(q(idf)).toBeGreaterThan(q(plain));
  });

  it('fits the same state in slices, serving the event loop in between', async () => {
    const corpus = Array.from({ length: 50 }, (_, i) => `Passage ${i} about SEO retainers, minimum terms and monthly reporting ${i % 7}.`);
    let ticks = 0;
    const timer = setInterval(() => ticks++, 0);
    const sliced = await createLocalEmbedder({ dimensions: 128 }).fitAsync(corpus, { sliceSize: 5 });
    clearInterval(timer);
    expect(sliced).toEqual(createLocalEmbedder({ dimensions: 128 }).fit(corpus));
    expect(ticks).toBeGreaterThan(0);
    const stopped = new AbortController();
    stopped.abort();
    await expect(createLocalEmbedder({ dimensions: 128 }).fitAsync(corpus, { signal: stopped.signal })).rejects.toThrow();
  });

  it('rejects a state of another dimension or shape', () => {
    const state = createLocalEmbedder({ dimensions: 128 }).fit(['a text', 'another text']);
    expect(() => createLocalEmbedder({ dimensions: 256, state })).toThrow(/fitted for 128 dimensions/);
    expect(() => createLocalEmbedder({ state: { ...state, version: 2 } as never })).toThrow(AppError);
  });
});
