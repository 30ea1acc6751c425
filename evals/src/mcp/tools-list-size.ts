/**
 * What an MCP client receives from tools/list, and what it costs the client: bytes per tool (input
 * schema, output schema, description, the rest), per role and per server, and the official SDK
 * client's time for listTools (it compiles an Ajv validator for every output schema on each list).
 *
 *   npx tsx evals/src/mcp/tools-list-size.ts [--tools] [--repeat 5]
 *
 * No database: tools/list depends on the tool definitions and the caller's role only. Prints one
 * JSON object: `adminCombined` compares the list as the SDK writes it with ours (bytes, and the
 * client's Ajv compile time for the output schemas); then per role and per server (`--tools` adds
 * the ADMIN combined list's per-tool rows, largest first).
 */
import { parseArgs } from 'node:util';
import { ROLES, type Actor, type CrmCore } from '@crm/core';
import { createServerByName, SERVER_MODULES, serverNames } from '@crm/mcp-servers';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { AjvJsonSchemaValidator } from '@modelcontextprotocol/sdk/validation/ajv';

const { values } = parseArgs({ options: { tools: { type: 'boolean', default: false }, repeat: { type: 'string', default: '5' } } });
const REPEAT = Number(values.repeat);

const bytes = (v: unknown) => (v === undefined ? 0 : Buffer.byteLength(JSON.stringify(v)));
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function connect(server: string, role: Actor['role']) {
  const actor: Actor = { tenantId: '00000000-0000-4000-8000-000000000001', userId: '00000000-0000-4000-8000-000000000002', role };
  // tools/list never reaches core; the change feed is stubbed so nothing opens a database
  const mcp = createServerByName(server, { core: {} as CrmCore, actor, changeFeed: { subscribe: () => () => {}, close: async () => {} } });
  const client = new Client({ name: 'tools-list-size', version: '1' });
  const [a, b] = InMemoryTransport.createLinkedPair();
  await Promise.all([mcp.connect(b), client.connect(a)]);
  return { client, close: async () => (await client.close(), await mcp.close()) };
}

interface ToolRow {
  name: string;
  total: number;
  input: number;
  output: number;
  description: number;
}

async function measure(server: string, role: Actor['role']) {
  const { client, close } = await connect(server, role);
  const listMs: number[] = [];
  let tools: Awaited<ReturnType<Client['listTools']>>['tools'] = [];
  for (let i = 0; i < REPEAT; i++) {
    const t0 = performance.now();
    ({ tools } = await client.listTools()); // includes the client's validator compilation
    listMs.push(performance.now() - t0);
  }
  await close();
  const rows: ToolRow[] = tools.map((t) => ({
    name: t.name,
    total: bytes(t),
    input: bytes(t.inputSchema),
    output: bytes(t.outputSchema),
    description: bytes(t.description),
  }));
  const sum = (k: keyof Omit<ToolRow, 'name'>) => rows.reduce((s, r) => s + r[k], 0);
  return {
    tools: rows.length,
    bytes: bytes({ tools }),
    inputSchemas: sum('input'),
    outputSchemas: sum('output'),
    descriptions: sum('description'),
    firstListMs: Math.round(listMs[0]!),
    listMsMedian: Math.round(median(listMs.slice(1).length ? listMs.slice(1) : listMs)),
    rows,
  };
}

/** Every tool registered on a plain SDK McpServer: the list as the SDK writes it (what ours was before lean-schema.ts). */
async function sdkList() {
  const server = new McpServer({ name: 'sdk', version: '1' });
  for (const t of SERVER_MODULES.flatMap((m) => m.tools)) {
    server.registerTool(
      t.contract.name,
      { title: t.title, description: t.description, inputSchema: t.contract.input, outputSchema: t.contract.output, annotations: { title: t.title, ...t.annotations } },
      async () => ({ content: [] }),
    );
  }
  const client = new Client({ name: 'tools-list-size', version: '1' });
  const [a, b] = InMemoryTransport.createLinkedPair();
  await Promise.all([server.connect(b), client.connect(a)]);
  const { tools } = await client.listTools();
  await client.close();
  return tools;
}

/** What the SDK client spends on each tools/list compiling the output validators (a fresh Ajv, as a new list does). */
function compileMs(tools: { outputSchema?: Record<string, unknown> }[]) {
  const runs: number[] = [];
  for (let i = 0; i < Math.max(3, REPEAT); i++) {
    const ajv = new AjvJsonSchemaValidator();
    const t0 = performance.now();
    for (const t of tools) if (t.outputSchema) ajv.getValidator(t.outputSchema);
    runs.push(performance.now() - t0);
  }
  return Math.round(median(runs));
}

const result: Record<string, unknown> = { node: process.version, repeat: REPEAT };
{
  const sdk = await sdkList();
  const { client, close } = await connect('crm', 'ADMIN');
  const { tools: lean } = await client.listTools();
  await close();
  result.adminCombined = {
    sdkBytes: bytes({ tools: sdk }),
    sdkOutputSchemas: sdk.reduce((n, t) => n + bytes(t.outputSchema), 0),
    leanBytes: bytes({ tools: lean }),
    leanOutputSchemas: lean.reduce((n, t) => n + bytes(t.outputSchema), 0),
    // alternated, so load on the machine hits both alike
    ajvCompileMsSdk: compileMs(sdk),
    ajvCompileMsLean: compileMs(lean),
  };
}
const perRole: Record<string, unknown> = {};
let adminRows: ToolRow[] = [];
for (const role of ROLES) {
  const { rows, ...m } = await measure('crm', role);
  perRole[role] = m;
  if (role === 'ADMIN') adminRows = rows;
}
result.combinedByRole = perRole;
const perServer: Record<string, unknown> = {};
for (const name of serverNames().filter((n) => n !== 'crm')) {
  const { rows: _rows, ...m } = await measure(name, 'ADMIN');
  perServer[name] = m;
}
result.serversAsAdmin = perServer;
if (values.tools) result.adminTools = adminRows.sort((a, b) => b.total - a.total);
process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
