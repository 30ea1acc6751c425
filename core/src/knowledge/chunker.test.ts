import { describe, expect, it } from 'vitest';
import { AppError } from '../errors/app-error.ts';
import { chunkDocument, documentContentHash } from './chunker.ts';
import type { ParsedDocument } from './knowledge.schema.ts';
import { assembleSections, type RawSection } from './section-builder.ts';

function doc(raw: RawSection[], title = 'Test doc'): ParsedDocument {
  const { text, sections } = assembleSections(raw);
  return { filename: 'test.md', title, type: 'markdown', text, sections, metadata: {} };
}

const words = (n: number, prefix = 'word') => Array.from({ length: n }, (_, i) => `${prefix}${i}`).join(' ');
const sentences = (n: number, perSentence = 10) =>
  Array.from({ length: n }, (_, i) => `Sentence ${i} ${words(perSentence - 2, `s${i}w`)}.`).join(' ');

function expectWellFormed(d: ParsedDocument, chunks: ReturnType<typeof chunkDocument>['chunks']) {
  chunks.forEach((c, i) => {
    expect(c.index).toBe(i);
    expect(d.text.slice(c.start, c.end)).toBe(c.text);
    // never inside a word: the characters around the cut are whitespace or the text edge
    expect(c.start === 0 || /\s/.test(d.text[c.start - 1])).toBe(true);
    expect(c.end === d.text.length || /\s/.test(d.text[c.end])).toBe(true);
    expect(c.text).toBe(c.text.trim());
    expect(c.wordCount).toBe(c.text.split(/\s+/).length);
  });
}

describe('chunkDocument', () => {
  it('gives each chunk its heading path as context and exact offsets', () => {
    const d = doc([
      { headingPath: ['Pricing'], body: 'All prices exclude VAT.' },
      { headingPath: ['Pricing', 'Growth package'], body: 'Growth costs £1,400 per month.' },
    ]);
    const { chunks } = chunkDocument(d, { packWords: 0 });
    expect(chunks.map((c) => c.context)).toEqual(['Pricing', 'Pricing > Growth package']);
    expect(chunks[1].text).toBe('Growth costs £1,400 per month.');
    expectWellFormed(d, chunks);
  });

  it('uses the title as context for text before any heading', () => {
    const { chunks } = chunkDocument(doc([{ headingPath: [], body: 'Intro text.' }], 'Handbook'));
    expect(chunks[0].context).toBe('Handbook');
  });

  it('packs small neighbouring sections under their common heading path', () => {
    const d = doc([
      { headingPath: ['Discounts'], body: 'Discounts are a tool.' },
      { headingPath: ['Discounts', 'Bundles'], body: 'Two services get 10% off.' },
      { headingPath: ['Discounts', 'Charities'], body: 'Charities get 10% off.' },
    ]);
    const { chunks } = chunkDocument(d);
    expect(chunks).toHaveLength(1);
    expect(chunks[0].context).toBe('Discounts');
    expect(chunks[0].text).toBe('Discounts are a tool.\n\nBundles\n\nTwo services get 10% off.\n\nCharities\n\nCharities get 10% off.');
    expectWellFormed(d, chunks);
  });

  it('skips empty sections and returns nothing for a document of headings only', () => {
    const headingsOnly = doc([
      { headingPath: ['A'], body: '' },
      { headingPath: ['A', 'B'], body: '   ' },
    ]);
    expect(chunkDocument(headingsOnly, { packWords: 0 }).chunks).toEqual([]);
    const mixed = doc([
      { headingPath: ['A'], body: '' },
      { headingPath: ['A', 'B'], body: 'Body of B.' },
    ]);
    expect(chunkDocument(mixed, { packWords: 0 }).chunks.map((c) => c.context)).toEqual(['A > B']);
  });

  it('cuts one giant paragraph without punctuation at word boundaries near the target', () => {
    const d = doc([{ headingPath: ['Wall'], body: words(1000) }]);
    const { chunks } = chunkDocument(d, { targetWords: 100, overlap: 0 });
    expectWellFormed(d, chunks);
    expect(chunks).toHaveLength(10);
    for (const c of chunks) expect(c.wordCount).toBeLessThanOrEqual(100);
    expect(chunks.map((c) => c.text).join(' ')).toBe(words(1000));
  });

  it('prefers paragraph, then sentence boundaries', () => {
    const para = (i: number) => `Paragraph ${i} starts. ${words(38, `p${i}w`)} ends here.`;
    const d = doc([{ headingPath: ['P'], body: [para(0), para(1), para(2), para(3)].join('\n\n') }]);
    const { chunks } = chunkDocument(d, { targetWords: 100, overlap: 0 });
    expect(chunks[0].text.endsWith('ends here.')).toBe(true);
    expect(chunks[1].text.startsWith('Paragraph 2 starts.')).toBe(true);

    const s = doc([{ headingPath: ['S'], body: sentences(30) }]);
    const bySentence = chunkDocument(s, { targetWords: 55, overlap: 0 }).chunks;
    for (const c of bySentence.slice(0, -1)) expect(c.text.endsWith('.')).toBe(true);
    expectWellFormed(s, bySentence);
  });

  it('overlaps consecutive chunks by about the configured share, starting at a sentence', () => {
    const d = doc([{ headingPath: ['O'], body: sentences(60) }]);
    const { chunks } = chunkDocument(d, { targetWords: 100, overlap: 0.2 });
    expect(chunks.length).toBeGreaterThan(3);
    for (let i = 1; i < chunks.length; i++) {
      const previous = chunks[i - 1];
      const current = chunks[i];
      expect(current.start).toBeGreaterThan(previous.start);
      expect(current.start).toBeLessThan(previous.end);
      const shared = d.text.slice(current.start, previous.end).split(/\s+/).length;
      expect(shared).toBeGreaterThanOrEqual(10);
      expect(shared).toBeLessThanOrEqual(20);
      expect(current.text.startsWith('Sentence')).toBe(true);
    }
    expect(chunks.at(-1)!.end).toBe(d.sections[0].end);
  });

  it('merges a tiny trailing piece into the chunk before it', () => {
    const d = doc([{ headingPath: ['T'], body: words(105) }]);
    const { chunks } = chunkDocument(d, { targetWords: 100, overlap: 0 });
    expect(chunks).toHaveLength(1);
    expect(chunks[0].wordCount).toBe(105);
  });

  it('handles unicode: accents, emoji and non-Latin scripts keep exact offsets', () => {
    const body = `Café crème brûlée 🎉 naïve — Ελληνικά κείμενα και 日本語 テキスト. ${words(60, 'ü')}`;
    const d = doc([{ headingPath: ['Ünïcødé'], body }]);
    const { chunks } = chunkDocument(d, { targetWords: 20, overlap: 0.15 });
    expectWellFormed(d, chunks);
    expect(chunks[0].text.startsWith('Café crème')).toBe(true);
    expect(chunks[0].context).toBe('Ünïcødé');
  });

  it('is deterministic, and hashes change only where content changed', () => {
    const raw = [
      { headingPath: ['A'], body: sentences(40) },
      { headingPath: ['B'], body: 'Unchanged section B.' },
    ];
    const one = chunkDocument(doc(raw), { packWords: 0 });
    const two = chunkDocument(doc(raw), { packWords: 0 });
    expect(two).toEqual(one);
    expect(one.contentHash).toMatch(/^[0-9a-f]{64}$/);

    const edited = chunkDocument(doc([{ headingPath: ['A'], body: sentences(40).replace('Sentence 39', 'Phrase 39') }, raw[1]]), { packWords: 0 });
    expect(edited.contentHash).not.toBe(one.contentHash);
    const hashes = (r: typeof one) => r.chunks.map((c) => c.contentHash);
    expect(hashes(edited)[0]).toBe(hashes(one)[0]);
    expect(hashes(edited).at(-1)).toBe(hashes(one).at(-1));
    expect(new Set(hashes(one)).size).toBe(one.chunks.length);
  });

  it('hashes the document by what a reader sees', () => {
    const d = doc([{ headingPath: ['A'], body: 'x' }]);
    expect(documentContentHash(d)).toBe(documentContentHash({ ...d, filename: 'renamed.md' } as ParsedDocument));
    expect(documentContentHash(d)).not.toBe(documentContentHash({ ...d, title: 'Other' }));
  });

  it('validates options', () => {
    expect(() => chunkDocument(doc([{ headingPath: [], body: 'x' }]), { targetWords: 0 })).toThrow(AppError);
    expect(() => chunkDocument(doc([{ headingPath: [], body: 'x' }]), { overlap: 0.9 })).toThrow(/options.overlap/);
  });
});
