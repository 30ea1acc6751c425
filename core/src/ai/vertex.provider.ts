import { ChatVertexAI, VertexAIEmbeddings } from '@langchain/google-vertexai';
import { OAuth2Client, type GoogleAuthOptions } from 'google-auth-library';
import type { AiCallGuard } from './ai-call-guard.ts';
import type { AiUsageStore } from './ai-usage.ts';
import { bindAiGuard, guardedChatModelClass } from './guarded-chat-model.ts';
import type { VertexSettings } from './model-provider.config.ts';
import type { ModelProvider } from './model-provider.ts';
import { remoteModelProvider } from './remote-provider.ts';

const GuardedChatVertexAI = guardedChatModelClass(ChatVertexAI);

/**
 * Credentials: Application Default Credentials unless `VERTEX_ACCESS_TOKEN` is set (then a bare
 * OAuth2 client carrying that token, built with `extra.clientOptions`). `extra`
 * (deps.vertexAuthOptions) may supply any google-auth-library option, e.g. an `authClient`,
 * `keyFile` or `clientOptions.transporterOptions` (proxy agent, custom CA).
 */
export function vertexAuthOptions(settings: VertexSettings, extra?: GoogleAuthOptions): GoogleAuthOptions {
  const options: GoogleAuthOptions = { projectId: settings.project };
  if (settings.accessToken) {
    const client = new OAuth2Client(extra?.clientOptions as ConstructorParameters<typeof OAuth2Client>[0]);
    client.setCredentials({ access_token: settings.accessToken });
    options.authClient = client;
  }
  return { ...options, ...extra };
}

/**
 * Gemini chat (`:generateContent`, `:streamGenerateContent`) and Vertex text embeddings
 * (`:predict`) through `@langchain/google-vertexai`, on
 * `https://{VERTEX_API_ENDPOINT or <location>-aiplatform.googleapis.com}/v1/projects/{project}/locations/{location}/publishers/google/models/{model}:{method}`.
 */
export function createVertexModelProvider(settings: VertexSettings, guard: AiCallGuard, usage: AiUsageStore, authExtra?: GoogleAuthOptions): ModelProvider {
  const common = {
    location: settings.location,
    endpoint: settings.apiEndpoint,
    authOptions: vertexAuthOptions(settings, authExtra),
    // Our guard is the only retry layer.
    maxRetries: 0,
    // An empty key (not undefined) keeps a stray GOOGLE_API_KEY from switching the client to the
    // API-key "express" endpoint, which would ignore the project, location and endpoint above.
    apiKey: '',
  };
  return remoteModelProvider({
    id: `vertex:${settings.project}/${settings.location}`,
    kind: 'vertex',
    guard,
    usage,
    chat: () => bindAiGuard(new GuardedChatVertexAI({ ...common, model: settings.chatModel }), guard, settings.chatModel),
    embeddings: {
      inner: new VertexAIEmbeddings({
        ...common,
        model: settings.embeddingModel,
        dimensions: settings.requestDimensions ? settings.embeddingDimensions : undefined,
        // one request per text: bound the fan-out of a large batch
        maxConcurrency: 8,
      }),
      model: settings.embeddingModel,
      dimensions: settings.embeddingDimensions,
      dimensionsVariable: 'VERTEX_EMBEDDING_DIMENSIONS',
    },
  });
}
