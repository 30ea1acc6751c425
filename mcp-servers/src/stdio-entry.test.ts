import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { staticImports } from '@crm/core/testing';

const here = path.dirname(fileURLToPath(import.meta.url));
const core = path.resolve(here, '../../core/src');

describe('@crm/mcp-servers/stdio', () => {
  it('reaches core only through its contracts, so `crm mcp` answers the handshake before the ORM loads', () => {
    const edges = staticImports(path.join(here, 'stdio.ts'), { '@crm/core/contracts': path.join(core, 'contracts.ts') });
    expect(edges.some((e) => e.specifier === '@crm/core/contracts')).toBe(true);
    const heavy = edges.filter((e) => e.specifier === '@crm/core' || e.specifier === '@crm/agents' || /^(@mikro-orm\/|pg$|@electric-sql\/|@langchain\/)/.test(e.specifier));
    expect(heavy.map((e) => `${path.relative(here, e.from)} imports ${e.specifier}`)).toEqual([]);
  });
});
