import type { Embeddings } from '@langchain/core/embeddings';
import { AppError } from '../errors/app-error.ts';
import type { EmbeddingsProvider } from '../knowledge/local-embedder.ts';
import type { AiCallGuard } from './ai-call-guard.ts';
import { estimateTokens } from './ai-usage.ts';

export interface GuardedEmbeddingsOptions {
  id: string;
  dimensions: number;
  model: string;
  /** The variable that sets `dimensions`, named when the model returns another size. */
  dimensionsVariable: string;
  inner: Embeddings;
  guard: AiCallGuard;
  /** Account every call to this tenant; default: the `withAiTenant` scope. */
  tenantId?: string;
}

/**
 * A LangChain `Embeddings` behind the knowledge module's `EmbeddingsProvider` port, every call
 * through the provider's AiCallGuard. Embedding endpoints' token counts do not survive the
 * LangChain clients, so usage is always the chars/4 estimate, flagged as such.
 */
export class GuardedEmbeddings implements EmbeddingsProvider {
  readonly id: string;
  readonly dimensions: number;

  constructor(private readonly options: GuardedEmbeddingsOptions) {
    this.id = options.id;
    this.dimensions = options.dimensions;
  }

  /** The same embeddings, accounted to `tenantId`. */
  forTenant(tenantId: string): GuardedEmbeddings {
    return new GuardedEmbeddings({ ...this.options, tenantId });
  }

  async embedDocuments(texts: string[]): Promise<number[][]> {
    if (texts.length === 0) return [];
    const vectors = await this.guarded(texts, () => this.options.inner.embedDocuments(texts));
    if (vectors.length !== texts.length) {
      throw new AppError('AI_SERVICE_UNAVAILABLE', `${this.id} returned ${vectors.length} vectors for ${texts.length} texts`, {
        details: { provider: this.options.guard.provider, model: this.options.model },
      });
    }
    vectors.forEach((v) => this.checkSize(v));
    return vectors;
  }

  async embedQuery(text: string): Promise<number[]> {
    return this.checkSize(await this.guarded([text], () => this.options.inner.embedQuery(text)));
  }

  private guarded<T>(texts: string[], fn: () => Promise<T>): Promise<T> {
    const chars = texts.reduce((sum, t) => sum + t.length, 0);
    return this.options.guard.run({ tenantId: this.options.tenantId, model: this.options.model, operation: 'embeddings' }, fn, () => ({
      inputTokens: estimateTokens(chars),
      outputTokens: 0,
      estimated: true,
    }));
  }

  private checkSize(vector: number[]): number[] {
    if (vector?.length !== this.dimensions) {
      throw AppError.validation(
        [{ path: this.options.dimensionsVariable, reason: `${this.options.model} returns ${vector?.length ?? 0}-dimensional vectors, not ${this.dimensions}` }],
        `Embedding size mismatch: ${this.options.model} returned ${vector?.length ?? 0} dimensions but ${this.options.dimensionsVariable}=${this.dimensions}`,
      );
    }
    return vector;
  }
}
