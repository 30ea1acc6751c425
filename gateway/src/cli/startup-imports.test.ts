import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { staticImports } from '@crm/core/testing';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../../..');
const packages = {
  '@crm/core/contracts': path.join(root, 'core/src/contracts.ts'),
  '@crm/mcp-servers/stdio': path.join(root, 'mcp-servers/src/stdio.ts'),
};
const HEAVY = /^(@crm\/core|@crm\/agents|@crm\/mcp-servers|@mikro-orm\/.*|pg|@electric-sql\/.*|@langchain\/.*)$/;

describe('what every crm command loads before it runs', () => {
  // main.ts loads these for every command (error line, exit code, configuration, logger); when one
  // of them reached the core index, `crm mcp` loaded the ORM (~0.9 s under load) before answering
  // the MCP handshake
  it.each(['describe-error.ts', 'exit-codes.ts', '../runtime/process-config.ts', 'mcp.command.ts'])('%s stays off the core index and the ORM', (file) => {
    const edges = staticImports(path.join(here, file), packages);
    const heavy = edges.filter((e) => HEAVY.test(e.specifier));
    expect(heavy.map((e) => `${path.relative(root, e.from)} imports ${e.specifier}`)).toEqual([]);
  });

  it('main.ts itself imports core only through its contracts', () => {
    const source = fs.readFileSync(path.join(here, 'main.ts'), 'utf8');
    const specifiers = [...source.matchAll(/(?:from\s+|import\()\s*'([^']+)'/g)].map((m) => m[1]);
    expect(specifiers).toContain('@crm/core/contracts');
    expect(specifiers.filter((s) => HEAVY.test(s))).toEqual([]);
  });
});
