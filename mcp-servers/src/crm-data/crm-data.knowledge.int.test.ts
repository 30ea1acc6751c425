import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { createCrmCore, silentLogger, type CrmCore } from '@crm/core';
import { createTenantFixture, openTestDatabase, testDbKinds, type TenantFixture, type TestDatabase } from '@crm/core/testing';
import { createCrmDataServer } from '../index.ts';
import { parseToolError } from '../framework/tool-result.ts';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';

const errorOf = (r: unknown) => parseToolError(r as CallToolResult)!;

describe.each(testDbKinds())('crm-data knowledge tools on %s', (kind) => {
  let t: TestDatabase;
  let core: CrmCore;
  let a: TenantFixture;
  let b: TenantFixture;

  beforeAll(async () => {
    t = await openTestDatabase(kind);
    core = createCrmCore({ db: t.db, logger: silentLogger() });
    a = await createTenantFixture(core);
    b = await createTenantFixture(core);
  });
  const open: { close(): Promise<void> }[] = [];
  afterAll(async () => {
    for (const c of open) await c.close().catch(() => {});
    await core.outbox.stop();
    await t.drop();
  });

  async function connect(actor: TenantFixture['admin']) {
    const server = createCrmDataServer({ core, actor, logger: silentLogger() });
    const [ct, st] = InMemoryTransport.createLinkedPair();
    const client = new Client({ name: 'kb-test', version: '1' });
    await Promise.all([server.connect(st), client.connect(ct)]);
    open.push(client, server);
    return client;
  }

  it('adds a document, finds it with a citation, reads it as crm://kb/{id}, and keeps tenants apart', async () => {
    const client = await connect(a.manager);
    const doc = '# Refund policy\n\n## Cancellations\n\nClients may cancel the retainer with thirty days written notice; setup fees are not refundable.\n';
    const added = await client.callTool({ name: 'add_document', arguments: { filename: 'refunds.md', content: doc } });
    expect(added.isError).toBeFalsy();
    const sc = added.structuredContent as { status: string; document: { uri: string; id: string } };
    expect(sc.status).toBe('created');
    const again = await client.callTool({ name: 'add_document', arguments: { filename: 'refunds.md', content: doc } });
    expect((again.structuredContent as { status: string }).status).toBe('unchanged');

    const found = await client.callTool({ name: 'search_knowledge', arguments: { query: 'how much notice to cancel the retainer' } });
    const r = found.structuredContent as { results: { uri: string; passage: string }[] };
    expect(r.results[0].uri).toBe(sc.document.uri);
    expect(r.results[0].passage).toContain('thirty days');

    const read = await client.readResource({ uri: sc.document.uri });
    expect((read.contents[0] as { text: string }).text).toContain('setup fees are not refundable');
    // the title once, not "# Refund policy\n\nRefund policy\n\n…"
    expect((read.contents[0] as { text: string }).text.split('Refund policy')).toHaveLength(2);
    // QA round 3: served as text/markdown, it held the parser's flattened text ("## Cancellations"
    // had become a plain line); what it holds is plain text, and the mime type says so
    expect(read.contents[0].mimeType).toBe('text/plain');
    expect((read.contents[0] as { text: string }).text).toMatch(/^Refund policy\n\n/);
    expect((read.contents[0] as { text: string }).text).not.toContain('## Cancellations');
    const listed = (await client.listResources()).resources.find((x) => x.uri === sc.document.uri);
    expect(listed?.mimeType).toBe('text/plain');
    const template = (await client.listResourceTemplates()).resourceTemplates.find((x) => x.uriTemplate === 'crm://kb/{id}');
    expect(template?.mimeType).toBe('text/plain');

    const other = await connect(b.admin);
    const none = await other.callTool({ name: 'search_knowledge', arguments: { query: 'cancel the retainer thirty days notice' } });
    expect((none.structuredContent as { results: unknown[] }).results).toHaveLength(0);
    const denied = await other.readResource({ uri: sc.document.uri }).catch((e) => e);
    expect(String(denied?.message ?? denied)).toMatch(/not found/i);
  });

  // QA round 3: add_document sent no progress notifications, so a client waiting on a large document
  // saw nothing until the answer (or its own timeout)
  it('reports parse, chunk, embed and store as notifications/progress when the call asks for them', async () => {
    const client = await connect(a.manager);
    const seen: { progress: number; total?: number; message?: string }[] = [];
    const doc = '# Travel policy\n\nEconomy class for flights under six hours; book through the travel desk.\n';
    const added = await client.callTool({ name: 'add_document', arguments: { filename: 'travel.md', content: doc } }, undefined, { onprogress: (p) => void seen.push(p) });
    expect(added.isError).toBeFalsy();
    expect(seen.map((p) => p.progress)).toEqual(kind === 'pglite' ? [0, 1, 2, 3, 4] : [0, 1, 3, 4]);
    expect(seen.every((p) => p.total === 4)).toBe(true);
    expect(seen[0].message).toBe('parsing travel.md');
    expect(seen.at(-1)!.message).toBe('created travel.md (1 chunks)');
    // the same document again: parsed and chunked, then found unchanged (nothing embedded or stored)
    const again: number[] = [];
    await client.callTool({ name: 'add_document', arguments: { filename: 'travel.md', content: doc } }, undefined, { onprogress: (p) => void again.push(p.progress) });
    expect(again).toEqual([0, 1, 4]);
  });

  it('names the bad field and refuses a sales rep adding documents', async () => {
    const client = await connect(a.manager);
    const bad = await client.callTool({ name: 'search_knowledge', arguments: { query: '', k: 500 } });
    expect(bad.isError).toBe(true);
    expect(JSON.stringify(bad.content)).toMatch(/query|k/);
    const rep = await connect(a.rep);
    const denied = await rep.callTool({ name: 'add_document', arguments: { filename: 'x.md', content: '# X\n\nSome text here.' } });
    expect(denied.isError).toBe(true);
    expect(JSON.stringify(denied.structuredContent ?? denied.content)).toContain('PERMISSION_DENIED');
    const empty = await client.callTool({ name: 'add_document', arguments: { filename: 'empty.pdf', content: 'bm90IGEgcGRm', encoding: 'base64' } });
    expect(empty.isError).toBe(true);
    expect(JSON.stringify(empty.structuredContent ?? empty.content)).toContain('VALIDATION_FAILED');
  });

  it('deletes a document (markdown and plain text): search no longer finds or cites it, a second delete is NOT_FOUND', async () => {
    const client = await connect(a.manager);
    const add = async (filename: string, content: string) =>
      (await client.callTool({ name: 'add_document', arguments: { filename, content } })).structuredContent as { document: { id: string; uri: string } };
    const md = await add('pricing.md', '# Pricing\n\nThe Growth plan costs 49 EUR per seat and month; annual billing saves 15 percent.\n');
    const txt = await add('objections.txt', 'Objection: the quokka plan is too expensive.\nAnswer: compare it with the cost of one lost deal.');
    const hits = async (query: string) =>
      ((await client.callTool({ name: 'search_knowledge', arguments: { query, mode: 'fulltext' } })).structuredContent as { results: { documentId: string | null }[] }).results.map((r) => r.documentId);
    expect(await hits('quokka plan too expensive')).toContain(txt.document.id);
    const deleted = await client.callTool({ name: 'delete_document', arguments: { id: txt.document.id } });
    expect(deleted.structuredContent).toEqual({ deleted: true, id: txt.document.id, chunks: 1 });
    expect(await hits('quokka plan too expensive')).not.toContain(txt.document.id);
    expect(await hits('growth plan seat')).toContain(md.document.id);
    const again = await client.callTool({ name: 'delete_document', arguments: { id: txt.document.id } });
    expect(again.isError).toBe(true);
    expect(errorOf(again).code).toBe('NOT_FOUND');
    const byName = await client.callTool({ name: 'delete_document', arguments: { id: 'pricing.md' } });
    expect((errorOf(byName).details as { path: string }[])[0].path).toBe('id');
    const rep = await connect(a.rep);
    const denied = await rep.callTool({ name: 'delete_document', arguments: { id: md.document.id } });
    expect(errorOf(denied).code).toBe('PERMISSION_DENIED');
  });

  it('names `content` (the field it was sent in), not core\'s `bytes`, when the document has no text', async () => {
    const client = await connect(a.manager);
    const empty = await client.callTool({ name: 'add_document', arguments: { filename: 'empty.md', content: '   \n' } });
    expect((errorOf(empty).details as { path: string }[]).map((d) => d.path)).toEqual(['content']);
    const notPdf = await client.callTool({ name: 'add_document', arguments: { filename: 'x.pdf', content: 'bm90IGEgcGRm', encoding: 'base64' } });
    expect(errorOf(notPdf).message).toMatch(/^Invalid input — content: /);
  });

  it('warns when no passage has a word of the query (vectors return the nearest anyway), not when one does', async () => {
    const client = await connect(a.manager);
    await client.callTool({ name: 'add_document', arguments: { filename: 'onboarding.md', content: '# Onboarding\n\nThe kickoff call happens within five working days of signature.\n' } });
    const search = async (query: string) =>
      (await client.callTool({ name: 'search_knowledge', arguments: { query } })).structuredContent as { results: { ranks: { fulltext: number | null } }[]; warning?: string; vectorSearch: string };
    const nonsense = await search('xyzzy plugh');
    if (nonsense.vectorSearch === 'unavailable') {
      // a server without pgvector (CI's PostgreSQL): full text alone finds nothing, and says vectors are off
      expect(kind).toBe('postgres');
      expect(nonsense.results).toEqual([]);
      expect(nonsense.warning).toMatch(/^Vector search unavailable/);
    } else {
      expect(nonsense.results.length).toBeGreaterThan(0);
      expect(nonsense.warning).toBe('No passage contains a word of the query: these are only the nearest by meaning, which may not answer it. Check before quoting them.');
    }
    const real = await search('when is the kickoff call');
    expect(real.results[0].ranks.fulltext).not.toBeNull();
    if (real.vectorSearch === 'unavailable') expect(real.warning).not.toMatch(/No passage contains/);
    else expect(real.warning).toBeUndefined();
  });

  it('refuses a text document over 1,000,000 characters up front, saying where a larger one goes (indexing it outlasts a client\'s 60 s)', async () => {
    const client = await connect(a.manager);
    const big = `# Handbook\n\n${'Onboarding notes for the team. '.repeat(35_000)}`;
    const refused = errorOf(await client.callTool({ name: 'add_document', arguments: { filename: 'handbook.md', content: big } }));
    expect(refused.details).toEqual([
      {
        path: 'content',
        reason:
          'must be at most 1,000,000 characters through MCP (indexing more takes longer than a client waits for a call); add it with "npx crm kb add FILE" or REST POST /api/v1/knowledge/documents, or split it',
      },
    ]);
  });

  it('search_knowledge takes dates as every other tool does (2026-11-01, not only date-times)', async () => {
    const client = await connect(a.manager);
    await client.callTool({ name: 'add_document', arguments: { filename: 'dated.md', content: '# Dated\n\nThe zeppelin package includes weekly calls.\n' } });
    const found = async (args: Record<string, unknown>) => {
      const r = await client.callTool({ name: 'search_knowledge', arguments: { query: 'zeppelin package', mode: 'fulltext', ...args } });
      expect(r.isError, JSON.stringify(r.content)).toBeFalsy();
      return (r.structuredContent as { results: unknown[] }).results.length;
    };
    expect(await found({ after: '2000-01-01' })).toBeGreaterThan(0);
    expect(await found({ before: '2000-01-01' })).toBe(0);
    expect(await found({ after: '2000-01-01T00:00:00Z', before: '2999-01-01' })).toBeGreaterThan(0);
    const bad = errorOf(await client.callTool({ name: 'search_knowledge', arguments: { query: 'x', after: 'last week' } }));
    expect(bad.details).toEqual([{ path: 'after', reason: 'must be an ISO 8601 date or date-time, e.g. 2025-03-01 or 2025-03-01T09:30:00Z' }]);
  });
});
