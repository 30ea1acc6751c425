import type { RawSection } from './section-builder.ts';

export interface TextParts {
  title?: string;
  sections: RawSection[];
}

const UNDERLINE = /^(=+|-+)\s*$/;
const BULLET = /^\s*(?:[-*•+]|\d+[.)])\s/;

/**
 * Plain text is paragraph based: blank lines separate paragraphs, and a paragraph that is one
 * short title-like line (underlined, ALL CAPS, Title Case, ending in `:`, or a capitalised line of
 * at most six words before a much longer paragraph) is taken as a heading. Without such lines the whole file is one section.
 */
export function parseText(source: string): TextParts {
  const paragraphs = source.split(/\n[ \t]*\n/).map((p) => p.replace(/^\n+|\n+$/g, ''));
  const sections: RawSection[] = [];
  let path: string[] = [];
  let body: string[] = [];
  let title: string | undefined;
  let top: string | undefined;

  const open = (heading: string, level: 1 | 2) => {
    sections.push({ headingPath: path, body: body.join('\n\n') });
    body = [];
    if (level === 1) top = heading;
    path = level === 1 || top === undefined ? [heading] : [top, heading];
    if (level === 1 && title === undefined && sections.every((s) => !s.body.trim())) title = heading;
  };

  paragraphs.forEach((paragraph, i) => {
    const lines = paragraph.split('\n');
    const hasNext = paragraphs.slice(i + 1).some((p) => p.trim());
    if (lines.length >= 2 && UNDERLINE.test(lines[1]) && isTitleLine(lines[0])) {
      open(lines[0].trim(), lines[1].trim()[0] === '=' ? 1 : 2);
      const rest = lines.slice(2).join('\n');
      if (rest.trim()) body.push(rest);
      return;
    }
    const next = paragraphs.slice(i + 1).find((p) => p.trim()) ?? '';
    if (lines.length === 1 && hasNext && isTitleLine(lines[0]) && looksLikeHeading(lines[0], next)) {
      const text = lines[0].trim().replace(/:$/, '');
      open(text, isAllCaps(text) ? 1 : 2);
      return;
    }
    if (paragraph.trim()) body.push(paragraph);
  });
  sections.push({ headingPath: path, body: body.join('\n\n') });
  return { title, sections };
}

function isTitleLine(line: string): boolean {
  const text = line.trim();
  const words = text.split(/\s+/);
  return text.length > 0 && words.length <= 10 && /\p{L}/u.test(text) && !BULLET.test(line) && !/[.!?,;]$/.test(text);
}

function looksLikeHeading(line: string, next: string): boolean {
  const text = line.trim();
  if (text.endsWith(':') || isAllCaps(text)) return true;
  // Sentence-case headings: a short capitalised line introducing a clearly longer paragraph.
  const wordCount = text.split(/\s+/).length;
  if (wordCount <= 6 && /^\p{Lu}/u.test(text) && next.split(/\s+/).length >= wordCount * 3) return true;
  const words = text.split(/\s+/).filter((w) => /^\p{L}/u.test(w) && w.length > 3);
  return words.length > 0 && words.every((w) => /^\p{Lu}/u.test(w));
}

function isAllCaps(text: string): boolean {
  return /\p{L}{2}/u.test(text) && text === text.toUpperCase();
}
