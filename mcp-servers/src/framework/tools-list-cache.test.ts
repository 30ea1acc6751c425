import { silentLogger } from '@crm/core/contracts';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { installTools } from './install-tools.ts';
import { defineTool, READ_ONLY } from './tool.ts';

const echo = (name: string) =>
  defineTool(
    { name, input: z.object({ text: z.string().describe('What to echo') }).strict(), output: z.object({ text: z.string() }) },
    { title: name, description: `Echo (${name})`, annotations: READ_ONLY, handler: async ({ text }) => ({ text }), summarize: (o) => o.text },
  );

const tools = [echo('echo_a'), echo('echo_b')];
const actor = { tenantId: '00000000-0000-4000-8000-000000000001', userId: '00000000-0000-4000-8000-000000000002', role: 'ADMIN' as const };

async function connect() {
  const server = new McpServer({ name: 't', version: '1' }, { capabilities: { tools: { listChanged: true } } });
  installTools(server, tools, () => ({ actor, core: {} as never, logger: silentLogger() }), silentLogger());
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  await server.connect(serverSide);
  const client = new Client({ name: 'c', version: '1' });
  await client.connect(clientSide);
  return { server, client };
}

describe('tools/list cache', () => {
  it('converts each tool once per process and answers every later list, in any session, with the same entries', async () => {
    const first = await connect();
    const a = await first.client.listTools();
    expect(a.tools.map((t) => t.name)).toEqual(['echo_a', 'echo_b']);
    expect(a.tools[0]!.inputSchema).toMatchObject({ type: 'object', properties: { text: { type: 'string', description: 'What to echo' } } });
    const second = await connect();
    expect(await second.client.listTools()).toEqual(a);
    expect(await first.client.listTools()).toEqual(a);
    // the call path is untouched
    expect(await second.client.callTool({ name: 'echo_b', arguments: { text: 'hi' } })).toMatchObject({ structuredContent: { text: 'hi' } });
    await Promise.all([first.client.close(), second.client.close()]);
  });

  it('follows enable/disable, and a tool updated after registration is listed as updated', async () => {
    const s = await connect();
    const registered = (s.server as unknown as { _registeredTools: Record<string, { disable(): void; enable(): void; update(u: { description: string }): void }> })._registeredTools;
    registered.echo_a!.disable();
    expect((await s.client.listTools()).tools.map((t) => t.name)).toEqual(['echo_b']);
    registered.echo_a!.enable();
    expect((await s.client.listTools()).tools.map((t) => t.name)).toEqual(['echo_a', 'echo_b']);
    registered.echo_b!.update({ description: 'Echo, updated' });
    expect((await s.client.listTools()).tools.find((t) => t.name === 'echo_b')?.description).toBe('Echo, updated');
    // another session's server still lists the definition as written
    const other = await connect();
    expect((await other.client.listTools()).tools.find((t) => t.name === 'echo_b')?.description).toBe('Echo (echo_b)');
    await Promise.all([s.client.close(), other.client.close()]);
  });
});
