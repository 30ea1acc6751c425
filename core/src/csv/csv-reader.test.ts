import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { AppError } from '../errors/app-error.ts';
import { openCsv, type CsvRecord } from './csv-reader.ts';

/** A byte stream delivering `input` in chunks of `size` bytes, to exercise chunk boundaries. */
function streamOf(input: string | Buffer, size = 64 * 1024): Readable {
  const bytes = typeof input === 'string' ? Buffer.from(input, 'utf8') : input;
  const chunks: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += size) chunks.push(bytes.subarray(i, i + size));
  return Readable.from(chunks);
}

async function readAll(input: string | Buffer, size?: number) {
  const table = await openCsv(streamOf(input, size));
  const records: CsvRecord[] = [];
  for await (const r of table.records) records.push(r);
  return { header: table.header, delimiter: table.delimiter, records };
}

async function rejection(input: string | Buffer, opts = {}): Promise<AppError> {
  try {
    const table = await openCsv(streamOf(input), opts);
    for await (const _ of table.records) {
      /* drain */
    }
  } catch (err) {
    expect(err).toBeInstanceOf(AppError);
    return err as AppError;
  }
  throw new Error('expected the file to be rejected');
}

describe('openCsv', () => {
  it('reads a comma file with spreadsheet row numbers', async () => {
    const { header, delimiter, records } = await readAll('a,b\n1,2\n3,4\n');
    expect(delimiter).toBe(',');
    expect(header).toEqual(['a', 'b']);
    expect(records).toEqual([
      { row: 2, ok: true, cells: ['1', '2'] },
      { row: 3, ok: true, cells: ['3', '4'] },
    ]);
  });

  it.each([
    [';', 'Name;Email\nJo;jo@x.io\n'],
    ['\t', 'Name\tEmail\nJo\tjo@x.io\n'],
  ])('detects the %j delimiter from the header line', async (delimiter, text) => {
    const result = await readAll(text);
    expect(result.delimiter).toBe(delimiter);
    expect(result.records[0]).toEqual({ row: 2, ok: true, cells: ['Jo', 'jo@x.io'] });
  });

  it('ignores delimiters inside quoted header cells when detecting', async () => {
    const result = await readAll('"Last; First";Email;Phone\n"Lee; Jo";jo@x.io;1\n');
    expect(result.delimiter).toBe(';');
    expect(result.header).toEqual(['Last; First', 'Email', 'Phone']);
  });

  it('strips a UTF-8 BOM, handles CRLF and quoted newlines as one row; line breaks inside a cell become LF', async () => {
    const text = '\uFEFFName,Note\r\n"Jo","line 1\r\nline 2"\r\nAl,"say ""hi"", ok"\r\n"Cy","old Mac\rbreak\r\n\r\nand LF\nkept"\r\n';
    const { header, records } = await readAll(text);
    expect(header).toEqual(['Name', 'Note']);
    expect(records).toEqual([
      { row: 2, ok: true, cells: ['Jo', 'line 1\nline 2'] },
      { row: 3, ok: true, cells: ['Al', 'say "hi", ok'] },
      { row: 4, ok: true, cells: ['Cy', 'old Mac\nbreak\n\nand LF\nkept'] },
    ]);
  });

  it('handles mixed LF/CRLF and counts blank rows without yielding them', async () => {
    const { records } = await readAll('a,b\r\n1,2\n\n,\r\n3,4');
    expect(records).toEqual([
      { row: 2, ok: true, cells: ['1', '2'] },
      { row: 5, ok: true, cells: ['3', '4'] },
    ]);
  });

  it('decodes multi-byte characters split across chunks', async () => {
    const text = 'Name,City\nZoë,Zürich\n李雷,北京\n😀,Malmö\n';
    for (const size of [1, 2, 3, 5, 7]) {
      const { records } = await readAll(text, size);
      expect(records.map((r) => r.cells)).toEqual([
        ['Zoë', 'Zürich'],
        ['李雷', '北京'],
        ['😀', 'Malmö'],
      ]);
    }
  });

  // macOS exports write "ü" as u + U+0308: stored so, "Müller" typed in a search never found it
  it('gives cells and headers in composed (NFC) form', async () => {
    const nfd = (x: string) => x.normalize('NFD');
    const { header, records } = await readAll(`${nfd('Prénom')},Email\n${nfd('Zoë Müllerová')},z@x.io\n`);
    expect(header).toEqual(['Prénom', 'Email']);
    expect(records[0]!.cells).toEqual(['Zoë Müllerová', 'z@x.io']);
    expect(records[0]!.cells[0]).toBe('Zoë Müllerová'.normalize('NFC'));
  });

  it('honours and drops Excel\'s "sep=" first line (QA round 4: it was read as the header)', async () => {
    for (const size of [3, 64 * 1024]) {
      const { header, delimiter, records } = await readAll('\ufeffsep=;\r\nName;Email\r\nAna;ana@x.io\r\n', size);
      expect(delimiter).toBe(';');
      expect(header).toEqual(['Name', 'Email']);
      // Excel does not show the sep line: the header is still row 1
      expect(records).toEqual([{ row: 2, ok: true, cells: ['Ana', 'ana@x.io'] }]);
    }
    expect((await readAll('"sep=,"\nName,Email\nAna,ana@x.io\n')).header).toEqual(['Name', 'Email']);
    const pipe = await rejection('sep=|\nName|Email\n');
    expect(pipe.details).toEqual([{ path: 'delimiter', row: 1, reason: 'the first line "sep=|" names pipe (|) as the delimiter; expected comma, semicolon or tab' }]);
  });

  it('skips the totals and copyright lines a Salesforce report export ends with (QA round 4: three failed rows)', async () => {
    const file = [
      '"Lead ID","First Name","Email"',
      '"00Q1","Ana","ana@x.io"',
      '',
      '"Grand Totals (1 records)"',
      '',
      '"Confidential Information - Do Not Distribute"',
      '"Copyright (c) 2000-2026 salesforce.com, inc. All rights reserved."',
      '"a lone cell"',
      '',
    ].join('\n');
    const { records } = await readAll(file);
    expect(records).toEqual([
      { row: 2, ok: true, cells: ['00Q1', 'Ana', 'ana@x.io'] },
      // any other short line is still reported
      { row: 8, ok: false, cells: ['a lone cell'], issue: { path: 'columns', row: 8, reason: 'expected 3 cells (one per header column) but found 1' } },
    ]);
  });

  it('reports inconsistent column counts per row and keeps going', async () => {
    const { records } = await readAll('a,b,c\n1,2,3\n1,2\n1,2,3,4\n5,6,7,,\n');
    expect(records).toEqual([
      { row: 2, ok: true, cells: ['1', '2', '3'] },
      { row: 3, ok: false, cells: ['1', '2'], issue: { path: 'columns', reason: 'expected 3 cells (one per header column) but found 2', row: 3 } },
      { row: 4, ok: false, cells: ['1', '2', '3', '4'], issue: { path: 'columns', reason: 'expected 3 cells (one per header column) but found 4', row: 4 } },
      { row: 5, ok: true, cells: ['5', '6', '7'] },
    ]);
  });

  it('accepts a header-only file and a single-column file', async () => {
    expect((await readAll('Email,Name\n')).records).toEqual([]);
    const single = await readAll('Email\nx@y.io\n');
    expect(single.header).toEqual(['Email']);
    expect(single.records).toEqual([{ row: 2, ok: true, cells: ['x@y.io'] }]);
  });

  it('destroys the source when the consumer stops early', async () => {
    const source = streamOf('a\n' + '1\n'.repeat(10_000), 100);
    const table = await openCsv(source);
    for await (const r of table.records) if (r.row === 3) break;
    await new Promise((resolve) => setImmediate(resolve));
    expect(source.destroyed).toBe(true);
  });
});

describe('openCsv rejects malformed files with VALIDATION_FAILED', () => {
  it.each([
    ['an empty file', ''],
    ['a file of blank lines', '\r\n\n  \n'],
    ['a BOM only', '\uFEFF'],
  ])('%s', async (_name, text) => {
    const err = await rejection(text);
    expect(err.code).toBe('VALIDATION_FAILED');
    expect(err.details).toEqual([{ path: 'file', reason: expect.stringContaining('the file is empty') }]);
  });

  it('a first line that is data (missing header row)', async () => {
    const err = await rejection('Jane,Smith,jane@example.com\nJo,Lee,jo@example.com\n');
    expect(err.code).toBe('VALIDATION_FAILED');
    expect(err.details).toEqual([
      { path: 'header', row: 1, reason: expect.stringContaining('missing header row: the first line looks like data') },
    ]);
    expect(err.message).toContain('jane@example.com');
  });

  it('a pipe-delimited file', async () => {
    const err = await rejection('First Name|Last Name|Email\nJo|Lee|jo@x.io\n');
    expect(err.details).toEqual([
      { path: 'delimiter', row: 1, reason: 'wrong delimiter: detected pipe (|) in the header; expected comma, semicolon or tab' },
    ]);
  });

  it('a file using another delimiter than the one required', async () => {
    const err = await rejection('First Name;Last Name\nJo;Lee\n', { delimiter: ',' });
    expect(err.details).toEqual([
      {
        path: 'delimiter',
        row: 1,
        reason: 'wrong delimiter: the header is separated by semicolon (;) but comma (,) was expected',
      },
    ]);
  });

  it('invalid UTF-8 (a Windows-1252 file), naming the line', async () => {
    const latin1 = Buffer.concat([Buffer.from('Name,City\nJo,Paris\nZo'), Buffer.from([0xeb]), Buffer.from(',Malm\n')]);
    const err = await rejection(latin1);
    expect(err.code).toBe('VALIDATION_FAILED');
    expect(err.details).toEqual([{ path: 'encoding', row: 3, reason: expect.stringContaining('not valid UTF-8 (invalid byte 0xEB 0x2C on line 3)') }]);
    expect(err.message).toContain('CSV UTF-8');
  });

  it('a truncated multi-byte sequence at the end of the file', async () => {
    const err = await rejection(Buffer.concat([Buffer.from('Name\nZo'), Buffer.from([0xc3])]));
    expect(err.details).toEqual([{ path: 'encoding', row: 2, reason: expect.stringContaining('not valid UTF-8') }]);
  });

  it.each([
    ['utf16le', Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('Name,Email\n', 'utf16le')]), 'little-endian'],
    ['utf16be', Buffer.concat([Buffer.from([0xfe, 0xff]), Buffer.from('Name,Email\n', 'utf16le').swap16()]), 'big-endian'],
  ])('UTF-16 with a byte order mark (%s)', async (_name, bytes, endian) => {
    const err = await rejection(bytes);
    expect(err.details).toEqual([{ path: 'encoding', reason: expect.stringContaining(`the file is UTF-16 (${endian}`) }]);
    expect(err.message).toContain('only UTF-8 is supported');
  });

  it('UTF-16 without a byte order mark', async () => {
    const err = await rejection(Buffer.from('Name,Email\nJo,jo@x.io\n', 'utf16le'));
    expect(err.details).toEqual([{ path: 'encoding', reason: expect.stringContaining('NUL bytes') }]);
  });

  it('an unterminated quote, naming the row where it opened', async () => {
    const err = await rejection('Name,Note\nJo,ok\nAl,"never closed\nBo,x\n');
    expect(err.code).toBe('VALIDATION_FAILED');
    expect(err.details).toEqual([
      { path: 'quote', row: 3, reason: 'unterminated quote: the quoted cell opened in row 3 is never closed' },
    ]);
  });

  it('an unterminated quote that runs past the record size limit', async () => {
    const text = 'Name,Note\nJo,ok\nAl,"open\n' + 'x,y\n'.repeat(1000);
    const err = await rejection(text, { maxRecordSize: 500 });
    expect(err.details).toEqual([
      { path: 'quote', row: 3, reason: expect.stringContaining('row 3 is too large — usually an unterminated quote') },
    ]);
  });
});
