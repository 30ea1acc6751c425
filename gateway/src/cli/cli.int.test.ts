import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';

const BIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../bin/crm.js');

describe('crm CLI on the embedded database', () => {
  let dir: string;
  const env = () => ({ ...process.env, CRM_DATA_DIR: path.join(dir, 'data'), DATABASE_URL: '', LOG_LEVEL: 'warn' });
  const crm = (...args: string[]) => spawnSync(process.execPath, [BIN, ...args], { env: env(), encoding: 'utf8', timeout: 180_000, maxBuffer: 64 * 1024 * 1024 });

  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'crm-cli-'));
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('seeds the demo tenant and prints the demo API keys', () => {
    const r = crm('seed', '--demo', '--contacts', '60');
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('crm_demo_admin');
    expect(crm('seed', '--demo', '--contacts', '60').stdout).toContain('already exists');
  });

  it('imports a CSV with a per-row error report and exits 1 when rows failed', () => {
    const file = path.join(dir, 'leads.csv');
    fs.writeFileSync(file, 'First Name;Last Name;Email Address;Lead Status\nAna;Ruiz;ana@ruiz.io;Working - Contacted\nBad;Row;nope;Open\n');
    const r = crm('import', 'contacts', file, '--json');
    expect(r.status).toBe(1);
    const report = JSON.parse(r.stdout);
    expect(report).toMatchObject({ rows: 2, created: 1, failed: 1, delimiter: ';' });
    expect(report.errors[0]).toMatchObject({ row: 3, path: 'email' });
  });

  it('exports what is there', () => {
    const out = path.join(dir, 'out.csv');
    const r = crm('export', 'contacts', out, '--user', 'marcus.reid@brightwave.example');
    expect(r.status).toBe(0);
    expect(fs.readFileSync(out, 'utf8').trim().split('\n')).toHaveLength(62);
  });

  it('imports a CSV with German headers (Vorname, Nachname, E-Mail, Telefon, Firma, Position)', () => {
    const file = path.join(dir, 'kontakte.csv');
    fs.writeFileSync(file, 'Vorname;Nachname;E-Mail;Telefon;Firma;Position;Notizen\nJürgen;Weiß;juergen@weiss.example;+49 30 1234567;Weiß GmbH;Geschäftsführer;von der Messe\n');
    const r = crm('import', 'contacts', file, '--json', '--user', 'marcus.reid@brightwave.example');
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report).toMatchObject({ rows: 1, created: 1, failed: 0, customColumns: ['Notizen'] });
    expect(report.mappedColumns).toEqual([
      { header: 'Vorname', field: 'firstName' },
      { header: 'Nachname', field: 'lastName' },
      { header: 'E-Mail', field: 'email' },
      { header: 'Telefon', field: 'phone' },
      { header: 'Firma', field: 'company' },
      { header: 'Position', field: 'position' },
    ]);
  });

  it('imports German status, source, owner and date columns, and a German activity file', () => {
    const file = path.join(dir, 'kontakte-mehr.csv');
    fs.writeFileSync(file, 'Vorname;Nachname;E-Mail;Status;Quelle;Besitzer;Erstellt am;Letzter Kontakt\nGreta;Lang;greta@lang.example;Kunde;Messe Köln;marcus.reid@brightwave.example;2025-03-14;2025-06-02\n');
    const r = crm('import', 'contacts', file, '--json', '--user', 'marcus.reid@brightwave.example');
    expect(r.stderr).toBe('');
    const report = JSON.parse(r.stdout);
    expect(report).toMatchObject({ rows: 1, created: 1, failed: 0 });
    expect(report.mappedColumns.map((c: { field: string }) => c.field)).toEqual(['firstName', 'lastName', 'email', 'status', 'source', 'ownerEmail', 'createdAt', 'lastContactDate']);
    const exported = crm('export', 'contacts', '-', '--user', 'marcus.reid@brightwave.example');
    const line = exported.stdout.split('\n').find((l) => l.includes('greta@lang.example'));
    // "Kunde" is CUSTOMER, the source is kept as written
    expect(line).toContain('CUSTOMER');
    expect(line).toContain('Messe Köln');

    const log = path.join(dir, 'aktivitaeten.csv');
    fs.writeFileSync(log, 'E-Mail;Typ;Betreff;Datum;Dauer;Ergebnis;Notizen\ngreta@lang.example;Call;Erstgespräch;2025-06-02T10:00:00Z;25;Angebot angefragt;Interesse an SEO\n');
    const a = crm('import', 'interactions', log, '--json', '--user', 'marcus.reid@brightwave.example');
    expect(a.stderr).toBe('');
    const activities = JSON.parse(a.stdout);
    expect(activities).toMatchObject({ rows: 1, created: 1, failed: 0 });
    expect(activities.mappedColumns.map((c: { field: string }) => c.field)).toEqual(['contactEmail', 'type', 'subject', 'occurredAt', 'duration', 'outcome', 'content']);
  });

  it('names a column without a header in the import report, in text and JSON', () => {
    const file = path.join(dir, 'blank-header.csv');
    fs.writeFileSync(file, 'First Name,Last Name,Email,,Company\nAna,Lopez,ana@lopez.example,VIP,Acme\nBo,Lopez,bo@lopez.example,Gold,Acme\n');
    const json = crm('import', 'contacts', file, '--json', '--user', 'marcus.reid@brightwave.example');
    expect(json.status).toBe(0);
    expect(JSON.parse(json.stdout).ignoredColumns).toEqual([
      { column: 4, header: '', reason: 'column 4 has no header; its 2 non-empty cells were not imported (give the column a header to keep its cells in customFields)' },
    ]);
    const text = crm('import', 'contacts', file, '--user', 'marcus.reid@brightwave.example');
    expect(text.status).toBe(0);
    expect(text.stdout).toContain('  ignored: column 4 has no header; its 2 non-empty cells were not imported');
  });

  it('keeps a row whose status it does not know (a custom Zoho status): LEAD, the value in importedStatus, a warning in text and JSON', () => {
    const file = path.join(dir, 'custom-status.csv');
    fs.writeFileSync(file, 'First Name,Last Name,Email,Lead Status\nUma,Unknown,uma@custom-status.example,Hot - Call Back\nVic,Known,vic@custom-status.example,Contacted\n');
    const json = crm('import', 'contacts', file, '--json', '--user', 'marcus.reid@brightwave.example');
    expect(json.stderr).toBe('');
    expect(json.status).toBe(0);
    const report = JSON.parse(json.stdout);
    expect(report).toMatchObject({ rows: 2, created: 2, failed: 0, errors: [], warningsTruncated: false });
    expect(report.warnings).toEqual([{ row: 2, path: 'status', reason: expect.stringMatching(/^unknown status "Hot - Call Back" kept as custom field importedStatus; a new contact is LEAD/) }]);
    const text = crm('import', 'contacts', file, '--user', 'marcus.reid@brightwave.example');
    expect(text.status).toBe(0);
    expect(text.stdout).toContain('  warnings (row, field: what was kept instead; the rows were imported):\n    row 2, status: unknown status "Hot - Call Back" kept as custom field importedStatus');
  });

  it('says what to do about a one-word name ("Cher") instead of only "lastName is required"', () => {
    const file = path.join(dir, 'one-word.csv');
    fs.writeFileSync(file, 'Name,Email\nCher,cher@one-word.example\nSonny Bono,sonny@one-word.example\n');
    const r = crm('import', 'contacts', file, '--json', '--user', 'marcus.reid@brightwave.example');
    expect(r.status).toBe(1);
    const report = JSON.parse(r.stdout);
    expect(report).toMatchObject({ rows: 2, created: 1, failed: 1 });
    expect(report.errors).toEqual([
      { row: 2, path: 'lastName', reason: 'full name "Cher" (column "Name") has one word; a last name is required — add a Last Name column or a second word to the name' },
    ]);
  });

  it.each([
    [['import', 'contacts', '/nonexistent/file.csv'], 66, /File not found/],
    [['import', 'contacts', os.tmpdir()], 66, /is a directory, not a file/],
    [['import', 'people', 'x.csv'], 65, /VALIDATION_FAILED.*contacts or interactions/],
    [['export', 'contacts', '/tmp/x.csv', '--user', 'nobody@nowhere.io'], 77, /UNAUTHENTICATED/],
    [['import', 'contacts'], 65, /Missing FILE/],
    [['frobnicate'], 2, /unknown command/],
    [['seed', '--demo', '--contacts', 'lots'], 65, /--contacts/],
    [['start', '--bogus'], 64, /Unknown option/],
  ])('%j fails with one clear line and exit code %i', (args, code, message) => {
    const r = crm(...(args as string[]));
    expect(r.status).toBe(code);
    expect(r.stderr).toMatch(message);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('export to stdout stops quietly when the reader goes away (crm export contacts - | head)', async () => {
    const child = spawn(process.execPath, [BIN, 'export', 'contacts', '-', '--user', 'marcus.reid@brightwave.example'], { env: env() });
    onTestFinished(() => {
      if (child.exitCode === null) child.kill('SIGKILL');
    });
    // the reader closes before the first row: every write of the export meets a closed pipe
    child.stdout.destroy();
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    const code = await new Promise((resolve) => child.on('exit', resolve));
    expect(stderr).toBe('');
    expect(code).toBe(0);
  });

  it('a report to a reader that went away (crm import … | head -1) ends with the import\'s own exit code, no stack trace', async () => {
    const file = path.join(dir, 'epipe.csv');
    fs.writeFileSync(file, 'First Name,Last Name,Email\nPipe,Reader,pipe@reader.io\n');
    const child = spawn(process.execPath, [BIN, 'import', 'contacts', file, '--user', 'marcus.reid@brightwave.example'], { env: env() });
    onTestFinished(() => {
      if (child.exitCode === null) child.kill('SIGKILL');
    });
    child.stdout.destroy();
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    const code = await new Promise((resolve) => child.on('exit', resolve));
    expect(stderr).toBe('');
    expect(code).toBe(0);
  });

  it('rejects a malformed file with the reason and stores nothing', () => {
    const file = path.join(dir, 'pipes.csv');
    fs.writeFileSync(file, 'First Name|Last Name|Email\nA|B|a@b.io\n');
    const r = crm('import', 'contacts', file);
    expect(r.status).toBe(65);
    expect(r.stderr).toMatch(/delimiter/i);
  });

  it('start serves health, shares its database with other commands, and stops on SIGINT', async () => {
    const child = spawn(process.execPath, [BIN, 'start', '--port', '0'], { env: env() });
    // a failed assertion must not leave the server running (and loading the machine)
    onTestFinished(() => {
      if (child.exitCode === null) child.kill('SIGKILL');
    });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no start banner: ${out}`)), 120_000);
      child.stdout.on('data', () => out.includes('Press Ctrl+C') && (clearTimeout(timer), resolve()));
      child.on('exit', (c) => reject(new Error(`exited ${c}: ${out}`)));
    });
    const url = /HTTP gateway\s+(\S+)/.exec(out)![1];
    const health = await (await fetch(`${url}/health`)).json();
    expect(health).toMatchObject({ status: 'ok', database: 'pglite' });
    // the embedded database is locked by `start`; other commands reuse it through its socket
    const r = crm('export', 'contacts', '-');
    expect(r.status).toBe(0);
    expect(r.stdout.split('\n').length).toBeGreaterThan(60);
    // while the server's database is busy (one transaction at a time: here a held one, in real life
    // the demo knowledge load) a command waits its turn beyond the 5 s HTTP connect timeout
    const busy = new pg.Client({ connectionString: /psql "([^"]+)"/.exec(out)![1] });
    await busy.connect();
    await busy.query('BEGIN');
    const waiting = spawn(process.execPath, [BIN, 'export', 'contacts', '-'], { env: env() });
    let exported = '';
    let failed = '';
    waiting.stdout.on('data', (d) => (exported += d));
    waiting.stderr.on('data', (d) => (failed += d));
    const exited = new Promise<number | null>((resolve) => waiting.on('exit', resolve));
    await new Promise((resolve) => setTimeout(resolve, 6_500));
    await busy.query('COMMIT');
    await busy.end();
    expect(await exited, failed).toBe(0);
    expect(exported.split('\n').length).toBeGreaterThan(60);
    child.kill('SIGINT');
    const code = await new Promise((resolve) => child.on('exit', resolve));
    expect(code).toBe(0);
    // the console says so (its log shows warnings only)
    expect(out).toMatch(/\nStopping…\n(.*\n)?Stopped\.\n$/);
    expect(fs.existsSync(path.join(dir, 'data', 'server.json'))).toBe(false);
  });
});
