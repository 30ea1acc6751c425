import { createMailboxTransport } from '@crm/core';
import { createTenantFixture, testDbKinds } from '@crm/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { failed, ok, openHarness, type Connected, type Harness } from '../testing/harness.ts';

const PNG = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0xff, 0x10, 0x80]);

type Message = {
  id: string;
  html: string | null;
  htmlTruncated: boolean;
  uri: string;
  attachments: { filename: string; contentType: string; cid: string | null; size: number; uri: string }[];
};

describe.each(testDbKinds())('workflow MCP server: mailbox with HTML and attachments on %s', (kind) => {
  let h: Harness;
  let mcp: Connected;
  beforeAll(async () => {
    h = await openHarness(kind);
    mcp = await h.connect(h.f.marketing, { server: 'workflow' });
    const mailbox = createMailboxTransport(h.core.db);
    await mailbox.send({
      tenantId: h.f.tenantId,
      idempotencyKey: 'mcp-report',
      from: 'crm@agency.test',
      to: 'owner@agency.test',
      subject: 'Pipeline report',
      body: 'Text version',
      html: `<html><body>${'<p>x</p>'.repeat(2000)}<img src="cid:c1"></body></html>`,
      attachments: [
        { filename: 'pipeline chart.png', contentType: 'image/png', content: PNG, cid: 'c1' },
        { filename: 'pipeline.csv', contentType: 'text/csv', content: Buffer.from('status,n\nLEAD,4\n') },
      ],
    });
    await mailbox.send({ tenantId: h.f.tenantId, idempotencyKey: 'mcp-plain', from: 'crm@agency.test', to: 'rep@agency.test', subject: 'Plain', body: 'hello', html: '<p>hello</p>' });
  });
  afterAll(() => h.close());

  it('list_mailbox shows the HTML (cut in lists) and attachment metadata with resource uris', async () => {
    const { messages } = ok<{ messages: Message[] }>(await mcp.call('list_mailbox', { to: 'owner@agency.test' }));
    expect(messages).toHaveLength(1);
    const [m] = messages;
    expect(m.htmlTruncated).toBe(true);
    expect(m.html).toHaveLength(4000);
    expect(m.uri).toBe(`crm://mailbox/${m.id}`);
    expect(m.attachments).toEqual([
      { filename: 'pipeline chart.png', contentType: 'image/png', cid: 'c1', size: PNG.length, uri: `crm://mailbox/${m.id}/attachments/pipeline%20chart.png` },
      { filename: 'pipeline.csv', contentType: 'text/csv', cid: null, size: 16, uri: `crm://mailbox/${m.id}/attachments/pipeline.csv` },
    ]);
    const plain = ok<{ messages: Message[] }>(await mcp.call('list_mailbox', { to: 'rep@agency.test' })).messages[0];
    expect(plain).toMatchObject({ html: '<p>hello</p>', htmlTruncated: false, attachments: [] });
  });

  it('crm://mailbox/{id} has the whole HTML; an attachment uri gives the bytes as a blob with its type', async () => {
    const [m] = ok<{ messages: Message[] }>(await mcp.call('list_mailbox', { to: 'owner@agency.test' })).messages;
    const whole = await mcp.client.readResource({ uri: m.uri });
    const message = JSON.parse((whole.contents[0] as { text: string }).text) as Message;
    expect(message.htmlTruncated).toBe(false);
    expect(message.html).toMatch(/<img src="cid:c1"><\/body><\/html>$/);
    const png = await mcp.client.readResource({ uri: m.attachments[0].uri });
    expect(png.contents[0]).toMatchObject({ uri: m.attachments[0].uri, mimeType: 'image/png' });
    expect(Buffer.from((png.contents[0] as { blob: string }).blob, 'base64').equals(PNG)).toBe(true);
    const csv = await mcp.client.readResource({ uri: m.attachments[1].uri });
    expect(Buffer.from((csv.contents[0] as { blob: string }).blob, 'base64').toString()).toBe('status,n\nLEAD,4\n');
  });

  it('unknown attachments and messages are NOT_FOUND; a sales rep is refused; another tenant sees nothing', async () => {
    const [m] = ok<{ messages: Message[] }>(await mcp.call('list_mailbox', { to: 'owner@agency.test' })).messages;
    await expect(mcp.client.readResource({ uri: `crm://mailbox/${m.id}/attachments/nope.pdf` })).rejects.toThrow(/not found/i);
    await expect(mcp.client.readResource({ uri: 'crm://mailbox/00000000-0000-4000-8000-000000000000' })).rejects.toThrow(/not found/i);
    const rep = await h.connect(h.f.rep, { server: 'workflow' });
    expect(failed(await rep.call('list_mailbox', {})).code).toBe('PERMISSION_DENIED');
    await expect(rep.client.readResource({ uri: m.attachments[0].uri })).rejects.toThrow(/permission|lacks/i);
    const other = await h.connect((await createTenantFixture(h.core)).marketing, { server: 'workflow' });
    expect(ok<{ messages: Message[] }>(await other.call('list_mailbox', {})).messages).toEqual([]);
    await expect(other.client.readResource({ uri: m.uri })).rejects.toThrow(/not found/i);
    await expect(other.client.readResource({ uri: m.attachments[1].uri })).rejects.toThrow(/not found/i);
  });
});
