import type { DocumentSection } from './knowledge.schema.ts';
import { tidyBlock } from './text-decoder.ts';

export interface RawSection {
  headingPath: string[];
  body: string;
}

/**
 * Lay sections out as one readable text (`heading\n\nbody` blocks separated by blank lines) and
 * record where each body sits, so every chunk can point back at exact char offsets.
 */
export function assembleSections(raw: RawSection[]): { text: string; sections: DocumentSection[] } {
  let text = '';
  const sections: DocumentSection[] = [];
  for (const section of raw) {
    const headingPath = section.headingPath.map((h) => h.replace(/\s+/g, ' ').trim()).filter(Boolean);
    const body = tidyBlock(section.body);
    const heading = headingPath.at(-1);
    if (!heading && !body) continue;
    if (text) text += '\n\n';
    const headingStart = text.length;
    if (heading) text += body ? `${heading}\n\n` : heading;
    const start = text.length;
    text += body;
    sections.push({ headingPath, text: body, headingStart, start, end: text.length });
  }
  return { text, sections };
}
