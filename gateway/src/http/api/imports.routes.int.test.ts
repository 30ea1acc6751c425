import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openRestHarness, type RestHarness } from './rest-test.fixture.ts';

/**
 * REST CSV import: the MCP tool's description sent larger files to "REST, which streams from
 * disk", and there was no such route. The file is the body (text/csv), as curl --data-binary sends it.
 */
describe('REST CSV import', () => {
  let h: RestHarness;
  beforeAll(async () => {
    h = await openRestHarness('pglite');
  });
  afterAll(() => h?.close());

  const post = (url: string, body: string | Buffer, type = 'text/csv', who: 'admin' | 'manager' | 'rep' = 'admin') => h.call(who, 'POST', url, body, { 'content-type': type });

  it('imports a semicolon Zoho export with a BOM and a quoted newline; a re-import changes nothing; bad rows are listed', async () => {
    const file = '\ufeffFirst Name;Last Name;Email;Lead Status;Notes\r\nAda;Lovelace;ada@import.test;Contacted;"line one\r\nline two"\r\nBad;Row;not-an-email;Contacted;x\r\n';
    const first = await post('/api/v1/contacts/import', file);
    expect(first.statusCode, first.body).toBe(200);
    expect(first.json()).toMatchObject({ kind: 'contacts', delimiter: ';', rows: 2, created: 1, failed: 1, errors: [{ row: 3, path: 'email' }] });
    const again = await post('/api/v1/contacts/import', file);
    expect(again.json()).toMatchObject({ rows: 2, created: 0, updated: 0, unchanged: 1, failed: 1 });
    const [ada] = (await h.call('admin', 'GET', '/api/v1/contacts?search=ada@import.test')).json().data;
    // the quoted CRLF inside the cell is stored as LF (QA round 3b)
    expect(ada).toMatchObject({ status: 'PROSPECT', customFields: { Notes: 'line one\nline two' } });
    // an interaction file names its contact by email
    // slashed dates read as the caller says: 03/04/2026 is 3 April with dmy
    const dmy = await post('/api/v1/contacts/import?dateFormat=dmy', 'First Name,Last Name,Email,Create Date\nD,My,dmy@import.test,03/04/2026\n');
    expect(dmy.json()).toMatchObject({ created: 1, failed: 0 });
    // 3 April from midnight in the tenant's Europe/London (BST)
    expect((await h.call('admin', 'GET', '/api/v1/contacts?search=dmy@import.test')).json().data[0].createdAt).toBe('2026-04-02T23:00:00.000Z');
    expect((await post('/api/v1/contacts/import?dateFormat=ymd', 'a')).json().error.details[0].path).toBe('query.dateFormat');
    const log = await post('/api/v1/interactions/import', 'Email,Type,Subject,Date\nada@import.test,Call,Intro call,2026-01-05\n', 'application/csv');
    expect(log.statusCode, log.body).toBe(200);
    expect(log.json()).toMatchObject({ kind: 'interactions', rows: 1, created: 1, failed: 0 });
  });

  it('refuses a file-level problem whole, another media type with the one it takes, no body, and a role without contacts:write on all contacts', async () => {
    const latin1 = Buffer.from('First Name,Last Name,Email\nJürgen,Weiß,j@import.test\n', 'latin1');
    const bad = await post('/api/v1/contacts/import', latin1);
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.message).toMatch(/not valid UTF-8 .*or import it as it is with --encoding windows-1252 \(REST: Content-Type: text\/csv; charset=windows-1252\)$/);
    // Excel's plain "CSV" on Windows, read as what it is
    const cp1252 = await post('/api/v1/contacts/import', latin1, 'text/csv; charset=windows-1252');
    expect(cp1252.json()).toMatchObject({ created: 1, failed: 0 });
    expect((await h.call('admin', 'GET', '/api/v1/contacts?search=j@import.test')).json().data[0]).toMatchObject({ firstName: 'Jürgen', lastName: 'Weiß' });
    const unknown = await post('/api/v1/contacts/import', latin1, 'text/csv; charset=koi8-r');
    expect(unknown.json().error.details).toEqual([{ path: 'headers.content-type', reason: 'must be utf-8 or windows-1252 (also cp1252, latin1, iso-8859-1), got "koi8-r"' }]);
    const json = await h.call('admin', 'POST', '/api/v1/contacts/import', { csv: 'a,b' });
    expect(json.statusCode).toBe(415);
    expect(json.json().error).toMatchObject({ message: 'Unsupported Media Type application/json: send the file as the body with "Content-Type: text/csv", or upload it as a form (multipart/form-data: curl -F file=@contacts.csv)', details: [{ path: 'headers.content-type', reason: 'must be text/csv or multipart/form-data' }] });
    const none = await h.call('admin', 'POST', '/api/v1/contacts/import');
    expect(none.statusCode).toBe(400);
    expect(none.json().error.details).toEqual([{ path: 'body', reason: expect.stringMatching(/^send the CSV file as the request body with "Content-Type: text\/csv"/) }]);
    const rep = await post('/api/v1/contacts/import', 'First Name,Last Name,Email\nA,B,ab@import.test\n', 'text/csv', 'rep');
    expect(rep.statusCode).toBe(403);
    // every other route still takes JSON only
    expect((await h.call('admin', 'POST', '/api/v1/contacts', 'First Name,Last Name,Email\n', { 'content-type': 'text/csv' })).statusCode).toBe(415);
    // an Idempotency-Key on a streamed import is not an error
    const keyed = await h.call('admin', 'POST', '/api/v1/contacts/import', 'First Name,Last Name,Email\nK,Ey,key@import.test\n', { 'content-type': 'text/csv', 'idempotency-key': 'import-1' });
    expect(keyed.statusCode, keyed.body).toBe(200);
  });
});
