import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { AppError } from '../errors/app-error.ts';
import { readContactRows } from './contact-rows.ts';
import { dateEvidence, dateOrderForLocale, decideDateOrder, parseDateOrder } from './date-order.ts';
import type { CsvReadOptions } from './csv-reader.ts';
import { readInteractionRows } from './interaction-rows.ts';

async function createdDates(lines: string[], opts: CsvReadOptions = {}): Promise<(string | undefined)[]> {
  const out: (string | undefined)[] = [];
  const text = ['First Name,Last Name,Email,Create Date', ...lines].join('\n');
  for await (const r of readContactRows(Readable.from([Buffer.from(text)]), opts)) {
    out.push(r.ok ? r.value.createdAt?.toISOString().slice(0, 10) : `row ${r.row}: ${r.issues[0].reason}`);
  }
  return out;
}

const rows = (...dates: string[]) => dates.map((d, i) => `P${i},Q,p${i}@x.io,${d}`);

async function refusal(promise: Promise<unknown>): Promise<AppError> {
  try {
    await promise;
  } catch (err) {
    expect(err).toBeInstanceOf(AppError);
    return err as AppError;
  }
  throw new Error('expected the file to be refused');
}

describe('per-column day/month order in imports', () => {
  it('reads a UK export day-first once one value proves it, whatever the locale', async () => {
    expect(await createdDates(rows('03/04/2024', '25/12/2024'), { locale: 'en-US' })).toEqual(['2024-04-03', '2024-12-25']);
  });

  it('reads a US export month-first once one value proves it', async () => {
    expect(await createdDates(rows('03/04/2024', '12/25/2024 4:30 PM'), { locale: 'en-GB' })).toEqual(['2024-03-04', '2024-12-25']);
  });

  it('decides an ambiguous column by the locale (en-GB: 3 April), and refuses it without one, naming the column', async () => {
    expect(await createdDates(rows('03/04/2024', '01/02/2024'), { locale: 'en-GB' })).toEqual(['2024-04-03', '2024-02-01']);
    expect(await createdDates(rows('03/04/2024'), { locale: 'en-US' })).toEqual(['2024-03-04']);
    const err = await refusal(createdDates(rows('03/04/2024', '01/02/2024')));
    expect(err.code).toBe('VALIDATION_FAILED');
    expect(err.message).toMatch(/Dates in "Create Date" are ambiguous/);
    expect(err.details).toEqual([{ path: 'Create Date', reason: expect.stringMatching(/--date-format dmy or mdy/) }]);
  });

  it('lets --date-format override detection and locale', async () => {
    expect(await createdDates(rows('03/04/2024'), { locale: 'en-GB', dateFormat: 'mdy' })).toEqual(['2024-03-04']);
    // Under an explicit month-first order, 25/12 is a bad row with a hint, not a silent swap.
    const out = await createdDates(rows('25/12/2024'), { dateFormat: 'mdy' });
    expect(out[0]).toMatch(/not a real calendar date.*read as MM\/DD\/YYYY/);
  });

  it('refuses a column mixing both orders, and leaves ISO columns alone', async () => {
    const err = await refusal(createdDates(rows('25/12/2024', '12/25/2024')));
    expect(err.message).toMatch(/mix day-first and month-first/);
    expect(await createdDates(rows('2024-04-03', '2024-12-25'))).toEqual(['2024-04-03', '2024-12-25']);
  });

  it('applies to activity dates too', async () => {
    const text = ['Contact Email,Type,Date', 'a@x.io,Call,04/05/2024 10:00', 'b@x.io,Call,13/05/2024'].join('\n');
    const got: string[] = [];
    for await (const r of readInteractionRows(Readable.from([Buffer.from(text)]))) if (r.ok) got.push((r.value.input.occurredAt as Date).toISOString());
    expect(got).toEqual(['2024-05-04T10:00:00.000Z', '2024-05-13T00:00:00.000Z']);
  });
});

describe('date order helpers', () => {
  it('knows the order of a locale, and nothing for unknown or year-first ones', () => {
    expect(dateOrderForLocale('en-GB')).toBe('dmy');
    expect(dateOrderForLocale('en-US')).toBe('mdy');
    expect(dateOrderForLocale('de-DE')).toBe('dmy');
    expect(dateOrderForLocale('ja-JP')).toBeNull();
    expect(dateOrderForLocale('xx')).toBeNull();
    expect(dateOrderForLocale(undefined)).toBeNull();
  });

  it('parses --date-format and refuses anything else', () => {
    expect(parseDateOrder('DD/MM/YYYY')).toBe('dmy');
    expect(parseDateOrder('mdy')).toBe('mdy');
    expect(() => parseDateOrder('ymd')).toThrow(/must be dmy \(DD\/MM\/YYYY\) or mdy/);
  });

  it('treats dotted dates as day-first', () => {
    expect(decideDateOrder('d', dateEvidence(['03.04.2024', '01.02.2024']))).toBe('dmy');
    expect(decideDateOrder('d', dateEvidence(['2024-01-01', '']))).toBeUndefined();
  });
});
