import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatasetError } from './dataset-error.ts';
import { detectDelimiter, parseCsv, readCsv } from './csv-table.ts';

describe('parseCsv', () => {
  it('reads comma, semicolon and tab exports alike', () => {
    for (const d of [',', ';', '\t']) {
      const t = parseCsv(['name|city|score', 'Ann|Oslo|3', 'Bob|Rome|4'].map((l) => l.replaceAll('|', d)).join('\n'));
      expect(t.delimiter).toBe(d);
      expect(t.header).toEqual(['name', 'city', 'score']);
      expect(t.columns[2]).toEqual(['3', '4']);
      expect(t.rowCount).toBe(2);
    }
  });

  it('detects the delimiter while ignoring delimiters inside quotes', () => {
    // Commas inside quoted values must not make "," win over ";".
    const text = '"Name, full";"Notes, long";Score\n"Smith, John";"a, b, c";1\n"Doe, Jane";"x, y";2\n';
    expect(detectDelimiter(text)).toBe(';');
    expect(parseCsv(text).columns[0]).toEqual(['Smith, John', 'Doe, Jane']);
  });

  it('keeps quoted headers, escaped quotes, embedded delimiters and line breaks', () => {
    const text = '"Full name","Comment"\r\n"Ann ""The Boss"" Lee","line one\r\nline two, with comma"\r\nBob,plain\r\n';
    const t = parseCsv(text);
    expect(t.header).toEqual(['Full name', 'Comment']);
    expect(t.columns[0]).toEqual(['Ann "The Boss" Lee', 'Bob']);
    expect(t.columns[1]).toEqual(['line one\r\nline two, with comma', 'plain']);
  });

  it('strips a UTF-8 BOM and handles CRLF, a missing final newline and blank lines', () => {
    const t = parseCsv('\uFEFFa,b\r\n1,2\r\n\r\n3,4');
    expect(t.header).toEqual(['a', 'b']);
    expect(t.columns).toEqual([
      ['1', '3'],
      ['2', '4'],
    ]);
  });

  it('pads short rows, names blank and duplicate headers, and keeps trailing empty fields', () => {
    const t = parseCsv('a,,a,d\n1,2\n5,6,7,\n');
    expect(t.header).toEqual(['a', 'column_2', 'a_2', 'd']);
    expect(t.columns[2]).toEqual(['', '7']);
    expect(t.columns[3]).toEqual(['', '']);
  });

  it('rejects empty files, header-only files, data without a header and rows that are too long', () => {
    const cases: [string, RegExp][] = [
      ['', /empty/],
      ['  \n\n', /empty/],
      ['a,b\n', /no data rows/],
      ['1,2,3\n4,5,6\n', /no header/],
      ['a,b\n1,2,3\n', /row 1 has 3 fields but the header has 2/],
    ];
    for (const [text, reason] of cases) {
      const err = (() => {
        try {
          parseCsv(text);
        } catch (e) {
          return e;
        }
        return null;
      })();
      expect(err).toBeInstanceOf(DatasetError);
      expect((err as DatasetError).field).toBe('csv');
      expect((err as DatasetError).reason).toMatch(reason);
    }
  });

  it('reads from a file path, and names a missing file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'csv-'));
    const path = join(dir, 'leads.csv');
    writeFileSync(path, 'x;y\n1;2\n');
    expect((await readCsv(path)).header).toEqual(['x', 'y']);
    expect((await readCsv({ path })).columns[1]).toEqual(['2']);
    await expect(readCsv(join(dir, 'nope.csv'))).rejects.toMatchObject({ field: 'csv', reason: expect.stringMatching(/not found/) });
  });
});
