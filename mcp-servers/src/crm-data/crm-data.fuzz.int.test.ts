import { testDbKinds } from '@crm/core/testing';
import { ErrorCode, McpError, type Tool } from '@modelcontextprotocol/sdk/types.js';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseToolError } from '../framework/tool-result.ts';
import { openHarness, type Connected, type Harness } from '../testing/harness.ts';

const TABLES = ['contacts', 'interactions', 'follow_ups', 'audit_log', 'outbox_events'];
const RUNS = Number(process.env.FUZZ_RUNS ?? 12);

/** Values that have broken parsers before: impossible dates, lone surrogates, deep JSON, huge numbers. */
function nasty(ids: string[]): fc.Arbitrary<unknown> {
  const deep = fc.integer({ min: 5, max: 400 }).map((n) => {
    let v: unknown = 'x';
    for (let i = 0; i < n; i++) v = { a: v };
    return v;
  });
  return fc.oneof(
    fc.string(),
    fc.string({ unit: 'binary' }),
    fc.constantFrom('\uD800', 'a\uDC00b', '\u0000', '2025-02-30', '0000-01-01', '9999-12-31T23:59:59Z', '2024-02-29', 'NaN', '', ' '),
    fc.constantFrom(...ids),
    fc.uuid(),
    fc.integer(),
    fc.double({ noNaN: true }),
    fc.constantFrom(0, -1, 1e308, Number.MAX_SAFE_INTEGER, 2 ** 53 + 1),
    fc.boolean(),
    fc.constant(null),
    fc.jsonValue({ maxDepth: 3 }),
    deep,
  );
}

/** An argument object for `tool`: its own property names (some valid-looking, most hostile) plus strays. */
function argsFor(tool: Tool, ids: string[]): fc.Arbitrary<Record<string, unknown>> {
  const props = Object.keys((tool.inputSchema as { properties?: object }).properties ?? {});
  const value = nasty(ids);
  return fc.record(
    Object.fromEntries([...props, 'unexpected'].map((p) => [p, value])),
    { requiredKeys: [] },
  ) as fc.Arbitrary<Record<string, unknown>>;
}

describe.each(testDbKinds())('property fuzz over every MCP tool on %s', (kind) => {
  let h: Harness;
  let mcp: Connected;
  let tools: Tool[];
  let ids: string[];

  const counts = async () =>
    (await h.t.db.readAsTenant(h.f.tenantId, TABLES.map((t) => ({ sql: `SELECT count(*)::int AS n FROM ${t}` })))).map((r) => Number(r[0].n));

  beforeAll(async () => {
    h = await openHarness(kind);
    mcp = await h.connect(h.f.admin, { server: 'crm' });
    tools = (await mcp.client.listTools()).tools;
    const c = await h.core.contacts.create(h.f.admin, { firstName: 'Fuzz', lastName: 'Target', email: 'fuzz@target.io' });
    ids = [c.id, h.f.rep.userId, h.f.tenantId];
  });
  afterAll(() => h?.close());

  it('never answers INTERNAL and never leaves a partial write behind a refusal', async () => {
    expect(tools.length).toBeGreaterThan(10);
    const failures: string[] = [];
    for (const tool of tools) {
      await fc.assert(
        fc.asyncProperty(argsFor(tool, ids), async (args) => {
          const before = await counts();
          let res;
          try {
            res = await mcp.call(tool.name, args);
          } catch (err) {
            // protocol errors are fine as long as they are not internal
            if (err instanceof McpError && err.code !== ErrorCode.InternalError) return;
            failures.push(`${tool.name}: threw ${(err as Error).message}`);
            return;
          }
          if (!res.isError) return;
          const e = parseToolError(res)!;
          if (e.code === 'INTERNAL') failures.push(`${tool.name}: INTERNAL for ${JSON.stringify(args).slice(0, 300)}`);
          const after = await counts();
          if (after.join() !== before.join()) failures.push(`${tool.name}: refused (${e.code}) but wrote ${TABLES.map((t, i) => `${t} ${before[i]}→${after[i]}`).join(', ')}`);
        }),
        { numRuns: RUNS, seed: 42 },
      );
    }
    expect(failures).toEqual([]);
  });
});
