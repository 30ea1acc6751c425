import { describe, expect, it } from 'vitest';
import { detectDateFormat, parseDateCell, parseTargetCell } from './cell-parsers.ts';
import { inferColumn, parseCell } from './column-inference.ts';

const day = (iso: string): number => Date.parse(`${iso}T00:00:00Z`) / 86_400_000;

describe('inferColumn', () => {
  it('infers numeric columns with signs, decimals and missing tokens', () => {
    const col = inferColumn('Revenue', ['12', '-3.5', '+4', 'NA', '', 'n/a', 'null', '-', '.5', '1e3']);
    expect(col.schema.type).toBe('numeric');
    expect(col.missing).toBe(5);
    expect(Array.from(col.values as Float64Array)).toEqual([12, -3.5, 4, NaN, NaN, NaN, NaN, NaN, 0.5, 1000]);
  });

  it('reads amounts as exports write them as numbers, as the importer and tenant models do', () => {
    const col = inferColumn('Deal Value', ['$1,500,000', '$12,000.50', '€ 9 000', '85%', '(1,200)', '', '1200', '0,5']);
    expect(col.schema.type).toBe('numeric');
    expect(Array.from(col.values as Float64Array)).toEqual([1_500_000, 12_000.5, 9000, 85, -1200, NaN, 1200, 0.5]);
    // a stored model reads a new raw record's cell the same way
    expect(parseCell('$2,500', { name: 'Deal Value', type: 'numeric' })).toBe(2500);
    // phone numbers stay text
    expect(inferColumn('Phone', ['+1 555 123 4567', '+44 20 7946 0958', '+1 555 987 6543']).schema.type).toBe('categorical');
  });

  it('keeps a column numeric at under 1% unparsed cells and reads it as categories above, wherever the text cells are', () => {
    const cells = (text: number, at: 'start' | 'end') =>
      Array.from({ length: 5000 }, (_, i) => ((at === 'start' ? i < text : i >= 5000 - text) ? `code ${i % 3}` : i % 7 === 0 ? '' : String(i % 97)));
    for (const at of ['start', 'end'] as const) {
      const few = inferColumn('Score', cells(40, at));
      expect(few.schema.type).toBe('numeric');
      expect(few.note).toBe('40 value(s) that are not numbers treated as missing');
      const many = inferColumn('Score', cells(60, at));
      expect(many.schema.type).toBe('categorical');
      expect(many.missing).toBe(Array.from({ length: 5000 }, (_, i) => i).filter((i) => i % 7 === 0 && (at === 'start' ? i >= 60 : i < 4940)).length);
      expect(new Set(many.values as (string | null)[]).size).toBe(97 + 3 + 1);
    }
  });

  it('reads a conventional "none" code at an extreme of a numeric column as missing (UCI bank marketing pdays)', () => {
    // bank-full.csv: pdays = -1 "not previously contacted" in ~82% of rows, else days since the last contact
    const pdays = Array.from({ length: 200 }, (_, i) => (i % 5 === 0 ? String(1 + ((i * 37) % 300)) : '-1'));
    pdays[3] = '';
    const col = inferColumn('pdays', pdays);
    expect(col.schema).toEqual({ name: 'pdays', type: 'numeric', missingCode: -1 });
    expect(col.codedMissing).toBe(159);
    expect(col.missing).toBe(160);
    expect(col.note).toBeUndefined(); // codes are not "values that are not numbers"
    const values = col.values as Float64Array;
    expect(values[1]).toBeNaN();
    expect(values[0]).toBe(1);
    // a stored model reads a new record's code as missing too, and other numbers as numbers
    expect(parseCell('-1', col.schema)).toBeNull();
    expect(parseCell('12', col.schema)).toBe(12);
    // bank-additional-full.csv codes the same as 999, far above every real value (0–27)
    const newer = inferColumn('pdays', Array.from({ length: 100 }, (_, i) => (i % 10 === 0 ? String(i % 27) : '999')));
    expect(newer.schema.missingCode).toBe(999);
    expect(newer.codedMissing).toBe(90);
  });

  it('keeps values that only look like codes as numbers', () => {
    const none = (cells: string[]) => inferColumn('x', cells).schema.missingCode;
    // -1 is one of several negative values (an overdraft balance)
    expect(none(Array.from({ length: 100 }, (_, i) => String(i % 4 === 0 ? -1 : i % 4 === 1 ? -250 : i * 10)))).toBeUndefined();
    // 99 next to values just below it (an age or a percentage)
    expect(none(Array.from({ length: 100 }, (_, i) => String(i % 10 === 0 ? 99 : 18 + (i % 80))))).toBeUndefined();
    // too rare to be a convention of this file (under 1% and 5 cells)
    expect(none(Array.from({ length: 1000 }, (_, i) => String(i < 4 ? -1 : i % 50)))).toBeUndefined();
    // a code beside a single other value is a two-valued column, not a number with a code
    expect(none(Array.from({ length: 100 }, (_, i) => String(i % 2 ? -1 : 3)))).toBeUndefined();
    // an ordinary count whose minimum is 0
    expect(none(Array.from({ length: 100 }, (_, i) => String(i % 3 ? 0 : i)))).toBeUndefined();
  });

  it('reads export placeholders for "nothing chosen" as missing and counts them (QA round 4)', () => {
    // X Education's unfilled dropdowns say "Select"; Zoho writes -None-, Salesforce --None--
    const spec = inferColumn('Specialization', ['Finance', 'Select', '', 'Marketing', 'select', '-None-', '--None--', 'Finance']);
    expect(spec.schema.type).toBe('categorical');
    expect(spec.missing).toBe(5);
    expect(spec.values).toEqual(['Finance', null, null, 'Marketing', null, null, null, 'Finance']);
    expect([...spec.placeholders!]).toEqual([['Select', 1], ['select', 1], ['-None-', 1], ['--None--', 1]]);
    // UCI bank marketing codes its missing values "unknown": a yes/no column with them is still boolean
    const credit = inferColumn('default', ['no', 'unknown', 'yes', 'no', 'unknown']);
    expect(credit.schema.type).toBe('boolean');
    expect(credit.missing).toBe(2);
    // a column of nothing but placeholders is empty, and says why
    expect(inferColumn('City', ['Select', 'Select', ''])).toMatchObject({ drop: 'empty', note: 'every value is empty or a placeholder ("Select")' });
    expect(parseCell(' Select ', { name: 'City', type: 'categorical' })).toBeNull();
  });

  it('infers booleans from yes/no, true/false, y/n and 0/1-only columns', () => {
    expect(inferColumn('a', ['Yes', 'no', 'YES', '']).schema.type).toBe('boolean');
    expect(Array.from(inferColumn('a', ['Yes', 'no', 'YES', '']).values as Float64Array)).toEqual([1, 0, 1, NaN]);
    expect(inferColumn('b', ['True', 'false']).schema.type).toBe('boolean');
    expect(inferColumn('c', ['Y', 'N', 'y']).schema.type).toBe('boolean');
    expect(inferColumn('d', ['0', '1', '1']).schema.type).toBe('boolean');
    // A 2 makes it a number column, not a flag.
    expect(inferColumn('e', ['0', '1', '2']).schema.type).toBe('numeric');
  });

  it('infers dates in ISO, US, European and month-name layouts as epoch days', () => {
    const iso = inferColumn('Created', ['2024-01-31', '2024-02-01T10:30:00Z', 'N/A']);
    expect(iso.schema).toEqual({ name: 'Created', type: 'date', dateFormat: 'ymd' });
    expect((iso.values as Float64Array)[0]).toBe(day('2024-01-31'));
    expect((iso.values as Float64Array)[1]).toBeCloseTo(day('2024-02-01') + 10.5 / 24, 10);
    expect(iso.missing).toBe(1);

    // 31/01 can only be day-first; 01/31 only month-first; dotted dates are European.
    expect(inferColumn('d', ['31/01/2024', '05/02/2024']).schema.dateFormat).toBe('dmy');
    expect(inferColumn('d', ['01/31/2024', '02/05/2024']).schema.dateFormat).toBe('mdy');
    expect(inferColumn('d', ['05.02.2024', '06.02.2024']).schema.dateFormat).toBe('dmy');
    const text = inferColumn('d', ['Jan 5, 2024', '5 February 2024', '05-Mar-2024']);
    expect(text.schema.dateFormat).toBe('text');
    expect(Array.from(text.values as Float64Array)).toEqual([day('2024-01-05'), day('2024-02-05'), day('2024-03-05')]);
  });

  it('keeps everything else as categories and reports missing values', () => {
    const col = inferColumn('Source', ['Web', ' Referral ', '', 'Web', 'NULL']);
    expect(col.schema.type).toBe('categorical');
    expect(col.values).toEqual(['Web', 'Referral', null, 'Web', null]);
    expect(col.missing).toBe(2);
    expect(col.drop).toBeUndefined();
  });

  it('treats a few unparseable cells in a number column as missing, with a note', () => {
    const cells = Array.from({ length: 200 }, (_, i) => String(i % 37));
    cells[7] = 'pending'; // ('unknown' is a placeholder for missing now, not an unparsed value)
    const col = inferColumn('Score', cells);
    expect(col.schema.type).toBe('numeric');
    expect(col.missing).toBe(1);
    expect(col.note).toMatch(/1 value/);
  });

  it('marks id-like, constant and empty columns to drop', () => {
    const emails = Array.from({ length: 20 }, (_, i) => `p${i}@x.com`);
    expect(inferColumn('Email', emails).drop).toBe('id');
    expect(inferColumn('Lead ID', Array.from({ length: 20 }, (_, i) => String(100 + i))).drop).toBe('id');
    // Unique numbers with an ordinary name are a real feature (a sequence 100, 101, ... would be an id).
    const amounts = Array.from({ length: 200 }, (_, i) => String(((i * 7919) % 1000) * 13 + 5));
    expect(inferColumn('Revenue', amounts).drop).toBeUndefined();
    expect(inferColumn('Country', ['NO', 'NO', 'NO']).drop).toBe('constant');
    expect(inferColumn('Blank', ['', 'NA', '']).drop).toBe('empty');
  });
});

describe('day-first or month-first date columns', () => {
  it('decides an ambiguous column by the locale or --date-format, and refuses it otherwise, naming the column', () => {
    const cells = ['03/04/2024', '01/02/2024', '11/12/2024'];
    expect(inferColumn('Created', cells, { locale: 'en-GB' }).schema.dateFormat).toBe('dmy');
    expect((inferColumn('Created', cells, { locale: 'en-GB' }).values as Float64Array)[0]).toBe(day('2024-04-03'));
    expect(inferColumn('Created', cells, { locale: 'en-US' }).schema.dateFormat).toBe('mdy');
    expect(inferColumn('Created', cells, { override: 'mdy', locale: 'en-GB' }).schema.dateFormat).toBe('mdy');
    expect(() => inferColumn('Created', cells)).toThrow(expect.objectContaining({ field: 'Created', reason: expect.stringMatching(/fits both day-first and month-first.*--locale/) }));
  });

  it('reads UK and US files by what their values prove, whatever the locale', () => {
    expect(inferColumn('d', ['03/04/2024', '25/12/2024'], { locale: 'en-US' }).schema.dateFormat).toBe('dmy');
    expect(inferColumn('d', ['03/04/2024', '12/25/2024'], { locale: 'en-GB' }).schema.dateFormat).toBe('mdy');
    // A mix fits neither order for 99% of its cells, so it is not read as dates at all.
    expect(inferColumn('d', ['25/12/2024', '12/25/2024', '01/01/2024']).schema.type).toBe('categorical');
  });
});

describe('id-like columns', () => {
  const n = 300;
  it('drops sequences of whole numbers, shuffled or in file order, whatever their name', () => {
    const shuffled = Array.from({ length: n }, (_, i) => String(5000 + ((i * 7) % n)));
    expect(inferColumn('Lead Number', shuffled).drop).toBe('id');
    expect(inferColumn('Position', shuffled)).toMatchObject({ drop: 'id', note: expect.stringMatching(/sequence \(5000 to 5299/) });
    const gappy = Array.from({ length: n }, (_, i) => String(10 * i + (i % 3)));
    expect(inferColumn('Seq', gappy)).toMatchObject({ drop: 'id', note: expect.stringMatching(/rise/) });
    // Distinct decimals (amounts) are not ids, nor are repeated whole numbers.
    expect(inferColumn('Amount', Array.from({ length: n }, (_, i) => (i * 1.37).toFixed(2))).drop).toBeUndefined();
    expect(inferColumn('Visits', Array.from({ length: n }, (_, i) => String(i % 40))).drop).toBeUndefined();
  });

  it('drops UUIDs, hashes and CRM record ids even when they repeat, and nearly unique text', () => {
    const hex = (i: number, len: number) => (BigInt(i + 1) * 0x9e3779b97f4a7c15n).toString(16).padStart(len, '0').slice(-len);
    const uuids = Array.from({ length: n }, (_, i) => `${hex(i % 50, 8)}-${hex(i % 50, 4)}-4${hex(i % 50, 3)}-a${hex(i % 50, 3)}-${hex(i % 50, 12)}`);
    expect(inferColumn('Account', uuids)).toMatchObject({ drop: 'id', note: expect.stringMatching(/machine identifiers/) });
    expect(inferColumn('Hash', Array.from({ length: n }, (_, i) => hex(i % 30, 32))).drop).toBe('id');
    expect(inferColumn('Record', Array.from({ length: n }, (_, i) => `00Q5g00000${hex(i, 5)}AB`)).drop).toBe('id');
    const notes = Array.from({ length: n }, (_, i) => (i === 3 ? 'same' : `call note ${i}`));
    notes[4] = 'same';
    expect(inferColumn('Notes', notes)).toMatchObject({ drop: 'id', note: expect.stringMatching(/nearly every value is unique/) });
    expect(inferColumn('Country', Array.from({ length: n }, (_, i) => ['UK', 'FR', 'DE'][i % 3])).drop).toBeUndefined();
  });
});

describe('cell parsers', () => {
  it('parse outcome labels case-insensitively', () => {
    expect(['1', 'Yes', 'TRUE', 'y', 'Won', 'closed won'].map(parseTargetCell)).toEqual([1, 1, 1, 1, 1, 1]);
    expect(['0', 'no', 'False', 'N', 'LOST'].map(parseTargetCell)).toEqual([0, 0, 0, 0, 0]);
    expect(parseTargetCell('maybe')).toBeNull();
  });

  it('reject impossible dates and apply time zones and am/pm', () => {
    expect(parseDateCell('2024-02-30', 'ymd')).toBeNaN();
    expect(parseDateCell('13/13/2024', 'mdy')).toBeNaN();
    expect(parseDateCell('2024-01-01T02:00:00+02:00', 'ymd')).toBe(day('2024-01-01'));
    expect(parseDateCell('1/2/24 1:30 PM', 'mdy')).toBeCloseTo(day('2024-01-02') + 13.5 / 24, 10);
    expect(detectDateFormat(['hello', 'world'])).toBeNull();
  });

  it('parseCell reads a raw cell the way training read its column', () => {
    expect(parseCell('05.02.2024', { name: 'd', type: 'date', dateFormat: 'dmy' })).toBe(day('2024-02-05'));
    expect(parseCell(' yes ', { name: 'b', type: 'boolean' })).toBe(1);
    expect(parseCell('N/A', { name: 'n', type: 'numeric' })).toBeNull();
    expect(parseCell('abc', { name: 'n', type: 'numeric' })).toBeNull();
    expect(parseCell(undefined, { name: 'c', type: 'categorical' })).toBeNull();
  });
});
