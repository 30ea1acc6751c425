import { describe, expect, it } from 'vitest';
import { LocalEmbedder } from '../knowledge/local-embedder.ts';
import { InMemoryAiUsageStore } from './ai-usage.ts';
import { createModelProvider } from './create-model-provider.ts';
import { loadModelProviderConfig } from './model-provider.config.ts';

describe('local provider', () => {
  it('embeds offline with the knowledge module LocalEmbedder and offers no chat model', async () => {
    const usage = new InMemoryAiUsageStore();
    const p = await createModelProvider(loadModelProviderConfig({}), { usage });
    expect(p.kind).toBe('local');
    // the offline chat model comes with the agents; nothing here may pose as an LLM
    expect(p.chat()).toBeUndefined();
    expect(p.embeddings).toBeInstanceOf(LocalEmbedder);
    expect(p.embeddings).toMatchObject({ id: 'local-hash-v1', dimensions: 768 });
    expect(p.embeddingsFor('any-tenant')).toBe(p.embeddings);
    const [a, b] = await p.embeddings.embedDocuments(['discount policy for annual contracts', 'discount policy for annual contracts']);
    expect(a).toEqual(b);
    expect(await p.embeddings.embedQuery('x')).toHaveLength(768);
    expect(p.breakerState()).toBe('closed');
    expect(p.usage).toBe(usage);
  });

  it('uses an embedder fitted elsewhere', async () => {
    const embedder = new LocalEmbedder({ dimensions: 256 });
    embedder.fit(['a b c', 'a b d']);
    expect((await createModelProvider(loadModelProviderConfig({}), { localEmbedder: embedder })).embeddings).toBe(embedder);
  });
});
