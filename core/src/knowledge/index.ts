// Public API of the knowledge module: parsing, chunking, local embeddings, rank fusion, the
// offline retrieval benchmark, and the database-backed knowledge service and vector stores.
export {
  DOCUMENT_TYPES,
  DocumentType,
  DocumentSection,
  ParsedDocument,
  ParseDocumentInput,
  ParseOptions,
  DEFAULT_MAX_DOCUMENT_BYTES,
  ChunkOptions,
  KnowledgeChunk,
  chunkSearchText,
} from './knowledge.schema.ts';
export type { ChunkedDocument } from './knowledge.schema.ts';
export { parseDocument, detectDocumentType, SUPPORTED_EXTENSIONS } from './document-parser.ts';
export { chunkDocument, documentContentHash, sha256, CHUNKER_VERSION } from './chunker.ts';
export {
  LocalEmbedder,
  LocalEmbedderState,
  createLocalEmbedder,
  cosineSimilarity,
  LOCAL_EMBEDDER_ID,
  DEFAULT_FEATURE_WEIGHTS,
  DEFAULT_QUERY_FEATURE_WEIGHTS,
} from './local-embedder.ts';
export type { EmbeddingsProvider, LocalEmbedderOptions, FeatureWeights } from './local-embedder.ts';
export { createUseEmbedder, USE_EMBEDDER_ID, USE_MODEL_DIMENSIONS } from './use-embedder.ts';
export type { UseEmbedderOptions } from './use-embedder.ts';
export { DOMAIN_LEXICON } from './domain-lexicon.ts';
export type { ConceptGroup } from './domain-lexicon.ts';
export { reciprocalRankFusion } from './rrf.ts';
export type { RrfOptions, FusedResult } from './rrf.ts';
export { fuseRankings, onePerSection, sectionKeyOf, minMaxNormalised, FusionOptions, DEFAULT_FUSION } from './fusion.ts';
export type { FusedHit } from './fusion.ts';
export { Bm25Ranker, VectorRanker } from './memory-ranker.ts';
export type { RankedHit, Bm25Options, Bm25SearchOptions } from './memory-ranker.ts';
export {
  DEMO_KB_DIR,
  loadKnowledgeBase,
  loadRetrievalQuestions,
  RetrievalAnswer,
  RetrievalQuestion,
} from './knowledge-base-loader.ts';
export type { CorpusChunk, LoadedKnowledgeBase } from './knowledge-base-loader.ts';
export {
  evaluateRetrieval,
  recallAtK,
  meanReciprocalRank,
  ndcgAtK,
  firstRelevantRank,
  chunkContainsAnswer,
  normalizeWhitespace,
  RETRIEVAL_METHODS,
} from './retrieval-eval.ts';
export type { RetrievalMethod, RetrievalReport, MethodReport, EvaluateRetrievalOptions } from './retrieval-eval.ts';
export {
  InteractionQuestion,
  InteractionRelevance,
  loadInteractionQuestions,
  relevantInteractions,
  firstRelevantIdRank,
  ndcgAtKById,
} from './interaction-questions.ts';
export type { InteractionFacts } from './interaction-questions.ts';
export {
  AddDocumentInput,
  AddDocumentResult,
  SearchKnowledgeInput,
  KnowledgeSearchResult,
  KnowledgeSearchResponse,
  KbDocument,
  ListDocumentsQuery,
  SearchMode,
  SEARCH_MODES,
  kbDocumentUri,
  interactionUri,
} from './knowledge-api.schema.ts';
export { createKnowledgeService } from './knowledge.service.ts';
export type { KnowledgeService, KnowledgeServiceDeps, BulkAddResult } from './knowledge.service.ts';
export { readKnowledgeFiles } from './knowledge-files.ts';
export { seedDemoKnowledge, unfinishedDemoKnowledge } from './demo-knowledge.ts';
export type { DemoKnowledgeReport } from './demo-knowledge.ts';
export { CHUNK_KINDS } from './vector-store.ts';
export type { VectorStore, VectorItem, VectorFilter, VectorMatch, VectorMetadata, ChunkKind, VectorDeleteTarget } from './vector-store.ts';
export { createPgVectorStore, PGVECTOR_DIMENSIONS } from './pgvector.store.ts';
export type { PgVectorStore, PgVectorStrategy, PgVectorStoreOptions } from './pgvector.store.ts';
export { createVectorStore } from './vector-store.factory.ts';
export { INTERACTION_INDEXER_CONSUMER } from './interaction-indexer.ts';
export type { RetrievalOptions } from './hybrid-retrieval.ts';
export { QUERY_SYNONYMS } from './hybrid-retrieval.ts';
export { rerank, rerankFeatures, rerankScore, RERANK_FEATURES } from './reranker.ts';
export type { RerankCandidate, RerankerModel, RerankFeature } from './reranker.ts';
export { RERANKER_MODEL } from './reranker-weights.ts';
export { createVertexRanker, vertexRankerFor } from './remote-ranker.ts';
export type { RemoteRanker, VertexRankerOptions } from './remote-ranker.ts';
