import { describe, expect, it } from 'vitest';
import { AppError } from '../errors/app-error.ts';
import { detectDocumentType, parseDocument } from './document-parser.ts';
import { buildPdf } from './test-pdf.fixture.ts';

const utf8 = (text: string) => new TextEncoder().encode(text);

async function rejection(promise: Promise<unknown>): Promise<AppError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(AppError);
  expect((err as AppError).code).toBe('VALIDATION_FAILED');
  return err as AppError;
}
const reasonOf = (err: AppError) => (err.details as { path: string; reason: string }[])[0].reason;

describe('parseDocument — markdown', () => {
  const source = [
    '---',
    'title: "Brightwave Pricing"',
    'owner: Finance',
    '---',
    'Intro before any heading.',
    '',
    '# Pricing',
    '',
    'All prices exclude **VAT**. See the [price list](https://example.com/prices).',
    '',
    '## Growth package',
    '',
    '- Up to 40 keywords',
    '- Two articles per month',
    '',
    '| Package | Fee |',
    '| --- | --- |',
    '| Growth | £1,400 |',
    '',
    '```',
    '# not a heading inside code',
    '```',
    '',
    'Setext heading',
    '--------------',
    '',
    'Under setext.',
  ].join('\n');

  it('turns headings into section paths, front matter into metadata and keeps lists and tables', async () => {
    const doc = await parseDocument({ filename: 'pricing.md', bytes: utf8(source) });
    expect(doc.type).toBe('markdown');
    expect(doc.title).toBe('Brightwave Pricing');
    expect(doc.metadata).toEqual({ title: 'Brightwave Pricing', owner: 'Finance' });
    expect(doc.sections.map((s) => s.headingPath)).toEqual([
      [],
      ['Pricing'],
      ['Pricing', 'Growth package'],
      ['Pricing', 'Setext heading'],
    ]);
    const growth = doc.sections[2].text;
    expect(growth).toContain('- Up to 40 keywords\n- Two articles per month');
    expect(growth).toContain('| Growth | £1,400 |');
    expect(growth).toContain('# not a heading inside code');
    expect(doc.sections[1].text).toBe('All prices exclude VAT. See the price list.');
    expect(doc.text).not.toContain('---\ntitle');
  });

  it('records section offsets that point into the document text', async () => {
    const doc = await parseDocument({ filename: 'pricing.md', bytes: utf8(source) });
    for (const s of doc.sections) {
      expect(doc.text.slice(s.start, s.end)).toBe(s.text);
      const heading = s.headingPath.at(-1);
      if (heading) expect(doc.text.slice(s.headingStart, s.headingStart + heading.length)).toBe(heading);
    }
  });

  it('uses the first h1 as title, else the file name', async () => {
    expect((await parseDocument({ filename: 'a.md', bytes: utf8('# Onboarding\n\ntext') })).title).toBe('Onboarding');
    expect((await parseDocument({ filename: 'dir/sales-playbook.md', bytes: utf8('just text') })).title).toBe('Sales playbook');
  });
});

describe('parseDocument — plain text', () => {
  it('splits paragraphs and recognises title-like heading lines', async () => {
    const text = 'ABOUT US\n\nWe are a small agency in Bristol with fourteen people.\n\nOur story\n\nFounded in 2016 by two people who were tired of long contracts and junior teams.\n\nA second paragraph that is plain prose, ending with a full stop.';
    const doc = await parseDocument({ filename: 'about.txt', bytes: utf8(text) });
    expect(doc.type).toBe('text');
    expect(doc.title).toBe('ABOUT US');
    expect(doc.sections.map((s) => s.headingPath)).toEqual([['ABOUT US'], ['ABOUT US', 'Our story']]);
    expect(doc.sections[1].text.split('\n\n')).toHaveLength(2);
  });

  it('keeps a file without heading lines as one section', async () => {
    const doc = await parseDocument({ filename: 'notes.txt', bytes: utf8('first paragraph here.\n\nsecond one, also prose.') });
    expect(doc.sections).toHaveLength(1);
    expect(doc.sections[0].headingPath).toEqual([]);
    expect(doc.title).toBe('Notes');
  });

  it('normalises line endings, BOM and NFC', async () => {
    const doc = await parseDocument({ filename: 'x.txt', bytes: utf8('\uFEFFcafe\u0301 line\r\nnext line') });
    expect(doc.text).toBe('café line\nnext line');
  });

  it('accepts UTF-16 with a byte-order mark', async () => {
    const body = Buffer.from('hello from notepad', 'utf16le');
    const doc = await parseDocument({ filename: 'w.txt', bytes: new Uint8Array([0xff, 0xfe, ...body]) });
    expect(doc.text).toBe('hello from notepad');
  });
});

describe('parseDocument — HTML', () => {
  const html = `<!doctype html><html><head><title>Referral Programme</title><meta name="owner" content="Marketing">
    <style>p { color: red }</style><script>var secret = "do not index";</script></head>
    <body><nav><a href="/">Home</a> | <a href="/about">About</a></nav>
    <h1>Referral Programme</h1><p>Clients earn a <strong>£300</strong>&nbsp;credit &amp; more.</p>
    <h2>Conditions</h2><ul><li>New businesses only.</li><li>Paid after two invoices.</li></ul>
    <h3>Table</h3><table><tr><th>Who</th><th>Reward</th></tr><tr><td>Partner</td><td>10%</td></tr></table>
    <h2>Tracking</h2><p>Line one<br>line two</p></body></html>`;

  it('drops script, style and nav, maps h1–h6 to sections and decodes entities', async () => {
    const doc = await parseDocument({ filename: 'referral.html', bytes: utf8(html) });
    expect(doc.type).toBe('html');
    expect(doc.title).toBe('Referral Programme');
    expect(doc.metadata.owner).toBe('Marketing');
    expect(doc.text).not.toMatch(/do not index|color: red|Home/);
    expect(doc.sections.map((s) => s.headingPath.join(' > '))).toEqual([
      'Referral Programme',
      'Referral Programme > Conditions',
      'Referral Programme > Conditions > Table',
      'Referral Programme > Tracking',
    ]);
    expect(doc.sections[0].text).toBe('Clients earn a £300 credit & more.');
    expect(doc.sections[1].text).toBe('- New businesses only.\n- Paid after two invoices.');
    expect(doc.sections[2].text).toBe('Who | Reward\nPartner | 10%');
    expect(doc.sections[3].text).toBe('Line one\nline two');
  });

  it('rejects a page whose only content is navigation and scripts', async () => {
    const err = await rejection(parseDocument({ filename: 'x.htm', bytes: utf8('<nav>Home</nav><script>x()</script>') }));
    expect(reasonOf(err)).toMatch(/no extractable text/);
  });
});

describe('parseDocument — PDF', () => {
  it('extracts text per page, with pages as sections when there are no headings', async () => {
    const bytes = buildPdf(
      [['Brightwave pricing overview.', 'Second line (with parentheses).', { text: 'New paragraph.', gapBefore: 12 }], ['Page two text.']],
      { title: 'Pricing PDF' },
    );
    const doc = await parseDocument({ filename: 'pricing.pdf', bytes });
    expect(doc.type).toBe('pdf');
    expect(doc.title).toBe('Pricing PDF');
    expect(doc.metadata.producer).toBe('crm test fixture');
    expect(doc.sections.map((s) => s.headingPath)).toEqual([['Page 1'], ['Page 2']]);
    expect(doc.sections[0].text).toBe('Brightwave pricing overview.\nSecond line (with parentheses).\n\nNew paragraph.');
    expect(doc.sections[1].text).toBe('Page two text.');
  });

  it('does not detach the caller’s buffer', async () => {
    const bytes = buildPdf([['Some text.']]);
    await parseDocument({ filename: 'a.pdf', bytes });
    expect(bytes.length).toBeGreaterThan(0);
    expect(new TextDecoder().decode(bytes.subarray(0, 5))).toBe('%PDF-');
  });

  it('uses larger type as headings when present', async () => {
    const bytes = buildPdf([
      [{ text: 'Pricing', size: 20 }, 'Intro to pricing.', { text: 'Growth package', size: 15 }, 'Growth costs 1400 a month.'],
      [{ text: 'Terms', size: 20 }, 'Thirty days notice.'],
    ]);
    const doc = await parseDocument({ filename: 'p.pdf', bytes });
    expect(doc.sections.map((s) => [s.headingPath.join(' > '), s.text])).toEqual([
      ['Pricing', 'Intro to pricing.'],
      ['Pricing > Growth package', 'Growth costs 1400 a month.'],
      ['Terms', 'Thirty days notice.'],
    ]);
  });

  it('rejects corrupt, truncated, encrypted and text-less PDFs with specific reasons', async () => {
    const good = buildPdf([['Some text.']]);
    expect(reasonOf(await rejection(parseDocument({ filename: 'a.pdf', bytes: utf8('%PDF-1.7\ngarbage') })))).toMatch(/^corrupt PDF/);
    expect(reasonOf(await rejection(parseDocument({ filename: 'a.pdf', bytes: good.slice(0, 120) })))).toMatch(/^corrupt PDF/);
    expect(reasonOf(await rejection(parseDocument({ filename: 'a.pdf', bytes: utf8('just some text') })))).toMatch(/no %PDF header/);
    expect(reasonOf(await rejection(parseDocument({ filename: 'a.pdf', bytes: buildPdf([['secret']], { encrypted: true }) })))).toMatch(/^encrypted PDF/);
    expect(reasonOf(await rejection(parseDocument({ filename: 'scan.pdf', bytes: buildPdf([[]]) })))).toMatch(/no extractable text/);
  });
});

describe('parseDocument — rejections', () => {
  it('rejects an empty file and a whitespace-only file', async () => {
    expect(reasonOf(await rejection(parseDocument({ filename: 'a.md', bytes: new Uint8Array() })))).toBe('file is empty');
    expect(reasonOf(await rejection(parseDocument({ filename: 'a.md', bytes: utf8(' \n\t\n') })))).toMatch(/empty/);
  });

  it('rejects binary content sent as text', async () => {
    const nul = await rejection(parseDocument({ filename: 'a.txt', bytes: new Uint8Array([0x68, 0x69, 0x00, 0x01]) }));
    expect(reasonOf(nul)).toMatch(/binary content: NUL byte at offset 2/);
    const latin1 = await rejection(parseDocument({ filename: 'a.md', bytes: new Uint8Array([0x63, 0x61, 0x66, 0xe9, 0x20]) }));
    expect(reasonOf(latin1)).toMatch(/not valid UTF-8/);
    // A PNG renamed to .md: NUL bytes in its header.
    const png = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d]);
    expect(reasonOf(await rejection(parseDocument({ filename: 'logo.md', bytes: png })))).toMatch(/binary content/);
  });

  it('rejects files over the size limit, default 20 MB, configurable', async () => {
    const huge = new Uint8Array(20 * 1024 * 1024 + 1).fill(0x61);
    const err = await rejection(parseDocument({ filename: 'big.txt', bytes: huge }));
    expect(reasonOf(err)).toMatch(/too large: 20 MB exceeds the 20 MB limit/);
    const small = await rejection(parseDocument({ filename: 'a.txt', bytes: utf8('x'.repeat(2048)) }, { maxBytes: 1024 }));
    expect(reasonOf(small)).toBe('file is too large: 2 KB exceeds the 1 KB limit');
    await expect(parseDocument({ filename: 'a.txt', bytes: utf8('ok') }, { maxBytes: 0 })).rejects.toMatchObject({
      code: 'VALIDATION_FAILED',
    });
  });

  it('rejects unsupported extensions and names what is supported', async () => {
    const err = await rejection(parseDocument({ filename: 'contract.docx', bytes: utf8('PK...') }));
    expect(err.details).toEqual([{ path: 'filename', reason: expect.stringMatching(/unsupported file type \.docx.*\.md.*\.pdf/) }]);
    expect(reasonOf(await rejection(parseDocument({ filename: 'README', bytes: utf8('x') })))).toMatch(/\(no extension\)/);
  });

  it('validates the input shape', async () => {
    const err = await rejection(parseDocument({ filename: '', bytes: utf8('x') }));
    expect(err.details).toEqual([{ path: 'filename', reason: 'filename is required' }]);
  });
});

describe('detectDocumentType', () => {
  it('prefers a recognised MIME type and falls back to the extension', () => {
    expect(detectDocumentType('notes.bin', 'text/markdown; charset=utf-8')).toBe('markdown');
    expect(detectDocumentType('page.HTM')).toBe('html');
    expect(detectDocumentType('file.pdf', 'application/octet-stream')).toBe('pdf');
    expect(() => detectDocumentType('x.exe', 'application/octet-stream')).toThrow(AppError);
  });
});
