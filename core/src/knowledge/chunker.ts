import { createHash } from 'node:crypto';
import { parseOrThrow } from '../errors/zod-issues.ts';
import {
  type ChunkedDocument,
  ChunkOptions,
  type DocumentSection,
  type KnowledgeChunk,
  type ParsedDocument,
} from './knowledge.schema.ts';

/** Bump when the chunking rules change: stored chunks made by another version must be rebuilt. */
export const CHUNKER_VERSION = 'structure-v1';

interface Word {
  start: number;
  end: number;
  /** How good a cut right after this word is: 3 paragraph end, 2 sentence/line end, 1 word gap. */
  boundary: 1 | 2 | 3;
}

const SENTENCE_END = /[.!?…:;]["')\]»”’]*$/;

export function sha256(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/** Stable over re-ingestion: depends only on what a reader would see, not on file bytes or time. */
export function documentContentHash(doc: Pick<ParsedDocument, 'type' | 'title' | 'text'>): string {
  return sha256(`${doc.type}\u0000${doc.title}\u0000${doc.text}`);
}

/**
 * Split each section into chunks of about `targetWords` words. Small neighbouring sections are
 * first packed together (up to `packWords`, headings inline, under their common heading path);
 * otherwise a chunk never crosses a section. Cuts never fall inside a word, preferably at a
 * paragraph end, then at a sentence or line end, and the next chunk repeats about `overlap` of
 * the previous one, starting at a sentence start where one is near. A short tail is folded into
 * the chunk before it.
 */
export function chunkDocument(doc: ParsedDocument, options: ChunkOptions = {}): ChunkedDocument {
  const opts = parseOrThrow(ChunkOptions, options, 'options');
  const chunks: KnowledgeChunk[] = [];
  for (const section of opts.packWords > 0 ? packSections(doc, Math.min(opts.packWords, opts.targetWords)) : doc.sections) {
    for (const [start, end, wordCount] of chunkSection(section, opts)) {
      const text = doc.text.slice(start, end);
      const context = section.headingPath.length ? section.headingPath.join(' > ') : doc.title;
      chunks.push({
        index: chunks.length,
        headingPath: section.headingPath,
        context,
        text,
        start,
        end,
        wordCount,
        contentHash: sha256(`${context}\u0000${text}`),
      });
    }
  }
  return { contentHash: documentContentHash(doc), chunks };
}

/**
 * Greedily group consecutive sections whose words (headings included) fit in `limit`; a group
 * becomes one synthetic section spanning them, under their common heading path.
 */
function packSections(doc: ParsedDocument, limit: number): DocumentSection[] {
  const out: DocumentSection[] = [];
  let group: DocumentSection[] = [];
  let words = 0;
  const flush = () => {
    if (group.length === 1) out.push(group[0]);
    else if (group.length > 1) {
      const common = group.map((s) => s.headingPath).reduce(commonPrefix);
      const first = group[0];
      const start = first.headingPath.length > common.length ? first.headingStart : first.start;
      const end = group[group.length - 1].end;
      out.push({ headingPath: common, text: doc.text.slice(start, end), headingStart: start, start, end });
    }
    group = [];
    words = 0;
  };
  for (const section of doc.sections) {
    const size = countWords(doc.text.slice(section.headingStart, section.end));
    if (words + size > limit) flush();
    group.push(section);
    words += size;
    if (size > limit) flush();
  }
  flush();
  return out;
}

function commonPrefix(a: string[], b: string[]): string[] {
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  return a.slice(0, i);
}

function countWords(text: string): number {
  return text.match(/\S+/g)?.length ?? 0;
}

/** [start, end, words] triples in document offsets. */
function chunkSection(section: DocumentSection, opts: Required<ChunkOptions>): [number, number, number][] {
  const words = scanWords(section.text);
  const n = words.length;
  if (n === 0) return [];
  const target = opts.targetWords;
  const overlap = Math.min(Math.round(target * opts.overlap), Math.floor(target / 2));
  const minTail = Math.max(1, Math.round(target * opts.minTailRatio));
  const out: [number, number, number][] = [];
  let s = 0;
  for (;;) {
    let e: number;
    if (n - s <= target + minTail) e = n - 1;
    else {
      e = bestCut(words, s + Math.floor(target * 0.6), s + target - 1);
      // Never leave a tail too short to stand alone: stretch this chunk over it instead.
      if (n - 1 - e < minTail) e = n - 1;
    }
    out.push([section.start + words[s].start, section.start + words[e].end, e - s + 1]);
    if (e === n - 1) break;
    s = overlapStart(words, e, overlap, s);
  }
  return out;
}

function bestCut(words: Word[], from: number, to: number): number {
  for (const strength of [3, 2] as const) {
    for (let i = to; i >= from; i--) if (words[i].boundary >= strength) return i;
  }
  return to;
}

/** First word of the next chunk: `overlap` words back, moved forward to a sentence start if one is in reach. */
function overlapStart(words: Word[], cut: number, overlap: number, previousStart: number): number {
  if (overlap === 0) return cut + 1;
  const earliest = Math.max(previousStart + 1, cut + 1 - overlap);
  for (let i = earliest; i <= cut; i++) if (words[i - 1].boundary >= 2) return i;
  return earliest;
}

function scanWords(text: string): Word[] {
  const words: Word[] = [];
  for (const m of text.matchAll(/\S+/g)) {
    const start = m.index;
    const end = start + m[0].length;
    const prev = words.at(-1);
    if (prev) {
      const gap = text.slice(prev.end, start);
      if (/\n[ \t]*\n/.test(gap)) prev.boundary = 3;
      else if (gap.includes('\n') || SENTENCE_END.test(text.slice(prev.start, prev.end))) prev.boundary = 2;
    }
    words.push({ start, end, boundary: 1 });
  }
  if (words.length) words[words.length - 1].boundary = 3;
  return words;
}
