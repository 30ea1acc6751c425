import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import * as contracts from './contracts.ts';
import * as core from './index.ts';
import { staticImports } from './testing/import-graph.ts';

const here = path.dirname(fileURLToPath(import.meta.url));

describe('@crm/core/contracts', () => {
  it('loads without the ORM, the database driver or the embedded database', () => {
    const edges = staticImports(path.join(here, 'contracts.ts'));
    expect(edges.length).toBeGreaterThan(20); // the walk really followed the modules
    const heavy = edges.filter((e) => /^(@mikro-orm\/|pg$|@electric-sql\/|knex$)/.test(e.specifier));
    expect(heavy.map((e) => `${path.relative(here, e.from)} imports ${e.specifier}`)).toEqual([]);
  });

  it('exports the same values as the package index', () => {
    for (const [name, value] of Object.entries(contracts)) expect(core[name as keyof typeof core], name).toBe(value);
  });
});
