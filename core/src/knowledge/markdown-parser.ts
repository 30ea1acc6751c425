import type { RawSection } from './section-builder.ts';

export interface MarkdownParts {
  title?: string;
  metadata: Record<string, string>;
  sections: RawSection[];
}

const FRONT_MATTER = /^---[ \t]*\n([\s\S]*?)\n(?:---|\.\.\.)[ \t]*(?:\n|$)/;
const ATX_HEADING = /^ {0,3}(#{1,6})(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$/;
const SETEXT_UNDERLINE = /^ {0,3}(=+|-+)[ \t]*$/;
const FENCE = /^ {0,3}(`{3,}|~{3,})/;
const BLOCK_START = /^ {0,3}(?:[-*+]\s|\d+[.)]\s|>|\||#)/;

/**
 * A deliberately small Markdown reader: headings (ATX and setext) become section paths, front
 * matter becomes metadata, and everything else (lists, tables, quotes, code) stays as plain text
 * with only link/emphasis syntax removed, so answers keep their wording for citation.
 */
export function parseMarkdown(source: string): MarkdownParts {
  const metadata: Record<string, string> = {};
  let body = source;
  const fm = FRONT_MATTER.exec(source);
  if (fm) {
    Object.assign(metadata, parseFrontMatter(fm[1]));
    body = source.slice(fm[0].length);
  }
  body = body.replace(/<!--[\s\S]*?-->/g, '');

  const sections: RawSection[] = [];
  const stack: { level: number; text: string }[] = [];
  let lines: string[] = [];
  let title: string | undefined;
  let fence: string | null = null;

  const flush = () => {
    sections.push({ headingPath: stack.map((s) => s.text), body: lines.join('\n') });
    lines = [];
  };
  const openHeading = (level: number, raw: string) => {
    const text = cleanInline(raw).trim();
    flush();
    while (stack.length && stack.at(-1)!.level >= level) stack.pop();
    if (text) stack.push({ level, text });
    if (level === 1 && text && title === undefined) title = text;
  };

  for (const line of body.split('\n')) {
    const fenceMatch = FENCE.exec(line);
    if (fence) {
      if (fenceMatch && fenceMatch[1][0] === fence[0] && fenceMatch[1].length >= fence.length) fence = null;
      else lines.push(line);
      continue;
    }
    if (fenceMatch) {
      fence = fenceMatch[1];
      continue;
    }
    const atx = ATX_HEADING.exec(line);
    if (atx) {
      openHeading(atx[1].length, atx[2] ?? '');
      continue;
    }
    const previous = lines.at(-1);
    const setext = SETEXT_UNDERLINE.exec(line);
    if (setext && previous && previous.trim() && !BLOCK_START.test(previous) && isParagraphStart(lines)) {
      lines.pop();
      openHeading(setext[1][0] === '=' ? 1 : 2, previous);
      continue;
    }
    lines.push(cleanInline(line));
  }
  flush();

  return { title: metadata.title || title, metadata, sections };
}

/** Setext headings are one-line paragraphs: the line before the underline must follow a blank line. */
function isParagraphStart(lines: string[]): boolean {
  const before = lines.at(-2);
  return before === undefined || before.trim() === '';
}

function cleanInline(line: string): string {
  return line
    .replace(/!\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/\[([^\]]+)\]\([^)]*\)/g, '$1')
    .replace(/\[([^\]]+)\]\[[^\]]*\]/g, '$1')
    .replace(/(\*\*|__)(?=\S)([^*_]+?)(?<=\S)\1/g, '$2')
    .replace(/`([^`]+)`/g, '$1')
    .replace(/<\/?[a-z][^>]*>/gi, '');
}

/** Flat `key: value` pairs only; nested YAML is kept out rather than half-parsed. */
function parseFrontMatter(block: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of block.split('\n')) {
    const m = /^([A-Za-z_][\w-]*)\s*:\s*(.*)$/.exec(line);
    if (!m) continue;
    const value = m[2].trim().replace(/^(["'])(.*)\1$/, '$2');
    if (value) out[m[1]] = value;
  }
  return out;
}
