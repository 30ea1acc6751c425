import type { AddressInfo } from 'node:net';
import { testDbKinds } from '@crm/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openRestHarness, type RestHarness, type Who } from './rest-test.fixture.ts';

/**
 * REST CSV import as a form upload: `curl -F file=@leads.csv`, Postman's form-data and HTML forms
 * send multipart/form-data, which was refused (415) while only a text/csv body was read. Real HTTP
 * (the app listening on a port, fetch with FormData as curl -F sends it), not app.inject.
 */
describe.each(testDbKinds())('REST CSV import as multipart/form-data on %s', { timeout: 120_000 }, (kind) => {
  let h: RestHarness;
  let base: string;
  beforeAll(async () => {
    h = await openRestHarness(kind);
    await h.server.listen({ port: 0, host: '127.0.0.1' });
    base = `http://127.0.0.1:${(h.server.server.address() as AddressInfo).port}`;
  });
  afterAll(() => h?.close());

  /** A report (compared with toMatchObject) or the error envelope. */
  type Answer = Record<string, unknown> & { error: { code: string; message: string; details: { path: string; reason: string }[] } };
  type Part = [name: string, value: string | Buffer, filename?: string];
  const form = (...parts: Part[]) => {
    const fd = new FormData();
    for (const [name, value, filename] of parts) {
      if (filename === undefined) fd.append(name, String(value));
      else fd.append(name, new Blob([value], { type: filename.endsWith('.csv') ? 'text/csv' : 'application/octet-stream' }), filename);
    }
    return fd;
  };
  const upload = async (path: string, body: FormData, who: Who = 'admin', headers: Record<string, string> = {}) => {
    const res = await fetch(`${base}/api/v1${path}`, { method: 'POST', body, headers: { authorization: `Bearer ${h.a.apiKeys[who]}`, ...headers } });
    return { status: res.status, headers: res.headers, json: (await res.json()) as Answer };
  };
  const contact = async (email: string) => (await h.call('admin', 'GET', `/api/v1/contacts?search=${encodeURIComponent(email)}`)).json().data[0];

  it('imports contacts and interactions from a file field; options as form fields (before or after the file) or in the query', async () => {
    const csv = '\ufeffFirst Name;Last Name;Email;Create Date\r\nAda;Lovelace;ada@form.test;03/04/2026\r\nBad;Row;not-an-email;01/01/2026\r\n';
    const first = await upload('/contacts/import', form(['dateFormat', 'dmy'], ['file', csv, 'leads.csv']));
    expect(first.status, JSON.stringify(first.json)).toBe(200);
    expect(first.json).toMatchObject({ kind: 'contacts', delimiter: ';', rows: 2, created: 1, failed: 1, errors: [{ row: 3, path: 'email' }] });
    // 3 April from midnight in the tenant's Europe/London (BST)
    expect((await contact('ada@form.test')).createdAt).toBe('2026-04-02T23:00:00.000Z');
    // any single file field name (Postman's default is the key the user typed); the query option works too
    const mdy = await upload('/contacts/import?dateFormat=mdy', form(['upload', 'First Name,Last Name,Email,Create Date\nM,Dy,mdy@form.test,03/04/2026\n', 'other.csv']));
    expect(mdy.json).toMatchObject({ created: 1, failed: 0 });
    expect((await contact('mdy@form.test')).createdAt).toMatch(/^2026-03-04/);
    // Excel's plain "CSV" on Windows
    const cp1252 = await upload('/contacts/import', form(['charset', 'windows-1252'], ['file', Buffer.from('First Name,Last Name,Email\nJürgen,Weiß,jw@form.test\n', 'latin1'), 'excel.csv']));
    expect(cp1252.json).toMatchObject({ created: 1, failed: 0 });
    expect(await contact('jw@form.test')).toMatchObject({ firstName: 'Jürgen', lastName: 'Weiß' });
    // options after the file (Postman and HTML forms keep the order the fields were added in) apply as well
    const late = await upload('/contacts/import', form(['file', 'First Name,Last Name,Email,Create Date\nLa,Te,late@form.test,03/04/2026\n', 'late.csv'], ['dateFormat', 'dmy']));
    expect(late.status, JSON.stringify(late.json)).toBe(200);
    expect((await contact('late@form.test')).createdAt).toBe('2026-04-02T23:00:00.000Z'); // 3 April, London summer time
    const lateCharset = await upload('/contacts/import', form(['file', Buffer.from('First Name,Last Name,Email\nRenée,Müller,rm@form.test\n', 'latin1'), 'excel.csv'], ['charset', 'cp1252']));
    expect(lateCharset.json).toMatchObject({ created: 1, failed: 0 });
    expect(await contact('rm@form.test')).toMatchObject({ firstName: 'Renée', lastName: 'Müller' });
    const log = await upload('/interactions/import', form(['file', 'Email,Type,Subject,Date\nada@form.test,Call,Intro call,2026-01-05\n', 'log.csv']));
    expect(log.status, JSON.stringify(log.json)).toBe(200);
    expect(log.json).toMatchObject({ kind: 'interactions', rows: 1, created: 1, failed: 0 });
  });

  it('names what is wrong with the form and stores nothing', async () => {
    const good = (email: string) => `First Name,Last Name,Email\nA,B,${email}\n`;
    const noFile = await upload('/contacts/import', form(['dateFormat', 'dmy']));
    expect(noFile.status).toBe(400);
    expect(noFile.json.error).toMatchObject({ code: 'VALIDATION_FAILED', details: [{ path: 'body.file', reason: expect.stringContaining('curl -F file=@contacts.csv') }] });
    const two = await upload('/contacts/import', form(['file', good('two1@form.test'), 'a.csv'], ['file2', good('two2@form.test'), 'b.csv']));
    expect(two.status).toBe(400);
    expect(two.json.error.details).toEqual([{ path: 'body.file2', reason: 'one file per upload: "file" already sent the file; import each CSV in its own request' }]);
    // an Excel workbook is a ZIP archive
    const xlsx = await upload('/contacts/import', form(['file', Buffer.concat([Buffer.from('PK\x03\x04', 'latin1'), Buffer.alloc(200, 1)]), 'leads.xlsx']));
    expect(xlsx.status).toBe(400);
    expect(xlsx.json.error.details[0]).toMatchObject({ path: 'body.file', reason: expect.stringContaining('export it as CSV') });
    // a bad option after the file fails the upload before its first row, like one before it
    const lateBad = await upload('/contacts/import', form(['file', good('wrongorder@form.test'), 'a.csv'], ['dateFormat', 'ymd']));
    expect(lateBad.status).toBe(400);
    expect(lateBad.json.error.details).toEqual([{ path: 'body.dateFormat', reason: 'must be dmy or mdy, got "ymd"' }]);
    expect((await h.call('admin', 'GET', '/api/v1/contacts?search=wrongorder')).json().data.filter((c: { email: string }) => c.email === 'wrongorder@form.test')).toEqual([]);
    const unknown = await upload('/contacts/import', form(['delimiter', ';'], ['file', good('unk@form.test'), 'a.csv']));
    expect(unknown.json.error.details[0]).toMatchObject({ path: 'body.delimiter', reason: expect.stringMatching(/^unknown form field/) });
    const badFormat = await upload('/contacts/import', form(['dateFormat', 'ymd'], ['file', good('ymd@form.test'), 'a.csv']));
    expect(badFormat.json.error.details).toEqual([{ path: 'body.dateFormat', reason: 'must be dmy or mdy, got "ymd"' }]);
    const badCharset = await upload('/contacts/import', form(['charset', 'koi8-r'], ['file', good('koi@form.test'), 'a.csv']));
    expect(badCharset.json.error.details[0]).toMatchObject({ path: 'body.charset' });
    // a file-level CSV problem is the same 400 as for a text/csv body
    const latin1 = await upload('/contacts/import', form(['file', Buffer.from('First Name,Last Name,Email\nJürgen,Weiß,lat@form.test\n', 'latin1'), 'a.csv']));
    expect(latin1.status).toBe(400);
    expect(latin1.json.error.message).toMatch(/not valid UTF-8/);
    // the size limit is the importer's, as for a text/csv body: a record over 1 MB
    const huge = `First Name,Last Name,Email,Notes\nH,Uge,huge@form.test,${'x'.repeat(1_100_000)}\n`;
    const oversize = await upload('/contacts/import', form(['file', huge, 'a.csv']));
    expect(oversize.status).toBe(400);
    expect(oversize.json.error.message).toBe((await h.call('admin', 'POST', '/api/v1/contacts/import', huge, { 'content-type': 'text/csv' })).json().error.message);
    const rep = await upload('/contacts/import', form(['file', good('rep@form.test'), 'a.csv']), 'rep');
    expect(rep.status).toBe(403);
    for (const email of ['two1', 'two2', 'wrongorder', 'unk', 'ymd', 'koi', 'lat', 'huge', 'rep']) expect(await contact(`${email}@form.test`)).toBeUndefined();
    // every other route still refuses a form
    const elsewhere = await upload('/contacts', form(['firstName', 'A'], ['lastName', 'B'], ['email', 'x@form.test']));
    expect(elsewhere.status).toBe(415);
  });

  it('an Idempotency-Key neither replays one file for another nor fails: re-importing is idempotent', async () => {
    const key = { 'idempotency-key': `form-${kind}` };
    const first = await upload('/contacts/import', form(['file', 'First Name,Last Name,Email\nI,Dem,idem1@form.test\n', 'a.csv']), 'admin', key);
    expect(first.json).toMatchObject({ created: 1 });
    const same = await upload('/contacts/import', form(['file', 'First Name,Last Name,Email\nI,Dem,idem1@form.test\n', 'a.csv']), 'admin', key);
    expect(same.status).toBe(200);
    expect(same.headers.get('idempotent-replayed')).toBeNull();
    expect(same.json).toMatchObject({ created: 0, unchanged: 1 });
    const other = await upload('/contacts/import', form(['file', 'First Name,Last Name,Email\nO,Ther,idem2@form.test\n', 'b.csv']), 'admin', key);
    expect(other.json).toMatchObject({ created: 1 });
    expect(await contact('idem2@form.test')).toMatchObject({ firstName: 'O' });
  });

  it('documents both request bodies in the OpenAPI document', async () => {
    const doc = (await h.call(null, 'GET', '/api/v1/openapi.json')).json();
    for (const path of ['/api/v1/contacts/import', '/api/v1/interactions/import']) {
      const content = doc.paths[path].post.requestBody.content;
      expect(Object.keys(content).sort()).toEqual(['multipart/form-data', 'text/csv']);
      expect(content['text/csv'].schema).toMatchObject({ type: 'string', format: 'binary' });
      expect(content['multipart/form-data'].schema).toMatchObject({ required: ['file'], properties: { file: { format: 'binary' }, dateFormat: { enum: ['dmy', 'mdy'] } } });
    }
  });
});
