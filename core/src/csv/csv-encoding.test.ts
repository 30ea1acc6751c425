import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { asUtf8, parseCsvEncoding } from './csv-encoding.ts';
import { openCsv } from './csv-reader.ts';

describe('CSV encodings', () => {
  it('reads a Windows-1252 file (Excel\'s plain "CSV" on Windows) as the text it holds; UTF-8 stays strict', async () => {
    // "Jürgen;Weiß;Café Ñandú;€5" in Windows-1252: ü FC, ß DF, é E9, Ñ D1, ú FA, € 80
    const bytes = Buffer.from([...Buffer.from('Vorname;Nachname;Firma;Preis\r\nJ'), 0xfc, ...Buffer.from('rgen;Wei'), 0xdf, ...Buffer.from(';Caf'), 0xe9, ...Buffer.from(' '), 0xd1, ...Buffer.from('and'), 0xfa, ...Buffer.from(';'), 0x80, ...Buffer.from('5\r\n')]);
    // split inside the file: a byte-per-character decoding has no sequence to carry over
    const chunks = () => Readable.from([bytes.subarray(0, 33), bytes.subarray(33)]);
    await expect(openCsv(chunks())).rejects.toMatchObject({ details: [{ path: 'encoding' }] });
    const table = await openCsv(asUtf8(chunks(), 'windows-1252'));
    const rows = [];
    for await (const r of table.records) rows.push(r.cells);
    expect(table.header).toEqual(['Vorname', 'Nachname', 'Firma', 'Preis']);
    expect(rows).toEqual([['Jürgen', 'Weiß', 'Café Ñandú', '€5']]);
  });

  it('names the encodings it takes', () => {
    expect(['UTF-8', 'utf8', 'cp1252', 'Latin1', 'ISO-8859-1', 'windows_1252'].map((e) => parseCsvEncoding(e))).toEqual(['utf-8', 'utf-8', 'windows-1252', 'windows-1252', 'windows-1252', 'windows-1252']);
    expect(() => parseCsvEncoding('koi8-r', 'encoding')).toThrow(expect.objectContaining({ details: [{ path: 'encoding', reason: 'must be utf-8 or windows-1252 (also cp1252, latin1, iso-8859-1), got "koi8-r"' }] }));
  });
});
