import { AppError } from '../errors/app-error.ts';
import type { RawSection } from './section-builder.ts';
import { normalizeText } from './text-decoder.ts';

export interface PdfParts {
  title?: string;
  metadata: Record<string, string>;
  sections: RawSection[];
}

interface PdfLine {
  text: string;
  size: number;
  y: number;
  page: number;
}

interface PdfTextItem {
  str: string;
  transform: number[];
  height: number;
  hasEOL: boolean;
}

const INFO_KEYS = ['Title', 'Author', 'Subject', 'Keywords', 'Creator', 'Producer', 'CreationDate', 'ModDate'];

const bad = (reason: string, cause?: unknown) =>
  new AppError('VALIDATION_FAILED', `Invalid input — bytes: ${reason}`, {
    details: [{ path: 'bytes', reason }],
    cause,
  });

/**
 * Text per page through PDF.js (via `unpdf`, loaded lazily so text-only callers never pay for it).
 * Lines set clearly larger than the body text are taken as headings; a PDF without such lines
 * gets one section per page.
 */
export async function parsePdf(bytes: Uint8Array): Promise<PdfParts> {
  const head = new TextDecoder('latin1').decode(bytes.subarray(0, 1024));
  if (!head.includes('%PDF-')) throw bad('corrupt PDF: no %PDF header (not a PDF file)');
  const { getDocumentProxy } = await import('unpdf');
  // PDF.js transfers (detaches) the buffer it is given: hand it a copy, never the caller's bytes.
  let pdf: Awaited<ReturnType<typeof getDocumentProxy>>;
  try {
    pdf = await getDocumentProxy(new Uint8Array(bytes), { verbosity: 0, isEvalSupported: false });
  } catch (cause) {
    const name = (cause as { name?: string }).name;
    if (name === 'PasswordException') throw bad('encrypted PDF: password protected, cannot extract text', cause);
    throw bad(`corrupt PDF: ${(cause as Error).message ?? 'unreadable'}`, cause);
  }
  try {
    const metadata = await readInfo(pdf);
    const lines: PdfLine[] = [];
    for (let page = 1; page <= pdf.numPages; page++) {
      const content = await (await pdf.getPage(page)).getTextContent();
      lines.push(...toLines(content.items as PdfTextItem[], page));
    }
    return { title: metadata.title, metadata, sections: toSections(lines) };
  } catch (cause) {
    if (cause instanceof AppError) throw cause;
    throw bad(`corrupt PDF: ${(cause as Error).message ?? 'unreadable page'}`, cause);
  } finally {
    await pdf.destroy();
  }
}

async function readInfo(pdf: { getMetadata(): Promise<{ info: unknown }> }): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const { info } = await pdf.getMetadata().catch(() => ({ info: {} }));
  const entries = (info ?? {}) as Record<string, unknown>;
  for (const key of INFO_KEYS) {
    const value = entries[key];
    if (typeof value === 'string' && value.trim()) out[key.charAt(0).toLowerCase() + key.slice(1)] = value.trim();
  }
  return out;
}

function toLines(items: PdfTextItem[], page: number): PdfLine[] {
  const lines: PdfLine[] = [];
  let current: PdfLine | null = null;
  for (const item of items) {
    if (typeof item.str !== 'string') continue;
    const size = Math.abs(item.transform[3]) || item.height || 0;
    const y = item.transform[5];
    if (current && Math.abs(current.y - y) > Math.max(current.size, size) * 0.5 && item.str.trim()) {
      lines.push(current);
      current = null;
    }
    current ??= { text: '', size: 0, y, page };
    current.text += item.str;
    if (item.str.trim()) current.size = Math.max(current.size, size);
    if (item.hasEOL) {
      lines.push(current);
      current = null;
    }
  }
  if (current) lines.push(current);
  return lines
    .map((l) => ({ ...l, text: normalizeText(l.text).replace(/\s+/g, ' ').trim() }))
    .filter((l) => l.text);
}

function toSections(lines: PdfLine[]): RawSection[] {
  const body = bodySize(lines);
  const isHeading = (l: PdfLine) =>
    l.size >= body * 1.2 && l.text.split(' ').length <= 15 && /\p{L}/u.test(l.text);
  const sizes = [...new Set(lines.filter(isHeading).map((l) => Math.round(l.size)))].sort((a, b) => b - a);
  const sections: RawSection[] = [];
  const stack: { level: number; text: string }[] = [];
  let text = '';
  let previous: PdfLine | undefined;
  const flush = (path: string[]) => {
    // Synthetic "Page N" headings alone are not content: a page without text yields no section.
    if (text || sizes.length > 0) sections.push({ headingPath: path, body: text });
    text = '';
  };

  for (const line of lines) {
    if (sizes.length > 0 && isHeading(line)) {
      flush(stack.map((s) => s.text));
      const level = sizes.indexOf(Math.round(line.size)) + 1;
      while (stack.length && stack.at(-1)!.level >= level) stack.pop();
      stack.push({ level, text: line.text });
    } else {
      if (sizes.length === 0 && previous && previous.page !== line.page) flush([`Page ${previous.page}`]);
      const gap = previous && previous.page === line.page ? previous.y - line.y : 0;
      if (text) text += gap > Math.max(line.size, previous?.size ?? 0) * 1.6 ? '\n\n' : '\n';
      text += line.text;
    }
    previous = line;
  }
  flush(sizes.length === 0 ? [`Page ${previous?.page ?? 1}`] : stack.map((s) => s.text));
  return sections;
}

/** The font size carrying the most characters is the body text. */
function bodySize(lines: PdfLine[]): number {
  const weight = new Map<number, number>();
  for (const l of lines) weight.set(Math.round(l.size), (weight.get(Math.round(l.size)) ?? 0) + l.text.length);
  let best = 0;
  let bestWeight = -1;
  for (const [size, w] of weight) if (w > bestWeight) [best, bestWeight] = [size, w];
  return best || 1;
}
