import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { testDbKinds } from '@crm/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openRestHarness, type RestHarness } from './rest-test.fixture.ts';

// "ü" as "u" + COMBINING DIAERESIS (NFD), as macOS and some exports send it; and the composed form
const NFD_MULLER = 'Mu\u0308ller';
const NFC_MULLER = 'M\u00fcller';
const NFD_CAFE = 'Cafe\u0301 Zu\u0308rich';
const NFC_CAFE = 'Caf\u00e9 Z\u00fcrich';

/** Text sent decomposed is stored composed, whichever entry point it came through. */
describe.each(testDbKinds())('names and text sent decomposed (NFD) over REST and GraphQL on %s', (kind) => {
  let h: RestHarness;
  beforeAll(async () => {
    h = await openRestHarness(kind);
  });
  afterAll(() => h.close());

  it('REST stores and returns "Mu\\u0308ller" as "Müller", and a search for "Müller" finds it', async () => {
    const email = `nfd-${Math.random().toString(36).slice(2, 8)}@example.com`;
    const res = await h.call('manager', 'POST', '/api/v1/contacts', { firstName: 'Jo\u0308rg', lastName: NFD_MULLER, email, company: NFD_CAFE, position: 'Gescha\u0308ftsfu\u0308hrer' });
    expect(res.statusCode, res.body).toBe(201);
    const created = res.json() as { id: string; firstName: string; lastName: string; company: string; position: string };
    expect(created).toMatchObject({ firstName: 'J\u00f6rg', lastName: NFC_MULLER, company: NFC_CAFE, position: 'Gesch\u00e4ftsf\u00fchrer' });

    const got = (await h.call('manager', 'GET', `/api/v1/contacts/${created.id}`)).json() as { lastName: string };
    expect(got.lastName).toBe(NFC_MULLER);
    const found = (await h.call('manager', 'GET', `/api/v1/contacts?search=${encodeURIComponent(NFC_MULLER)}`)).json() as { data: { id: string }[] };
    expect(found.data.map((c) => c.id)).toContain(created.id);

    const patched = await h.call('manager', 'PATCH', `/api/v1/contacts/${created.id}`, { lastName: 'Mu\u0308ller-Lu\u0308denscheid' });
    expect(patched.statusCode, patched.body).toBe(200);
    expect(patched.json().lastName).toBe('M\u00fcller-L\u00fcdenscheid');

    const logged = await h.call('manager', 'POST', '/api/v1/interactions', {
      contactId: created.id,
      type: 'MEETING',
      channel: 'IN_PERSON',
      direction: 'OUTBOUND',
      subject: 'Gru\u0308\u00dfe',
      content: `Treffen mit Herrn ${NFD_MULLER}`,
      outcome: 'Angebot fu\u0308r Q3',
      tags: ['Zu\u0308rich'],
    });
    expect(logged.statusCode, logged.body).toBe(201);
    expect(logged.json()).toMatchObject({ subject: 'Gr\u00fc\u00dfe', content: `Treffen mit Herrn ${NFC_MULLER}`, outcome: 'Angebot f\u00fcr Q3', tags: ['Z\u00fcrich'] });
  });

  it('accepts internationalised e-mail addresses (RFC 6531), composed and lower-cased, and still refuses malformed ones', async () => {
    const tag = Math.random().toString(36).slice(2, 8);
    // sent decomposed and capitalised: stored composed and lower-cased, so the same address matches once
    const res = await h.call('manager', 'POST', '/api/v1/contacts', { firstName: 'José', lastName: 'García', email: `Jose\u0301.Garci\u0301a.${tag}@Bu\u0308cher.de` });
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json().email).toBe(`jos\u00e9.garc\u00eda.${tag}@b\u00fccher.de`);
    const again = await h.call('manager', 'POST', '/api/v1/contacts', { firstName: 'José', lastName: 'García', email: `jos\u00e9.garc\u00eda.${tag}@b\u00fccher.de` });
    expect(again.statusCode, again.body).toBe(409);
    for (const bad of [`jos\u00e9..${tag}@x.de`, `${tag}@localhost`, `${tag} x@b\u00fccher.de`]) {
      const refused = await h.call('manager', 'POST', '/api/v1/contacts', { firstName: 'A', lastName: 'B', email: bad });
      expect(refused.statusCode, bad).toBe(400);
      expect(refused.json().error.details).toEqual([{ path: 'body.email', reason: 'must be a valid email address' }]);
    }
  });

  it('GraphQL stores "Mu\\u0308ller" as "Müller"', async () => {
    const email = `nfd-gql-${Math.random().toString(36).slice(2, 8)}@example.com`;
    const res = await h.call('manager', 'POST', '/graphql', {
      query: 'mutation($input: CreateContactInput!) { createContact(input: $input) { contact { id lastName } } }',
      variables: { input: { firstName: 'Anna', lastName: NFD_MULLER, email } },
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().data.createContact.contact.lastName).toBe(NFC_MULLER);
  });

  it('follow-up titles and notes, workflow names and report schedule names are stored composed too', async () => {
    const contact = (await h.call('manager', 'POST', '/api/v1/contacts', { firstName: 'Ute', lastName: 'Nfc', email: `nfc-${Math.random().toString(36).slice(2, 8)}@example.com` })).json() as { id: string };
    const due = new Date(Date.now() + 86_400_000).toISOString();
    const followUp = await h.call('manager', 'POST', '/api/v1/follow-ups', { contactId: contact.id, title: `Call ${NFD_MULLER}`, notes: NFD_CAFE, dueAt: due });
    expect(followUp.statusCode, followUp.body).toBe(201);
    expect(followUp.json()).toMatchObject({ title: `Call ${NFC_MULLER}`, notes: NFC_CAFE });
    const schedule = await h.call('manager', 'POST', '/api/v1/reports/schedules', { name: `Bericht ${NFD_MULLER}`, type: 'SALES_PIPELINE', schedule: { cron: '0 8 * * 1' }, recipients: ['boss@agency.test'] });
    expect(schedule.statusCode, schedule.body).toBe(201);
    expect(schedule.json().name).toBe(`Bericht ${NFC_MULLER}`);
    const workflow = await h.call('admin', 'POST', '/api/v1/workflows', {
      name: `Begru\u0308\u00dfung ${NFD_CAFE}`,
      trigger: { type: 'MANUAL' },
      steps: [{ id: 'task', name: 'Call', type: 'CREATE_TASK', config: { title: 'Hallo' } }],
    });
    expect(workflow.statusCode, workflow.body).toBe(201);
    expect(workflow.json().name).toBe(`Begr\u00fc\u00dfung ${NFC_CAFE}`);
  });

  it('migration 0360 composes names stored decomposed before every entry point composed them, so a search with "ü" finds them', async () => {
    const owner = await h.t.db.connect();
    const email = `nfd-old-${Math.random().toString(36).slice(2, 8)}@example.com`;
    try {
      // as an older version stored it: straight into the table, decomposed
      await owner.query(
        `INSERT INTO contacts (id, tenant_id, email, first_name, last_name, company, position) VALUES (gen_random_uuid(), $1, $2, 'Jo\u0308rg', $3, $4, NULL)`,
        [h.a.tenantId, email, NFD_MULLER, NFD_CAFE],
      );
      const before = (await h.call('manager', 'GET', `/api/v1/contacts?search=${encodeURIComponent(NFC_MULLER)}`)).json() as { data: { email: string }[] };
      expect(before.data.map((c) => c.email)).not.toContain(email);
      const migration = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../../core/migrations/0360_contacts_nfc.sql');
      await owner.query(fs.readFileSync(migration, 'utf8'));
    } finally {
      owner.release();
    }
    const after = (await h.call('manager', 'GET', `/api/v1/contacts?search=${encodeURIComponent(NFC_MULLER)}`)).json() as { data: { email: string; firstName: string; lastName: string; company: string }[] };
    expect(after.data.find((c) => c.email === email)).toMatchObject({ firstName: 'J\u00f6rg', lastName: NFC_MULLER, company: NFC_CAFE });
  });
});
