import type { HTMLElement, Node } from 'node-html-parser';
import { lazyModule } from '../lazy-module.ts';

const htmlParser = lazyModule<typeof import('node-html-parser')>('node-html-parser');
import type { RawSection } from './section-builder.ts';

export interface HtmlParts {
  title?: string;
  metadata: Record<string, string>;
  sections: RawSection[];
}

/** Page chrome and non-text content: never knowledge. */
const DROP = 'script, style, nav, noscript, template, svg, iframe, object, embed, canvas, [role=navigation], [hidden], [aria-hidden=true]';
const PARAGRAPH_BLOCKS = new Set([
  'p', 'div', 'section', 'article', 'main', 'header', 'footer', 'aside', 'blockquote', 'table', 'ul', 'ol',
  'dl', 'pre', 'figure', 'form', 'fieldset', 'address', 'details', 'summary', 'hr',
]);
const LINE_BLOCKS = new Set(['li', 'tr', 'dt', 'dd', 'figcaption', 'caption', 'option']);
const HEADING = /^h([1-6])$/;

/**
 * HTML → sections: `h1`–`h6` open sections (nested by level), block elements become line or
 * paragraph breaks, list items get a `- ` bullet and table cells a ` | ` separator so tables read
 * as rows.
 */
export function parseHtml(source: string): HtmlParts {
  const { parse, NodeType } = htmlParser();
  const root = parse(source, { comment: false, blockTextElements: { pre: true } });
  const metadata: Record<string, string> = {};
  for (const meta of root.querySelectorAll('meta[name][content]')) {
    const name = meta.getAttribute('name')?.trim();
    const content = meta.getAttribute('content')?.trim();
    if (name && content) metadata[name.toLowerCase()] = content;
  }
  const docTitle = collapse(root.querySelector('title')?.text ?? '');
  for (const el of root.querySelectorAll(DROP)) el.remove();
  root.querySelector('head')?.remove();

  const sections: RawSection[] = [];
  const stack: { level: number; text: string }[] = [];
  let buffer = '';
  let firstH1: string | undefined;

  const flush = () => {
    sections.push({ headingPath: stack.map((s) => s.text), body: tidyHtmlText(buffer) });
    buffer = '';
  };

  const walk = (node: Node, inPre: boolean) => {
    if (node.nodeType === NodeType.TEXT_NODE) {
      buffer += inPre ? node.text : node.text.replace(/\s+/g, ' ');
      return;
    }
    if (node.nodeType !== NodeType.ELEMENT_NODE) return;
    const el = node as HTMLElement;
    const tag = (el.rawTagName ?? '').toLowerCase();
    const heading = HEADING.exec(tag);
    if (heading) {
      const level = Number(heading[1]);
      const text = collapse(el.text);
      flush();
      while (stack.length && stack.at(-1)!.level >= level) stack.pop();
      if (text) stack.push({ level, text });
      if (level === 1 && text && firstH1 === undefined) firstH1 = text;
      return;
    }
    if (tag === 'br') {
      buffer += '\n';
      return;
    }
    if (tag === 'td' || tag === 'th') buffer += ' | ';
    const paragraph = PARAGRAPH_BLOCKS.has(tag);
    const line = LINE_BLOCKS.has(tag);
    if (paragraph) buffer += '\n\n';
    else if (line) buffer += tag === 'li' ? '\n- ' : '\n';
    for (const child of el.childNodes) walk(child, inPre || tag === 'pre');
    if (paragraph) buffer += '\n\n';
    else if (line && !buffer.endsWith('\n')) buffer += '\n';
  };
  walk(root.querySelector('body') ?? root, false);
  flush();

  return { title: docTitle || firstH1, metadata, sections };
}

function collapse(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

function tidyHtmlText(text: string): string {
  return text
    // a line break that only closed a list item or row is not a paragraph break
    .replace(/\n[ \t]*\n(?=[ \t]*(?:- | \| ))/g, '\n')
    .split('\n')
    .map((line) => line.replace(/[ \t]+/g, ' ').replace(/^ \| /, '').trim())
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}
