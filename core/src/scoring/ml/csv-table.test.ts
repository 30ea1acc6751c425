import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { openContactRows } from '../../csv/contact-rows.ts';
import { AppError } from '../../errors/app-error.ts';
import { DatasetError } from './dataset-error.ts';
import { readCsv } from './csv-table.ts';

const dir = mkdtempSync(join(tmpdir(), 'csv-table-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function fileOf(name: string, bytes: string | Buffer): string {
  const path = join(dir, name);
  writeFileSync(path, bytes);
  return path;
}

describe('readCsv (the import reader, column-wise)', () => {
  it.each([',', ';', '\t'])('reads %j-separated files into columns', async (d) => {
    const t = await readCsv({ text: ['name|city|score', 'Ann|Oslo|3', 'Bob|Rome|4'].map((l) => l.replaceAll('|', d)).join('\n') });
    expect(t).toMatchObject({ header: ['name', 'city', 'score'], rowCount: 2, delimiter: d });
    expect(t.columns[1]).toEqual(['Oslo', 'Rome']);
  });

  it('handles a BOM, CRLF, quoted delimiters and line breaks, blank lines and duplicate header names', async () => {
    const path = fileOf('ok.csv', '\uFEFFName,Note,Name\r\n"Smith, John","line 1\r\nline 2",x\r\n\r\nDoe,"say ""hi""",y\r\n');
    const t = await readCsv(path);
    expect(t.header).toEqual(['Name', 'Note', 'Name_2']);
    expect(t.columns).toEqual([
      ['Smith, John', 'Doe'],
      ['line 1\nline 2', 'say "hi"'],
      ['x', 'y'],
    ]);
    expect((await readCsv({ path })).rowCount).toBe(2);
  });

  it('refuses a row whose cell count differs from the header, naming it', async () => {
    await expect(readCsv({ text: 'a,b\n1,2\n3\n' })).rejects.toMatchObject({ field: 'csv', reason: expect.stringMatching(/^row 3 .*expected 2 cells .* found 1/) });
    // Trailing empty cells (",,") are what spreadsheets leave behind: accepted.
    expect((await readCsv({ text: 'a,b\n1,2,,\n' })).columns).toEqual([['1'], ['2']]);
  });

  it('refuses a header of numbers, a header without rows and a missing file', async () => {
    await expect(readCsv({ text: '1,2\n3,4\n' })).rejects.toMatchObject({ reason: expect.stringMatching(/no header row/) });
    await expect(readCsv({ text: 'a,b\n' })).rejects.toMatchObject({ reason: expect.stringMatching(/no data rows/) });
    await expect(readCsv(join(dir, 'nope.csv'))).rejects.toMatchObject({ field: 'csv', reason: expect.stringMatching(/not found/) });
  });
});

/** Every file the contact import refuses as a whole, and what the refusal must say. */
const REFUSED: [string, string | Buffer, RegExp][] = [
  ['an empty file', '', /empty/],
  ['a file of blank lines', '\r\n\n  \n', /empty/],
  ['a BOM only', '\uFEFF', /empty/],
  ['a first line that is data', 'jo@x.io,Jo\nal@x.io,Al\n', /missing header row/],
  ['a pipe-delimited file', 'Email|Name\njo@x.io|Jo\n', /wrong delimiter/],
  ['Windows-1252 bytes', Buffer.concat([Buffer.from('Email,Name\njo@x.io,Zo'), Buffer.from([0xeb]), Buffer.from('\n')]), /not valid UTF-8 .*line 2/],
  ['a truncated multi-byte sequence', Buffer.concat([Buffer.from('Email,Name\njo@x.io,Zo'), Buffer.from([0xc3])]), /not valid UTF-8/],
  ['UTF-16 little-endian', Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('Email,Name\n', 'utf16le')]), /UTF-16 \(little-endian/],
  ['UTF-16 big-endian', Buffer.concat([Buffer.from([0xfe, 0xff]), Buffer.from('Email,Name\n', 'utf16le').swap16()]), /UTF-16 \(big-endian/],
  ['UTF-16 without a byte order mark', Buffer.from('Email,Name\njo@x.io,Jo\n', 'utf16le'), /NUL bytes/],
  ['an unterminated quote', 'Email,Name\njo@x.io,"Jo\nal@x.io,Al\n', /unterminated quote.*row 2/],
];

async function importRefusal(bytes: string | Buffer): Promise<AppError> {
  try {
    const { rows } = await openContactRows(Readable.from([typeof bytes === 'string' ? Buffer.from(bytes) : bytes]));
    for await (const _ of rows) {
      /* drain */
    }
  } catch (err) {
    return err as AppError;
  }
  throw new Error('import accepted the file');
}

describe('every CSV the import refuses, scoring refuses too', () => {
  it.each(REFUSED)('%s', async (name, bytes, message) => {
    const fromImport = await importRefusal(bytes);
    expect(fromImport).toBeInstanceOf(AppError);
    expect(fromImport.message).toMatch(message);
    const path = fileOf(`${name.replace(/\W+/g, '-')}.csv`, bytes);
    const fromScoring = await readCsv(path).then(
      () => null,
      (err: unknown) => err,
    );
    expect(fromScoring).toBeInstanceOf(DatasetError);
    expect((fromScoring as DatasetError).reason).toMatch(message);
  });
});
