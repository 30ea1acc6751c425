import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SERVER_MODULES } from './servers.ts';
import { openHarness, type Harness } from './testing/harness.ts';

/**
 * The README is what a user configures an MCP client from: its "MCP servers" section names every
 * tool and prompt of every server. This keeps that list equal to what the servers really serve
 * (it had drifted: seven tools were missing from it).
 */
describe('the README names exactly the tools and prompts each MCP server serves', () => {
  let h: Harness;
  let section: string;
  beforeAll(async () => {
    h = await openHarness('pglite');
    const readme = await readFile(new URL('../../README.md', import.meta.url), 'utf8');
    const start = readme.indexOf('\n## MCP servers');
    section = readme.slice(start, readme.indexOf('\n## ', start + 1));
  });
  afterAll(() => h.close());

  /** The lower-case (snake_case) names in backticks in the server's bullet (`- **name**: …` up to the next bullet). */
  function namesInReadme(server: string): Set<string> {
    const at = section.indexOf(`- **${server}**:`);
    expect(at, `README "MCP servers" has no bullet for ${server}`).toBeGreaterThan(-1);
    const rest = section.slice(at + 1);
    const bullet = rest.slice(0, rest.search(/\n- |\n\n/) + 1 || undefined);
    return new Set([...bullet.matchAll(/`([a-z]+(?:_[a-z]+)*)`/g)].map((m) => m[1]));
  }

  for (const module of SERVER_MODULES) {
    it(`${module.name}: tools and prompts`, async () => {
      const c = await h.connect(h.f.admin, { server: module.name });
      const served = [
        ...(await c.client.listTools()).tools.map((t) => t.name),
        ...(await c.client.listPrompts().catch(() => ({ prompts: [] }))).prompts.map((p) => p.name),
      ];
      expect(served.length).toBeGreaterThan(0);
      const named = namesInReadme(module.name);
      // every tool and prompt is named; every snake_case name is a real one (a one-word name in
      // backticks may be something else, such as a field)
      expect(served.filter((n) => !named.has(n)), 'served but not in the README').toEqual([]);
      expect([...named].filter((n) => n.includes('_') && !served.includes(n)), 'in the README but not served').toEqual([]);
    });
  }
});
