import { AppError } from '../errors/app-error.ts';
import { parseOrThrow } from '../errors/zod-issues.ts';
import { parseHtml } from './html-parser.ts';
import {
  type DocumentType,
  ParsedDocument,
  ParseDocumentInput,
  ParseOptions,
} from './knowledge.schema.ts';
import { parseMarkdown } from './markdown-parser.ts';
import { parsePdf } from './pdf-parser.ts';
import { assembleSections, type RawSection } from './section-builder.ts';
import { decodeTextDocument } from './text-decoder.ts';
import { parseText } from './text-parser.ts';

export const SUPPORTED_EXTENSIONS: Readonly<Record<string, DocumentType>> = {
  md: 'markdown',
  markdown: 'markdown',
  txt: 'text',
  text: 'text',
  html: 'html',
  htm: 'html',
  pdf: 'pdf',
};

const MIME_TYPES: Readonly<Record<string, DocumentType>> = {
  'text/markdown': 'markdown',
  'text/x-markdown': 'markdown',
  'text/plain': 'text',
  'text/html': 'html',
  'application/xhtml+xml': 'html',
  'application/pdf': 'pdf',
};

const invalid = (path: string, reason: string) => AppError.validation([{ path, reason }]);

/**
 * The type comes from a recognised MIME type, else from the extension; generic MIME types such
 * as `application/octet-stream` defer to the extension.
 */
export function detectDocumentType(filename: string, mimeType?: string): DocumentType {
  const mime = mimeType?.split(';')[0].trim().toLowerCase();
  if (mime && MIME_TYPES[mime]) return MIME_TYPES[mime];
  const dot = filename.lastIndexOf('.');
  const ext = dot > 0 ? filename.slice(dot + 1).toLowerCase() : '';
  const type = SUPPORTED_EXTENSIONS[ext];
  if (type) return type;
  const supported = Object.keys(SUPPORTED_EXTENSIONS).map((e) => `.${e}`).join(', ');
  throw invalid('filename', `unsupported file type ${ext ? `.${ext}` : '(no extension)'}${mime ? ` (${mime})` : ''}; supported: ${supported}`);
}

/**
 * Turn an uploaded file into titled sections of plain text. Every rejection is a VALIDATION_FAILED
 * naming the specific problem (empty, too large, binary, corrupt or encrypted PDF, unsupported
 * type, no text), because the uploader has to act on it.
 */
export async function parseDocument(input: ParseDocumentInput, options: ParseOptions = {}): Promise<ParsedDocument> {
  const { filename, bytes, mimeType } = parseOrThrow(ParseDocumentInput, input);
  const { maxBytes } = parseOrThrow(ParseOptions, options, 'options');
  if (bytes.length > maxBytes) {
    throw invalid('bytes', `file is too large: ${formatBytes(bytes.length)} exceeds the ${formatBytes(maxBytes)} limit`);
  }
  if (bytes.length === 0) throw invalid('bytes', 'file is empty');
  const type = detectDocumentType(filename, mimeType);

  let parts: { title?: string; metadata?: Record<string, string>; sections: RawSection[] };
  if (type === 'pdf') {
    parts = await parsePdf(bytes);
  } else {
    const source = decodeTextDocument(bytes);
    if (!source.trim()) throw invalid('bytes', 'file is empty (whitespace only)');
    parts = type === 'markdown' ? parseMarkdown(source) : type === 'html' ? parseHtml(source) : parseText(source);
  }

  const { text, sections } = assembleSections(parts.sections);
  if (!sections.some((s) => s.text.trim()) && !text.trim()) {
    const hint = type === 'pdf' ? ' (a scanned PDF needs OCR, which is not supported)' : '';
    throw invalid('bytes', `document has no extractable text${hint}`);
  }
  return {
    filename,
    title: parts.title?.trim() || titleFromFilename(filename),
    type,
    text,
    sections,
    metadata: parts.metadata ?? {},
  };
}

function titleFromFilename(filename: string): string {
  const base = filename.split(/[\\/]/).pop() ?? filename;
  const stem = base.includes('.') ? base.slice(0, base.lastIndexOf('.')) : base;
  const words = stem.replace(/[-_]+/g, ' ').trim();
  return words ? words.charAt(0).toUpperCase() + words.slice(1) : base;
}

function formatBytes(n: number): string {
  if (n >= 1024 * 1024) return `${(n / (1024 * 1024)).toFixed(1).replace(/\.0$/, '')} MB`;
  if (n >= 1024) return `${(n / 1024).toFixed(1).replace(/\.0$/, '')} KB`;
  return `${n} B`;
}
