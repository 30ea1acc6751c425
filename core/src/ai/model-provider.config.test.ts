import { describe, expect, it } from 'vitest';
import { AppError } from '../errors/app-error.ts';
import { loadModelProviderConfig } from './model-provider.config.ts';

function failure(env: Record<string, string>): AppError {
  try {
    loadModelProviderConfig(env);
  } catch (err) {
    expect(err).toBeInstanceOf(AppError);
    return err as AppError;
  }
  throw new Error('expected VALIDATION_FAILED');
}

const paths = (err: AppError) => (err.details as { path: string }[]).map((d) => d.path);

describe('ModelProviderConfig', () => {
  it('defaults to the offline local provider with the design document limits', () => {
    expect(loadModelProviderConfig({})).toEqual({
      provider: 'local',
      localEmbedder: 'hashed',
      timeoutMs: 30_000,
      maxAttempts: 3,
      retryBaseDelayMs: 250,
      breakerFailureThreshold: 5,
      breakerResetMs: 30_000,
      monthlyTokenBudget: undefined,
      pricing: { inputPer1k: 0, outputPer1k: 0, embeddingPer1k: 0 },
    });
  });

  it('selects the local embedder with CRM_LOCAL_EMBEDDER and names it when the value is unknown', () => {
    expect(loadModelProviderConfig({ CRM_LOCAL_EMBEDDER: 'use' })).toMatchObject({ provider: 'local', localEmbedder: 'use' });
    const err = failure({ CRM_LOCAL_EMBEDDER: 'minilm' });
    expect(paths(err)).toEqual(['CRM_LOCAL_EMBEDDER']);
    expect(JSON.stringify(err.details)).toMatch(/hashed.*use/);
  });

  it('fills Vertex AI defaults and known embedding sizes', () => {
    const c = loadModelProviderConfig({ CRM_MODEL_PROVIDER: 'vertex', VERTEX_PROJECT: 'acme-crm', AI_TENANT_MONTHLY_TOKEN_BUDGET: '2000000', AI_COST_PER_1K_INPUT_TOKENS: '0.0003' });
    expect(c).toMatchObject({
      provider: 'vertex',
      monthlyTokenBudget: 2_000_000,
      pricing: { inputPer1k: 0.0003 },
      vertex: { project: 'acme-crm', location: 'us-central1', chatModel: 'gemini-2.5-flash', embeddingModel: 'text-embedding-005', embeddingDimensions: 768, requestDimensions: false },
    });
  });

  it('names the missing variable: vertex without VERTEX_PROJECT', () => {
    const err = failure({ CRM_MODEL_PROVIDER: 'vertex' });
    expect(err.code).toBe('VALIDATION_FAILED');
    expect(err.message).toBe('Invalid model provider configuration: VERTEX_PROJECT is required when CRM_MODEL_PROVIDER=vertex');
    expect(paths(err)).toEqual(['VERTEX_PROJECT']);
  });

  it('names every missing variable of an OpenAI-compatible server', () => {
    const err = failure({ CRM_MODEL_PROVIDER: 'openai-compatible', OPENAI_API_KEY: 'k' });
    expect(paths(err).sort()).toEqual(['OPENAI_BASE_URL', 'OPENAI_CHAT_MODEL', 'OPENAI_EMBEDDING_MODEL']);
  });

  it('needs the vector size of an embedding model it does not know', () => {
    const env = { CRM_MODEL_PROVIDER: 'ollama', OLLAMA_EMBEDDING_MODEL: 'my-embedder' };
    expect(paths(failure(env))).toEqual(['OLLAMA_EMBEDDING_DIMENSIONS']);
    expect(loadModelProviderConfig({ ...env, OLLAMA_EMBEDDING_DIMENSIONS: '512' })).toMatchObject({
      ollama: { baseUrl: 'http://127.0.0.1:11434', chatModel: 'llama3.1', embeddingModel: 'my-embedder', embeddingDimensions: 512, requestDimensions: true },
    });
  });

  it.each([
    [{ CRM_MODEL_PROVIDER: 'gpt' }, 'CRM_MODEL_PROVIDER'],
    [{ AI_MAX_RETRIES: '5' }, 'AI_MAX_RETRIES'],
    [{ AI_MAX_RETRIES: '0' }, 'AI_MAX_RETRIES'],
    [{ AI_TIMEOUT_MS: 'soon' }, 'AI_TIMEOUT_MS'],
    [{ AI_TENANT_MONTHLY_TOKEN_BUDGET: '-1' }, 'AI_TENANT_MONTHLY_TOKEN_BUDGET'],
    [{ AI_COST_PER_1K_OUTPUT_TOKENS: 'free' }, 'AI_COST_PER_1K_OUTPUT_TOKENS'],
    [{ CRM_MODEL_PROVIDER: 'vertex', VERTEX_PROJECT: 'p', VERTEX_API_ENDPOINT: 'https://host/v1' }, 'VERTEX_API_ENDPOINT'],
    [{ CRM_MODEL_PROVIDER: 'ollama', OLLAMA_BASE_URL: 'localhost:11434' }, 'OLLAMA_BASE_URL'],
  ])('rejects %j naming %s', (env, variable) => {
    const err = failure(env);
    expect(paths(err)).toEqual([variable]);
    expect(err.message).toContain(variable);
  });

  it('treats empty variables as unset', () => {
    expect(loadModelProviderConfig({ CRM_MODEL_PROVIDER: '', AI_TIMEOUT_MS: ' ' })).toMatchObject({ provider: 'local', timeoutMs: 30_000 });
  });
});
