import { readdir, readFile } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { parseOrThrow } from '../errors/zod-issues.ts';
import { chunkDocument } from './chunker.ts';
import { SUPPORTED_EXTENSIONS, parseDocument } from './document-parser.ts';
import {
  type ChunkOptions,
  chunkSearchText,
  type KnowledgeChunk,
  type ParsedDocument,
  type ParseOptions,
} from './knowledge.schema.ts';

/** The Brightwave Digital demo knowledge base shipped with core. */
export const DEMO_KB_DIR = fileURLToPath(new URL('../../demo-kb/', import.meta.url));

export interface CorpusChunk {
  /** `relative/path.md#index` — stable while the document and chunker are unchanged. */
  id: string;
  doc: string;
  title: string;
  chunk: KnowledgeChunk;
  /** What gets indexed: heading context plus passage. */
  searchText: string;
}

export interface LoadedKnowledgeBase {
  documents: { path: string; contentHash: string; parsed: ParsedDocument }[];
  chunks: CorpusChunk[];
}

/** Parse and chunk every supported file under `dir` (sorted, so ids and order are deterministic). */
export async function loadKnowledgeBase(
  dir: string,
  options: { chunk?: ChunkOptions; parse?: ParseOptions } = {},
): Promise<LoadedKnowledgeBase> {
  const files = (await listFiles(dir)).filter((f) => {
    const ext = f.slice(f.lastIndexOf('.') + 1).toLowerCase();
    return f.includes('.') && ext in SUPPORTED_EXTENSIONS;
  });
  const result: LoadedKnowledgeBase = { documents: [], chunks: [] };
  for (const file of files) {
    const path = relative(dir, file).split(sep).join('/');
    const parsed = await parseDocument({ filename: path, bytes: await readFile(file) }, options.parse);
    const { contentHash, chunks } = chunkDocument(parsed, options.chunk);
    result.documents.push({ path, contentHash, parsed });
    for (const chunk of chunks) {
      result.chunks.push({ id: `${path}#${chunk.index}`, doc: path, title: parsed.title, chunk, searchText: chunkSearchText(chunk) });
    }
  }
  return result;
}

async function listFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  const nested = await Promise.all(
    entries
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
      .map((e) => (e.isDirectory() ? listFiles(join(dir, e.name)) : Promise.resolve([join(dir, e.name)]))),
  );
  return nested.flat();
}

export const RetrievalAnswer = z.object({
  doc: z.string().min(1),
  /** Heading path of the section holding the quote, joined with ` > ` (documentation for humans). */
  heading: z.string(),
  /**
   * A short exact substring of the answering passage (compared whitespace-normalised). Without it
   * any passage of `doc` counts: the sales-rep questions are labelled by document.
   */
  quote: z.string().min(3).optional(),
});
export type RetrievalAnswer = z.infer<typeof RetrievalAnswer>;

export const RetrievalQuestion = z.object({
  id: z.string().min(1),
  question: z.string().min(3),
  /** Alternative places where the answer is written; finding any one of them is a hit. */
  answers: z.array(RetrievalAnswer).min(1),
  /** True when the question shares no content word with its answering passage. */
  paraphrased: z.boolean(),
  /**
   * Fixed evaluation split: nothing (lexicon entry, weight, threshold) may be fitted to `test`
   * questions; `tune` is for choosing settings. See evals/src/knowledge/README.md.
   */
  split: z.enum(['tune', 'test']).optional(),
});
export type RetrievalQuestion = z.infer<typeof RetrievalQuestion>;

export async function loadRetrievalQuestions(file: string): Promise<RetrievalQuestion[]> {
  return parseOrThrow(z.array(RetrievalQuestion), JSON.parse(await readFile(file, 'utf8')), 'questions');
}
