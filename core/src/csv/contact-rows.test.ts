import { once } from 'node:events';
import { createReadStream, createWriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { AppError } from '../errors/app-error.ts';
import { readContactRows, type ContactRowResult } from './contact-rows.ts';
import type { HeaderMapping } from './header-map.ts';

const streamOf = (text: string | Buffer) => Readable.from([typeof text === 'string' ? Buffer.from(text) : text]);

async function readAll(text: string | Buffer, onMapping?: (m: HeaderMapping) => void): Promise<ContactRowResult[]> {
  const rows: ContactRowResult[] = [];
  for await (const r of readContactRows(streamOf(text), { onMapping })) rows.push(r);
  return rows;
}

const okValues = (rows: ContactRowResult[]) =>
  rows.map((r) => {
    if (!r.ok) throw new Error(`row ${r.row} failed: ${JSON.stringify(r.issues)}`);
    return r.value;
  });

const HUBSPOT = [
  'Record ID,First Name,Last Name,Email,Phone Number,Company Name,Job Title,Lifecycle Stage,Lead Status,Contact owner,Create Date,Last Activity Date,Original Source,HubSpot Score,Industry,Campaign',
  '1501,Jane,Doe,Jane.Doe@Example.com,+1 (555) 010-2000,Acme Inc,VP Marketing,marketingqualifiedlead,IN_PROGRESS,owner@agency.io,2024-01-15 09:30,2024-03-01 16:45,ORGANIC_SEARCH,85.0,Retail,spring-24',
  '1502,Raj,Patel,raj@globex.com,,Globex,CTO,,BAD_TIMING,,2023-11-02 11:00,,PAID_SOCIAL,42,,',
  '',
].join('\r\n');

const SALESFORCE = [
  'Lead ID,Salutation,First Name,Last Name,Title,Company,Email,Phone,Mobile,Lead Source,Lead Status,Lead Owner,Created Date,Rating,Description',
  '00Q5g00000A1,Ms.,Ana,Garcia,"Director, Ops",Initech,ana@initech.com,(555) 123-4567,,Web,Working - Contacted,Sam Seller,03/15/2024,Hot,"Met at expo.',
  'Wants a demo."',
  '00Q5g00000A2,Mr.,Bo,Li,,"Umbrella, Corp",bo@umbrella.com,,555-9999,Partner Referral,Closed - Converted,sam@agency.io,12/01/2023 4:30 PM,,',
  '',
].join('\n');

describe('readContactRows — real-world exports', () => {
  it('imports a HubSpot export', async () => {
    let mapping: HeaderMapping | undefined;
    const rows = await readAll(HUBSPOT, (m) => (mapping = m));
    expect(rows.map((r) => r.row)).toEqual([2, 3]);
    const [jane, raj] = okValues(rows);
    expect(jane).toEqual({
      input: {
        firstName: 'Jane',
        lastName: 'Doe',
        email: 'jane.doe@example.com',
        phone: '+1 (555) 010-2000',
        company: 'Acme Inc',
        position: 'VP Marketing',
        status: 'LEAD',
        source: 'ORGANIC_SEARCH',
        leadScore: 85,
        // Lifecycle Stage decides the status; the Lead Status it shadowed is kept, not dropped
        customFields: { 'Lead Status': 'IN_PROGRESS', Industry: 'Retail', externalId: '1501' },
        metadata: { campaignId: 'spring-24' },
      },
      status: 'LEAD',
      ownerEmail: 'owner@agency.io',
      createdAt: new Date('2024-01-15T09:30:00Z'),
      lastContactDate: new Date('2024-03-01T16:45:00Z'),
    });
    // Lifecycle Stage is empty for Raj, so Lead Status (the fallback column) decides.
    expect(raj?.status).toBe('INACTIVE');
    expect(raj?.input).toEqual({
      firstName: 'Raj',
      lastName: 'Patel',
      email: 'raj@globex.com',
      company: 'Globex',
      position: 'CTO',
      status: 'INACTIVE',
      source: 'PAID_SOCIAL',
      leadScore: 42,
      customFields: { externalId: '1502' },
    });
    expect(mapping?.mapped.find((c) => c.header === 'Lead Status')).toMatchObject({ field: 'status', fallback: true });
    expect(mapping?.unmapped.map((c) => c.header)).toEqual(['Industry']);
  });

  it('imports a Salesforce export with quoted commas and a multi-line description', async () => {
    const rows = await readAll(SALESFORCE);
    expect(rows.map((r) => r.row)).toEqual([2, 3]);
    const [ana, bo] = okValues(rows);
    expect(ana).toEqual({
      input: {
        firstName: 'Ana',
        lastName: 'Garcia',
        email: 'ana@initech.com',
        phone: '(555) 123-4567',
        company: 'Initech',
        position: 'Director, Ops',
        status: 'PROSPECT',
        source: 'Web',
        // A Salesforce owner is a name, not an email: kept rather than failing the row.
        customFields: {
          Salutation: 'Ms.',
          Rating: 'Hot',
          Description: 'Met at expo.\nWants a demo.',
          'Lead Owner': 'Sam Seller',
          externalId: '00Q5g00000A1',
        },
      },
      status: 'PROSPECT',
      createdAt: new Date('2024-03-15T00:00:00Z'),
    });
    expect(bo).toMatchObject({
      input: { company: 'Umbrella, Corp', phone: '555-9999', status: 'CUSTOMER', customFields: { Salutation: 'Mr.', externalId: '00Q5g00000A2' } },
      status: 'CUSTOMER',
      ownerEmail: 'sam@agency.io',
      createdAt: new Date('2023-12-01T16:30:00Z'),
    });
  });

  it('reads semicolon files with decimal commas, tab files, BOM and CRLF alike', async () => {
    const expected = { firstName: 'Zoë', lastName: 'Müller', email: 'zoe@example.de', leadScore: 72.5 };
    const semicolon = '\uFEFFAnrede;First Name;Last Name;Email;Lead Score\r\nx;Zoë;Müller;zoe@example.de;"72,5"\r\n';
    const tab = 'First Name\tLast Name\tEmail\tLead Score\nZoë\tMüller\tzoe@example.de\t72.5\n';
    const [a] = okValues(await readAll(semicolon));
    const [b] = okValues(await readAll(tab));
    expect(a?.input).toEqual({ ...expected, customFields: { Anrede: 'x' } });
    expect(b?.input).toEqual(expected);
  });

  it('splits a Name column when first/last names are absent', async () => {
    const rows = await readAll('Full Name,Email\nJane Smith,a@x.io\n"Smith, John",b@x.io\nMary Ann Lee,c@x.io\nCher,d@x.io\n');
    expect(rows.slice(0, 3).map((r) => r.ok && [r.value.input.firstName, r.value.input.lastName])).toEqual([
      ['Jane', 'Smith'],
      ['John', 'Smith'],
      ['Mary Ann', 'Lee'],
    ]);
    // a one-word name says what to do, not just that lastName is required
    expect(rows[3]).toEqual({
      row: 5,
      ok: false,
      issues: [{ path: 'lastName', reason: 'full name "Cher" (column "Full Name") has one word; a last name is required — add a Last Name column or a second word to the name', row: 5 }],
    });
  });

  it('reads a Name column beside a first-name column as the last name (German "Vorname;Name")', async () => {
    const rows = okValues(await readAll('Vorname;Name;E-Mail\nJürgen;Weiß;j@x.io\nAnna;Anna Berg;a@x.io\nMary Ann;Mary Ann Lee;m@x.io\n'));
    expect(rows.map((r) => [r.input.firstName, r.input.lastName])).toEqual([
      ['Jürgen', 'Weiß'],
      ['Anna', 'Berg'],
      ['Mary Ann', 'Lee'],
    ]);
  });

  it('keeps the cells of fallback columns that the field did not use (QA round 4: they were dropped)', async () => {
    const file = [
      'First Name,Last Name,Email,Email 2,Phone,Mobile,Lifecycle Stage,Lead Status',
      'Ana,Silva,ana@x.io,ana.silva@home.io,555-0100,555-0199,Customer,Bad Timing',
      'Bo,Li,,bo@x.io,,555-0200,,Connected',
      'Cy,Ng,cy@x.io,CY@x.io,555-0300,555-0300,lead,',
      '',
    ].join('\n');
    const [ana, bo, cy] = okValues(await readAll(file));
    expect(ana?.input).toMatchObject({ email: 'ana@x.io', phone: '555-0100', status: 'CUSTOMER' });
    expect(ana?.input.customFields).toEqual({ 'Email 2': 'ana.silva@home.io', Mobile: '555-0199', 'Lead Status': 'Bad Timing' });
    // the fallback filled the field: nothing left over
    expect(bo?.input).toMatchObject({ email: 'bo@x.io', phone: '555-0200', status: 'PROSPECT' });
    expect(bo?.input.customFields).toBeUndefined();
    // a fallback cell equal to the one used adds nothing (case differs: kept as written)
    expect(cy?.input.customFields).toEqual({ 'Email 2': 'CY@x.io' });
  });

  it('lets explicit first/last name columns win over Name', async () => {
    const [v] = okValues(await readAll('Name,First Name,Last Name,Email\nJ. Smith,Jane,,a@x.io\n'));
    expect([v?.input.firstName, v?.input.lastName]).toEqual(['Jane', 'Smith']);
  });

  it('yields both rows for duplicate emails (the service upserts, the later row wins)', async () => {
    const rows = okValues(await readAll('First Name,Last Name,Email\nJo,Lee,jo@x.io\nJoanna,Lee,JO@x.io\n'));
    expect(rows.map((r) => [r.input.firstName, r.input.email])).toEqual([
      ['Jo', 'jo@x.io'],
      ['Joanna', 'jo@x.io'],
    ]);
  });
});

describe('readContactRows — bad fields', () => {
  const header = 'First Name,Last Name,Email,Lead Score,Status,Phone,Create Date,Owner Email,customFields,metadata';
  const lines = [
    'Jo,Lee,not-an-email,85,lead,,,,,',
    'Al,Ng,al@x.io,150,lead,,,,,',
    'Bo,Wu,bo@x.io,abc,lead,,,,,',
    'Cy,Xu,cy@x.io,50,hot,,,,,',
    ',Yu,di@x.io,50,,,,,,',
    'Ed,,ed@x.io,,,,,,,',
    'Fa,Zo,,,,,,,,',
    'Gi,Ko,gi@x.io,,,call me!,,,,',
    'Hu,Lo,hu@x.io,,,,31/12/2024,,,',
    'Iv,Mo,iv@x.io,,,,,boss,,',
    'Jy,No,jy@x.io,,,,,,{bad json,',
    'Ka,Po,ka@x.io,1,2',
    'Li,Qi,li@x.io,,,,,,,"{""foo"":1}"',
    'Ma,,bad@,200,zzz,,,,,',
    'Ok,Row,ok@x.io,10,customer,,,,,',
    'Ny,Ro,ny@x.io,,,,not a date,,,',
  ];

  it('reports one FieldIssue per bad field with row, field and reason', async () => {
    const rows = await readAll([header, ...lines, ''].join('\n'));
    const byPath = (a: { path: string }, b: { path: string }) => a.path.localeCompare(b.path);
    const byRow = Object.fromEntries(rows.map((r) => [r.row, r.ok ? (r.warnings ? { warnings: r.warnings } : 'ok') : [...r.issues].sort(byPath)]));
    expect(byRow).toEqual({
      2: [{ row: 2, path: 'email', reason: 'must be a valid email address (got "not-an-email")' }],
      3: [{ row: 3, path: 'leadScore', reason: 'must be between 0 and 100' }],
      4: [{ row: 4, path: 'leadScore', reason: 'must be a number (got "abc")' }],
      // an unknown status keeps the row (LEAD) and the value (custom field importedStatus): a warning
      5: { warnings: [{ row: 5, path: 'status', reason: expect.stringMatching(/^unknown status "hot" kept as custom field importedStatus; a new contact is LEAD.*LEAD, PROSPECT, CUSTOMER, INACTIVE; HubSpot .*Salesforce/) }] },
      6: [{ row: 6, path: 'firstName', reason: 'firstName is required' }],
      7: [{ row: 7, path: 'lastName', reason: 'lastName is required' }],
      8: [{ row: 8, path: 'email', reason: 'email is required' }],
      9: [{ row: 9, path: 'phone', reason: 'must be a phone number (digits, spaces, + ( ) - . x) (got "call me!")' }],
      // 31/12/2024 can only be day-first, so the column is read day-first (date-order.test.ts).
      10: 'ok',
      11: [{ row: 11, path: 'ownerEmail', reason: 'must be a valid email address (got "boss")' }],
      12: [{ row: 12, path: 'customFields', reason: 'must be a JSON object, e.g. {"key":"value"}' }],
      13: [{ row: 13, path: 'columns', reason: 'expected 10 cells (one per header column) but found 5' }],
      14: [{ row: 14, path: 'metadata', reason: expect.stringContaining('foo') }],
      15: [
        { row: 15, path: 'email', reason: 'must be a valid email address (got "bad@")' },
        { row: 15, path: 'lastName', reason: 'lastName is required' },
        { row: 15, path: 'leadScore', reason: 'must be between 0 and 100' },
      ],
      16: 'ok',
      17: [{ row: 17, path: 'createdAt', reason: expect.stringContaining('must be a date: ISO 8601') }],
    });
  });

  it('refuses a created or last-contact date more than a day ahead (a typo like 2099), naming the column', async () => {
    const soon = new Date(Date.now() + 3600_000).toISOString();
    const rows = await readAll(['Email,First Name,Last Name,Create Date,Last Activity Date', `a@x.io,A,B,2099-01-01,`, `b@x.io,B,C,,2099-06-30`, `c@x.io,C,D,${soon},${soon}`, ''].join('\n'));
    expect(rows.map((r) => (r.ok ? 'ok' : r.issues.map((i) => [i.row, i.path, i.reason])))).toEqual([
      [[2, 'createdAt', expect.stringMatching(/future/)]],
      [[3, 'lastContactDate', expect.stringMatching(/future/)]],
      'ok',
    ]);
  });

  it('rejects a file with no email column before reading any row', async () => {
    const err = await readAll('First Name,Last Name,Phone\nJo,Lee,555\n').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AppError);
    expect((err as AppError).code).toBe('VALIDATION_FAILED');
    expect((err as AppError).details).toEqual([
      { path: 'email', row: 1, reason: expect.stringContaining('no email column: accepted headers are "email", "Email Address"') },
    ]);
  });

  it('returns zero rows for a header-only file', async () => {
    expect(await readAll('First Name,Last Name,Email\r\n')).toEqual([]);
    expect(await readAll('First Name,Last Name,Email')).toEqual([]);
  });

  it('propagates malformed-file errors as VALIDATION_FAILED', async () => {
    await expect(readAll('')).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    await expect(readAll('jo@x.io,Jo,Lee\n')).rejects.toMatchObject({ code: 'VALIDATION_FAILED', details: [{ path: 'header' }] });
  });
});

describe('readContactRows — a 100k-row file', () => {
  const file = join(tmpdir(), `crm-csv-100k-${process.pid}-${Date.now()}.csv`);
  afterAll(() => rm(file, { force: true }));

  it('streams with bounded memory', async () => {
    const out = createWriteStream(file);
    const write = async (text: string) => {
      if (!out.write(text)) await once(out, 'drain');
    };
    await write('First Name,Last Name,Email,Phone,Company,Lead Score,Lifecycle Stage,Notes\n');
    const total = 100_000;
    for (let i = 0; i < total; i++) {
      const note = i % 10 === 0 ? '"multi\nline, note"' : 'plain note';
      await write(`First${i},Last${i},user${i}@example.com,+1 555 ${String(i).padStart(6, '0')},Company ${i % 500},${i % 101},lead,${note}\n`);
    }
    out.end();
    await once(out, 'finish');

    let count = 0;
    let failed = 0;
    let lastRow = 0;
    let peakHeap = 0;
    for await (const r of readContactRows(createReadStream(file))) {
      count++;
      if (!r.ok) failed++;
      lastRow = r.row;
      if (count % 5_000 === 0) peakHeap = Math.max(peakHeap, process.memoryUsage().heapUsed);
    }
    expect(count).toBe(total);
    expect(failed).toBe(0);
    expect(lastRow).toBe(total + 1);
    // Loose on purpose: the GC decides when to collect; a leak of 100k contacts would blow past this.
    const heapUsed = process.memoryUsage().heapUsed;
    expect(heapUsed).toBeLessThan(200 * 1024 * 1024);
    expect(peakHeap).toBeLessThan(200 * 1024 * 1024);
  });
});
