import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { Contact } from '../contacts/contact.schema.ts';
import { readContactRows } from './contact-rows.ts';
import { contactsToCsv, interactionsToCsv, type InteractionExportRow } from './csv-writer.ts';
import { readInteractionRows } from './interaction-rows.ts';

async function text(stream: Readable): Promise<string> {
  let out = '';
  for await (const chunk of stream) out += chunk;
  return out;
}

async function* slowly<T>(items: T[]): AsyncGenerator<T> {
  for (const item of items) {
    await new Promise((resolve) => setImmediate(resolve));
    yield item;
  }
}

const TENANT = '00000000-0000-4000-8000-000000000001';

function contact(overrides: Partial<Contact>): Contact {
  return {
    id: '11111111-1111-4111-8111-111111111111',
    tenantId: TENANT,
    firstName: 'Jane',
    lastName: 'Doe',
    email: 'jane@example.com',
    phone: null,
    company: null,
    position: null,
    leadScore: 0,
    status: 'LEAD',
    source: 'manual',
    assignedTo: null,
    customFields: {},
    metadata: {},
    lastContactDate: null,
    createdAt: new Date('2024-01-02T03:04:05.678Z'),
    updatedAt: new Date('2024-02-02T00:00:00.000Z'),
    ...overrides,
  };
}

const CONTACTS: Contact[] = [
  contact({
    firstName: 'Zoë "Zo"',
    lastName: "O'Brien, Jr.",
    email: 'zoe@example.com',
    phone: '+1 (555) 010-2000',
    company: '=HYPERLINK("http://evil.example","click")',
    position: '@Head of Growth',
    leadScore: 87.5,
    status: 'CUSTOMER',
    source: '-referral',
    assignedTo: '22222222-2222-4222-8222-222222222222',
    customFields: { tier: 'gold', seats: 12, 'notes, multi': 'line 1\nline 2', nested: { a: [1, 2] } },
    metadata: { campaignId: 'spring-24', referrer: 'https://example.com/?a=1,b=2' },
    lastContactDate: new Date('2024-03-01T16:45:00.000Z'),
  }),
  contact({ id: '33333333-3333-4333-8333-333333333333', email: 'bo@example.com', firstName: 'Bo', lastName: 'Li' }),
];

describe('contactsToCsv', () => {
  it('writes a fixed header, RFC 4180 quoting, CRLF, ISO dates and JSON columns', async () => {
    const csv = await text(contactsToCsv(CONTACTS));
    const lines = csv.split('\r\n');
    expect(lines[0]).toBe(
      'id,firstName,lastName,email,phone,company,position,status,statusChangedAt,leadScore,source,assignedTo,lastContactDate,createdAt,updatedAt,customFields,metadata',
    );
    expect(csv).toContain('"Zoë ""Zo""","O\'Brien, Jr.",zoe@example.com');
    expect(csv).toContain('2024-03-01T16:45:00.000Z,2024-01-02T03:04:05.678Z,2024-02-02T00:00:00.000Z');
    expect(csv).toContain('"{""tier"":""gold"",""seats"":12,""notes, multi"":""line 1\\nline 2""');
    expect(lines.at(-1)).toBe('');
    expect(lines[2]).toBe(
      '33333333-3333-4333-8333-333333333333,Bo,Li,bo@example.com,,,,LEAD,,0,manual,,,2024-01-02T03:04:05.678Z,2024-02-02T00:00:00.000Z,,',
    );
  });

  it('prefixes cells that a spreadsheet would run as formulas', async () => {
    const csv = await text(contactsToCsv(CONTACTS));
    expect(csv).toContain(`"'=HYPERLINK(""http://evil.example"",""click"")"`);
    expect(csv).toContain(",'@Head of Growth,");
    expect(csv).toContain(",'+1 (555) 010-2000,");
    expect(csv).toContain(",'-referral,");
  });

  it('quotes a bare line feed so the file re-reads as one row', async () => {
    const csv = await text(contactsToCsv([contact({ company: 'Line\nBreak' })]));
    expect(csv).toContain(',"Line\nBreak",');
  });

  it('writes the status date that lead scoring dates outcomes by, so a re-import keeps it', async () => {
    const since = new Date('2024-05-06T07:08:09.000Z');
    const csv = await text(contactsToCsv([{ ...contact({ status: 'CUSTOMER' }), statusChangedAt: since }]));
    const [header, row] = csv.split('\r\n');
    const cells = row!.split(',');
    expect(cells[header!.split(',').indexOf('statusChangedAt')]).toBe('2024-05-06T07:08:09.000Z');
    expect(cells[header!.split(',').indexOf('status')]).toBe('CUSTOMER');
  });

  it('can prepend a BOM for Excel', async () => {
    expect((await text(contactsToCsv([], { bom: true }))).startsWith('\uFEFFid,firstName')).toBe(true);
  });

  it('surfaces a failing source as a stream error', async () => {
    async function* failing(): AsyncGenerator<Contact> {
      yield CONTACTS[0]!;
      throw new Error('database went away');
    }
    await expect(text(contactsToCsv(failing()))).rejects.toThrow('database went away');
  });

  it('round-trips through readContactRows, custom fields and metadata included', async () => {
    const rows = [];
    for await (const r of readContactRows(contactsToCsv(slowly(CONTACTS)))) rows.push(r);
    expect(rows.map((r) => r.ok)).toEqual([true, true]);
    const [zoe, bo] = rows.map((r) => (r.ok ? r.value : undefined));
    const c = CONTACTS[0]!;
    expect(zoe).toEqual({
      input: {
        firstName: c.firstName,
        lastName: c.lastName,
        email: c.email,
        phone: c.phone,
        company: c.company,
        position: c.position,
        status: c.status,
        leadScore: c.leadScore,
        source: c.source,
        assignedTo: c.assignedTo,
        customFields: c.customFields,
        metadata: c.metadata,
      },
      status: c.status,
      createdAt: c.createdAt,
      lastContactDate: c.lastContactDate,
    });
    expect(bo).toEqual({
      input: { firstName: 'Bo', lastName: 'Li', email: 'bo@example.com', status: 'LEAD', leadScore: 0, source: 'manual' },
      status: 'LEAD',
      createdAt: CONTACTS[1]!.createdAt,
    });
  });
});

const INTERACTION: InteractionExportRow = {
  id: '44444444-4444-4444-8444-444444444444',
  tenantId: TENANT,
  contactId: '11111111-1111-4111-8111-111111111111',
  contactEmail: 'zoe@example.com',
  userId: '22222222-2222-4222-8222-222222222222',
  type: 'PHONE_CALL',
  channel: 'PHONE',
  subject: '=2+3 pricing',
  content: 'She said "call back",\nafter Q2.',
  direction: 'INBOUND',
  duration: 35,
  outcome: '-interested',
  scheduledFollowUp: new Date('2024-04-01T09:00:00.000Z'),
  attachments: ['https://files.example/a.pdf?x=1;y=2'],
  sentiment: { score: -0.25, confidence: 0.8, emotions: ['concern'] },
  tags: ['pricing, Q2', 'hot'],
  metadata: { dealId: 'D-9', source: 'import' },
  createdAt: new Date('2024-03-20T15:30:00.000Z'),
};

describe('interactionsToCsv', () => {
  it('round-trips through readInteractionRows', async () => {
    const plain: InteractionExportRow = {
      ...INTERACTION,
      id: '55555555-5555-4555-8555-555555555555',
      type: 'EMAIL',
      channel: 'EMAIL',
      direction: 'OUTBOUND',
      subject: null,
      content: '',
      duration: null,
      outcome: null,
      scheduledFollowUp: null,
      attachments: [],
      sentiment: null,
      tags: ['a', 'b'],
      metadata: {},
    };
    const csv = interactionsToCsv(slowly([INTERACTION, plain]));
    const rows = [];
    for await (const r of readInteractionRows(csv)) rows.push(r);
    expect(rows.map((r) => r.ok)).toEqual([true, true]);
    const [first, second] = rows.map((r) => (r.ok ? r.value : undefined));
    expect(first).toEqual({
      contactEmail: 'zoe@example.com',
      input: {
        type: 'PHONE_CALL',
        channel: 'PHONE',
        direction: 'INBOUND',
        subject: INTERACTION.subject,
        content: INTERACTION.content,
        duration: 35,
        outcome: INTERACTION.outcome,
        scheduledFollowUp: INTERACTION.scheduledFollowUp,
        attachments: INTERACTION.attachments,
        sentiment: INTERACTION.sentiment,
        tags: INTERACTION.tags,
        metadata: INTERACTION.metadata,
        occurredAt: INTERACTION.createdAt,
      },
    });
    expect(second).toEqual({
      contactEmail: 'zoe@example.com',
      input: {
        type: 'EMAIL',
        channel: 'EMAIL',
        direction: 'OUTBOUND',
        content: '',
        attachments: [],
        tags: ['a', 'b'],
        metadata: {},
        occurredAt: INTERACTION.createdAt,
      },
    });
  });

  it('writes tags readably unless a tag holds a separator', async () => {
    const csv = await text(interactionsToCsv([{ ...INTERACTION, tags: ['a', 'b'] }, INTERACTION]));
    expect(csv).toContain(',a; b,');
    expect(csv).toContain('"[""pricing, Q2"",""hot""]"');
    expect(csv).toContain(`'=2+3 pricing`);
  });
});
