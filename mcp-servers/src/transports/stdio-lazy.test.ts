import { PassThrough } from 'node:stream';
import { describe, expect, it, vi } from 'vitest';
import type { Actor, CrmCore } from '@crm/core';
import { AppError } from '@crm/core/contracts';
import { runStdioServer } from './stdio.ts';

/** Lines the server wrote, as parsed JSON-RPC messages, and a way to wait for the one with an id. */
function reader(stdout: PassThrough, log: string[]) {
  const messages: { id?: number; result?: Record<string, unknown>; error?: { code: number; message: string } }[] = [];
  let buffer = '';
  const waiters: (() => void)[] = [];
  stdout.on('data', (d: Buffer) => {
    buffer += d.toString();
    let nl: number;
    while ((nl = buffer.indexOf('\n')) >= 0) {
      const m = JSON.parse(buffer.slice(0, nl)) as { id?: number };
      buffer = buffer.slice(nl + 1);
      messages.push(m);
      log.push(`answered ${m.id}`);
      waiters.splice(0).forEach((w) => w());
    }
  });
  return {
    async response(id: number) {
      while (!messages.some((m) => m.id === id)) await new Promise<void>((r) => waiters.push(r));
      return messages.find((m) => m.id === id)!;
    },
  };
}

describe('runStdioServer with a core opened on demand', () => {
  it('answers the handshake and the tool list first, and opens the core once, after the handshake', async () => {
    const stdin = new PassThrough();
    const stdout = new PassThrough();
    const log: string[] = [];
    const out = reader(stdout, log);
    let opened = 0;
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const core = async () => {
      opened++;
      log.push('core opening');
      await gate;
      return { core: {} as CrmCore, actor: { tenantId: '00000000-0000-4000-8000-000000000001', userId: '00000000-0000-4000-8000-000000000002', role: 'ADMIN', kind: 'user' } as Actor };
    };
    const send = (m: object) => stdin.write(`${JSON.stringify({ jsonrpc: '2.0', ...m })}\n`);
    send({ id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'test', version: '1' } } });
    const running = runStdioServer({ server: 'crm-data', core, stdin, stdout });

    const init = await out.response(1);
    expect(init.result).toMatchObject({ serverInfo: { name: 'crm-data' } });
    send({ method: 'notifications/initialized' });
    send({ id: 2, method: 'tools/list' });
    const tools = await out.response(2);
    expect((tools.result!.tools as { name: string }[]).map((t) => t.name)).toContain('search_contacts');
    // the core was asked for only after the handshake was written, and only once
    await vi.waitFor(() => expect(opened).toBe(1), { timeout: 10_000, interval: 5 });
    expect(log.indexOf('core opening')).toBeGreaterThan(log.indexOf('answered 1'));
    expect(opened).toBe(1);
    release();
    const server = await running;
    expect(opened).toBe(1);
    await server.close();
  });

  // a database that will not open: the tools were listed, then every call hung until the process
  // exited and the client saw only "connection closed"; the waiting requests get the reason
  it('answers the requests it held with the reason when the database cannot open, then ends', async () => {
    const stdin = new PassThrough();
    const stdout = new PassThrough();
    const out = reader(stdout, []);
    const core = async () => {
      throw new AppError('DATABASE_UNAVAILABLE', 'The database did not open');
    };
    const send = (m: object) => stdin.write(`${JSON.stringify({ jsonrpc: '2.0', ...m })}\n`);
    send({ id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'test', version: '1' } } });
    send({ method: 'notifications/initialized' });
    send({ id: 2, method: 'tools/call', params: { name: 'search_contacts', arguments: {} } });
    const running = runStdioServer({ server: 'crm-data', core, stdin, stdout });
    await expect(running).rejects.toThrow('The database did not open');
    const answer = await out.response(2);
    expect(JSON.stringify(answer.result)).toContain('DATABASE_UNAVAILABLE');
  });

  // `--user` with a typo: it used to exit (77) after the handshake, and the client showed the
  // server as disconnected with no reason; now it keeps serving and every request gets the reason
  it('keeps serving an unknown user, answering each request that needs the user with the reason', async () => {
    const stdin = new PassThrough();
    const stdout = new PassThrough();
    const out = reader(stdout, []);
    const core = async () => {
      throw new AppError('UNAUTHENTICATED', 'No user nobody@x.io; list the users with `npx crm user list`');
    };
    const send = (m: object) => stdin.write(`${JSON.stringify({ jsonrpc: '2.0', ...m })}\n`);
    send({ id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'test', version: '1' } } });
    send({ method: 'notifications/initialized' });
    send({ id: 2, method: 'tools/call', params: { name: 'search_contacts', arguments: {} } });
    const server = await runStdioServer({ server: 'crm-data', core, stdin, stdout });
    const held = await out.response(2);
    expect(held.result).toMatchObject({ isError: true });
    expect(JSON.stringify(held.result)).toContain('UNAUTHENTICATED: No user nobody@x.io; list the users with `npx crm user list`');
    send({ id: 3, method: 'resources/read', params: { uri: 'crm://follow-ups/due' } });
    expect((await out.response(3)).error?.message).toContain('No user nobody@x.io');
    send({ id: 4, method: 'prompts/get', params: { name: 'weekly_pipeline_review', arguments: {} } });
    expect((await out.response(4)).error?.message).toContain('No user nobody@x.io');
    send({ id: 5, method: 'tools/list' });
    expect(((await out.response(5)).result!.tools as unknown[]).length).toBeGreaterThan(0);
    await server.close();
  });

  // `printf '…' | crm mcp …`: stdin ends right after the requests; they were dropped unanswered
  it('answers the requests sent before stdin closed, then closes', async () => {
    const stdin = new PassThrough();
    const stdout = new PassThrough();
    const out = reader(stdout, []);
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const core = async () => {
      await gate;
      return { core: {} as CrmCore, actor: { tenantId: '00000000-0000-4000-8000-000000000001', userId: '00000000-0000-4000-8000-000000000002', role: 'ADMIN', kind: 'user' } as Actor };
    };
    const send = (m: object) => stdin.write(`${JSON.stringify({ jsonrpc: '2.0', ...m })}\n`);
    send({ id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'test', version: '1' } } });
    send({ method: 'notifications/initialized' });
    // held until the core is open (resources/read is not answered before it); answered by the SDK
    send({ id: 2, method: 'resources/read', params: { uri: 'nothing://here' } });
    stdin.end();
    const running = runStdioServer({ server: 'crm-data', core, stdin, stdout });
    const server = await Promise.race([running, new Promise<undefined>((r) => setTimeout(() => r(undefined), 50))]);
    let closed = false;
    void running.then((s) => s.closed.then(() => (closed = true)));
    expect(server === undefined || !closed).toBe(true);
    release();
    const answer = await out.response(2);
    expect(answer.error).toMatchObject({ code: -32602, message: expect.stringContaining('nothing://here') });
    await (await running).closed;
  });
});
