import type { VertexSettings } from '../ai/model-provider.config.ts';
import { CircuitBreaker } from '../ai/resilience.ts';
import { AppError } from '../errors/app-error.ts';

/** A remote reranking service: scores passages against a query (higher = more relevant). */
export interface RemoteRanker {
  readonly id: string;
  rank(query: string, records: readonly { id: string; title: string; content: string }[]): Promise<Map<string, number>>;
}

export interface VertexRankerOptions {
  project: string;
  /** Default `https://discoveryengine.googleapis.com` (a local double in tests). */
  baseUrl?: string;
  /** Default `semantic-ranker-default@latest`. */
  model?: string;
  /** An OAuth access token (Application Default Credentials or VERTEX_ACCESS_TOKEN). */
  accessToken(): Promise<string>;
  /** Per call (default 3,000 ms: search waits for it, then falls back to the offline reranker). */
  timeoutMs?: number;
  /**
   * After `failureThreshold` failed calls in a row (default 3) the API is not called for
   * `resetAfterMs` (default 30 s; searches use the offline reranker at once), then one probe is let through.
   */
  breaker?: { failureThreshold?: number; resetAfterMs?: number; now?: () => number };
}

/**
 * Vertex AI Search ranking API (`rankingConfigs:rank`, Discovery Engine v1): the hosted
 * cross-encoder Google offers for RAG. One POST per search with the query and the candidates
 * (title + passage); the answer lists records with a relevance score. Not measured against the
 * real service in this repository (no credentials here); tested against a local HTTP double.
 */
export function createVertexRanker(options: VertexRankerOptions): RemoteRanker {
  const base = (options.baseUrl ?? 'https://discoveryengine.googleapis.com').replace(/\/$/, '');
  const model = options.model ?? 'semantic-ranker-default@latest';
  const url = `${base}/v1/projects/${encodeURIComponent(options.project)}/locations/global/rankingConfigs/default_ranking_config:rank`;
  // a hanging or failing API would otherwise cost every search its timeout before the fallback
  const breaker = new CircuitBreaker({ name: 'Vertex AI ranking API', failureThreshold: 3, resetAfterMs: 30_000, ...options.breaker });
  return {
    id: `vertex-ranking:${model}`,
    rank: (query, records) => breaker.execute(async () => {
      const res = await fetch(url, {
        method: 'POST',
        headers: { authorization: `Bearer ${await options.accessToken()}`, 'content-type': 'application/json' },
        body: JSON.stringify({ model, query, records: records.map((r) => ({ id: r.id, title: r.title, content: r.content })), topN: records.length, ignoreRecordDetailsInResponse: true }),
        signal: AbortSignal.timeout(options.timeoutMs ?? 3000),
      });
      if (!res.ok) throw new AppError('AI_SERVICE_UNAVAILABLE', `The ranking API answered ${res.status}`);
      const body = (await res.json()) as { records?: { id?: unknown; score?: unknown }[] };
      const out = new Map<string, number>();
      for (const r of body.records ?? []) if (typeof r.id === 'string' && typeof r.score === 'number') out.set(r.id, r.score);
      return out;
    }),
  };
}

/** The ranking API of the configured Vertex AI project, with the provider's credentials (loaded on first use). */
export function vertexRankerFor(settings: VertexSettings): RemoteRanker {
  let token: (() => Promise<string>) | undefined;
  return createVertexRanker({
    project: settings.project,
    async accessToken() {
      if (!token) {
        const [{ GoogleAuth }, { vertexAuthOptions }] = await Promise.all([import('google-auth-library'), import('../ai/vertex.provider.ts')]);
        const auth = new GoogleAuth({ ...vertexAuthOptions(settings), scopes: ['https://www.googleapis.com/auth/cloud-platform'] });
        token = async () => {
          const t = await auth.getAccessToken();
          if (!t) throw new AppError('AI_SERVICE_UNAVAILABLE', 'No access token for the Vertex AI ranking API');
          return t;
        };
      }
      return token();
    },
  });
}
