import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { AppError } from '../errors/app-error.ts';
import { readInteractionRows, type InteractionRowResult } from './interaction-rows.ts';

async function readAll(text: string): Promise<InteractionRowResult[]> {
  const rows: InteractionRowResult[] = [];
  // The HubSpot fixture is a US export: 03/02/2024 is 2 March.
  for await (const r of readInteractionRows(Readable.from([Buffer.from(text)]), { locale: 'en-US' })) rows.push(r);
  return rows;
}

const values = (rows: InteractionRowResult[]) =>
  rows.map((r) => {
    if (!r.ok) throw new Error(`row ${r.row} failed: ${JSON.stringify(r.issues)}`);
    return r.value;
  });

describe('readInteractionRows', () => {
  it('imports a HubSpot-style activity export with defaults for channel and direction', async () => {
    const file = [
      'Contact Email,Activity Type,Subject,Notes,Activity Date,Duration,Outcome,Tags,Deal Stage',
      'Jane@Example.com,Call,Discovery call,"Talked budget,',
      'next steps",2024-03-01 14:00,1:30,Connected,"demo; budget",Qualified',
      'jane@example.com,Email,Proposal,Sent the proposal,03/02/2024,,,,',
      'jane@example.com,Meeting,Onsite,,2024-03-05T09:00:00Z,45,,"a, b",',
      'jane@example.com,Incoming Email,Re: Proposal,Looks good,2024-03-06,,,,',
      '',
    ].join('\r\n');
    const [call, email, meeting, reply] = values(await readAll(file));
    expect(call).toEqual({
      contactEmail: 'jane@example.com',
      input: {
        type: 'PHONE_CALL',
        channel: 'PHONE',
        direction: 'OUTBOUND',
        subject: 'Discovery call',
        content: 'Talked budget,\nnext steps', // the file's CRLF inside the cell is stored as LF
        occurredAt: new Date('2024-03-01T14:00:00Z'),
        duration: 90,
        outcome: 'Connected',
        tags: ['demo', 'budget'],
        attachments: [],
        metadata: { 'Deal Stage': 'Qualified' },
      },
    });
    expect(email?.input).toMatchObject({ type: 'EMAIL', channel: 'EMAIL', direction: 'OUTBOUND', occurredAt: new Date('2024-03-02T00:00:00Z') });
    expect(email?.input.metadata).toEqual({});
    expect(meeting?.input).toMatchObject({ type: 'MEETING', channel: 'IN_PERSON', duration: 45, tags: ['a', 'b'], content: '' });
    expect(reply?.input).toMatchObject({ type: 'EMAIL', channel: 'EMAIL', direction: 'INBOUND' });
  });

  it('reads a duration in the unit its header names, and keeps a second notes column (QA round 4)', async () => {
    const file = [
      'Email,Activity Type,Call Duration (seconds),Notes,Description',
      'a@x.io,Call,330,Budget talk,Sent deck',
      'a@x.io,Call,0:02:10,Same text,Same text',
      '',
    ].join('\n');
    const [first, second] = values(await readAll(file));
    // 330 seconds were read as 330 minutes before: Salesforce and dialers export seconds
    expect(first?.input).toMatchObject({ duration: 6, content: 'Budget talk', metadata: { Description: 'Sent deck' } });
    expect(second?.input).toMatchObject({ duration: 2, content: 'Same text', metadata: {} });
    const clock = values(await readAll('Email,Activity Type,Call Duration (HH:mm:ss)\na@x.io,Call,00:30:27\n'));
    expect(clock[0]?.input.duration).toBe(30);
    const ms = await readAll('Email,Activity Type,Duration (ms)\na@x.io,Call,1830000\na@x.io,Call,about 5 min\n');
    expect(ms[0]).toMatchObject({ ok: true, value: { input: { duration: 31 } } });
    expect(ms[1]).toMatchObject({ ok: false, issues: [{ path: 'duration', row: 3, reason: 'must be a number of milliseconds ("90000") or h:mm:ss ("0:01:30") (got "about 5 min")' }] });
  });

  it('honours explicit channel and direction, and derives the type from the channel when absent', async () => {
    const file = ['Email;Type;Channel;Direction', 'a@x.io;CHAT;LinkedIn;inbound', 'a@x.io;;phone;', 'a@x.io;LinkedIn;;', ''].join('\n');
    const [chat, fromChannel, social] = values(await readAll(file));
    expect(chat?.input).toMatchObject({ type: 'CHAT', channel: 'LINKEDIN', direction: 'INBOUND' });
    expect(fromChannel?.input).toMatchObject({ type: 'PHONE_CALL', channel: 'PHONE', direction: 'OUTBOUND' });
    expect(social?.input).toMatchObject({ type: 'SOCIAL_MEDIA', channel: 'LINKEDIN' });
  });

  it('turns notes into the type of their channel, or a tagged CHAT without one', async () => {
    const file = ['Email,Type,Channel,Body', 'a@x.io,Note,,Left a voicemail', 'a@x.io,Note,Phone,Call recap', 'a@x.io,Task,In Person,Lunch', ''].join('\n');
    const [bare, phone, task] = values(await readAll(file));
    expect(bare?.input).toMatchObject({ type: 'CHAT', channel: 'CHAT', tags: ['note'], metadata: { importedType: 'Note' } });
    expect(phone?.input).toMatchObject({ type: 'PHONE_CALL', channel: 'PHONE', tags: [], metadata: { importedType: 'Note' } });
    expect(task?.input).toMatchObject({ type: 'MEETING', channel: 'IN_PERSON', metadata: { importedType: 'Task' } });
  });

  it('reads activity types written in German, French, Spanish, Dutch, Italian and Portuguese', async () => {
    const file = ['E-Mail;Typ;Kanal', 'a@x.io;Anruf;', 'a@x.io;Réunion;', 'a@x.io;llamada telefónica;', 'a@x.io;Afspraak;', 'a@x.io;Notiz;', 'a@x.io;Ligação;', 'a@x.io;Nachricht;', ''].join('\n');
    const types = values(await readAll(file)).map((v) => v.input.type);
    expect(types).toEqual(['PHONE_CALL', 'MEETING', 'PHONE_CALL', 'MEETING', 'CHAT', 'PHONE_CALL', 'CHAT']);
  });

  it('reads channels and directions written in those languages, under their headers', async () => {
    const file = ['Correo electrónico;Tipo;Canal;Dirección', 'a@x.io;Nota;Teléfono;Entrante', 'a@x.io;;Courriel;Sortant', 'a@x.io;Besprechung;Vor Ort;ausgehend', ''].join('\n');
    const rows = values(await readAll(file)).map((v) => [v.input.type, v.input.channel, v.input.direction]);
    expect(rows).toEqual([
      ['PHONE_CALL', 'PHONE', 'INBOUND'],
      ['EMAIL', 'EMAIL', 'OUTBOUND'],
      ['MEETING', 'IN_PERSON', 'OUTBOUND'],
    ]);
  });

  it('reports every bad field with row, field and reason', async () => {
    const file = [
      'Contact Email,Type,Channel,Direction,Date,Duration,Tags,Sentiment',
      'not-mail,Call,,,,,,',
      'a@x.io,Fax,,,,,,',
      'a@x.io,Call,Pigeon,sideways,,,,',
      'a@x.io,Call,,,next week,2 hours,,',
      'a@x.io,Call,,,,2000,,',
      'a@x.io,Social Media,,,,,,',
      'a@x.io,Call,,,,,,"{""score"":3,""confidence"":1}"',
      ',Call,,,,,,',
      'a@x.io,Call,,,,,,',
      '',
    ].join('\n');
    const rows = await readAll(file);
    const byRow = Object.fromEntries(rows.map((r) => [r.row, r.ok ? 'ok' : r.issues]));
    expect(byRow).toEqual({
      2: [{ row: 2, path: 'contactEmail', reason: 'must be a valid email address (got "not-mail")' }],
      3: [{ row: 3, path: 'type', reason: expect.stringMatching(/^unknown type "Fax"; accepted: EMAIL, PHONE_CALL, MEETING/) }],
      4: [
        { row: 4, path: 'channel', reason: expect.stringMatching(/^unknown channel "Pigeon"; accepted: EMAIL, PHONE, LINKEDIN/) },
        { row: 4, path: 'direction', reason: 'unknown direction "sideways"; accepted: INBOUND, OUTBOUND' },
      ],
      5: [
        { row: 5, path: 'duration', reason: 'must be minutes ("45") or h:mm ("1:30") (got "2 hours")' },
        { row: 5, path: 'occurredAt', reason: expect.stringContaining('must be a date') },
      ],
      6: [{ row: 6, path: 'duration', reason: 'must be at most 1440 minutes' }],
      7: [{ row: 7, path: 'channel', reason: 'channel is required for SOCIAL_MEDIA: one of LINKEDIN, TWITTER, FACEBOOK' }],
      8: [{ row: 8, path: 'sentiment.score', reason: 'must be between -1 and 1' }],
      9: [{ row: 9, path: 'contactEmail', reason: 'contactEmail is required' }],
      10: 'ok',
    });
  });

  it('rejects a file without a contact email column', async () => {
    const err = await readAll('Type,Subject\nCall,Hi\n').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AppError);
    expect((err as AppError).details).toEqual([
      { path: 'contactEmail', row: 1, reason: expect.stringContaining('no contactEmail column: accepted headers are "contactEmail", "Email"') },
    ]);
  });
});
