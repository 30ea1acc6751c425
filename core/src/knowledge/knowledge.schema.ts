import { z } from 'zod';

export const DOCUMENT_TYPES = ['markdown', 'text', 'html', 'pdf'] as const;
export const DocumentType = z.enum(DOCUMENT_TYPES);
export type DocumentType = z.infer<typeof DocumentType>;

/**
 * One titled part of a document. `start`/`end` are the body's char offsets in `ParsedDocument.text`
 * (the heading line itself sits just before `start`), so chunk offsets stay meaningful.
 */
export const DocumentSection = z.object({
  headingPath: z.array(z.string()),
  text: z.string(),
  /** Where the section's heading line starts (equals `start` when it has no heading). */
  headingStart: z.number().int().nonnegative(),
  start: z.number().int().nonnegative(),
  end: z.number().int().nonnegative(),
});
export type DocumentSection = z.infer<typeof DocumentSection>;

export const ParsedDocument = z.object({
  filename: z.string(),
  title: z.string(),
  type: DocumentType,
  /** Whole readable text: each section as `heading\n\nbody`, sections separated by a blank line. */
  text: z.string(),
  sections: z.array(DocumentSection),
  /** Markdown front matter, HTML `<meta name>` tags, PDF info dictionary — flat strings only. */
  metadata: z.record(z.string(), z.string()),
});
export type ParsedDocument = z.infer<typeof ParsedDocument>;

export const ParseDocumentInput = z.object({
  filename: z.string().trim().min(1, 'filename is required').max(512, 'must be at most 512 characters'),
  // z.custom keeps the type `Uint8Array` (any backing buffer), which is what Buffer and fs give.
  bytes: z.custom<Uint8Array>((value) => value instanceof Uint8Array, { message: 'bytes must be a Uint8Array' }),
  mimeType: z.string().trim().max(255).optional(),
});
export type ParseDocumentInput = z.infer<typeof ParseDocumentInput>;

export const DEFAULT_MAX_DOCUMENT_BYTES = 20 * 1024 * 1024;

export const ParseOptions = z.object({
  maxBytes: z.number().int().positive().default(DEFAULT_MAX_DOCUMENT_BYTES),
});
export type ParseOptions = z.input<typeof ParseOptions>;

export const ChunkOptions = z.object({
  /** Words (whitespace-separated tokens) per chunk; a rough stand-in for model tokens. */
  targetWords: z.number().int().min(10).max(4000).default(120),
  /** Share of `targetWords` repeated at the start of the next chunk of the same section. */
  overlap: z.number().min(0).max(0.5).default(0.15),
  /** A trailing piece shorter than this share of `targetWords` is merged into the previous chunk. */
  minTailRatio: z.number().min(0).max(1).default(0.3),
  /**
   * Consecutive sections that together have at most this many words (headings included) share one
   * chunk under their common heading path, instead of one tiny chunk each; 0 turns packing off.
   * Kept well below `targetWords`: a single-vector embedding of a long mixed passage blurs.
   */
  packWords: z.number().int().min(0).max(4000).default(120),
});
export type ChunkOptions = z.input<typeof ChunkOptions>;

export const KnowledgeChunk = z.object({
  index: z.number().int().nonnegative(),
  /** The section's path; for packed sections their common path (sub-headings stay in `text`). */
  headingPath: z.array(z.string()),
  /** `headingPath` joined with ` > ` (the document title when there is no heading). */
  context: z.string(),
  text: z.string(),
  /** Char offsets of `text` in `ParsedDocument.text`. */
  start: z.number().int().nonnegative(),
  end: z.number().int().nonnegative(),
  wordCount: z.number().int().nonnegative(),
  /** sha256 over context and text: unchanged chunks keep their hash (and their embedding). */
  contentHash: z.string(),
});
export type KnowledgeChunk = z.infer<typeof KnowledgeChunk>;

export interface ChunkedDocument {
  /** sha256 over type, title and text: equal hashes mean re-ingesting is a no-op. */
  contentHash: string;
  chunks: KnowledgeChunk[];
}

/** Text handed to full-text and embedding indexes: the heading context makes short passages findable. */
export function chunkSearchText(chunk: Pick<KnowledgeChunk, 'context' | 'text'>): string {
  return chunk.context ? `${chunk.context}\n${chunk.text}` : chunk.text;
}
