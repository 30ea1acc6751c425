import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { barrelExports, dependentSources, importedNames } from './testing/package-usage.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.resolve(here, '../..');

describe("@crm/core's public surface", () => {
  const files = dependentSources(repoRoot);
  const used = importedNames(files, '@crm/core');
  const contracts = new Set(barrelExports(path.join(here, 'contracts.ts')));
  const exported = barrelExports(path.join(here, 'index.ts'));

  it('reads the importing packages (the scan is not vacuous)', () => {
    expect(files.length).toBeGreaterThan(100);
    expect(used.get('createCrmCore')?.length).toBeGreaterThan(3);
    expect(exported.length).toBeGreaterThan(100);
  });

  it('exports only what another package imports (or the contracts entry re-exports)', () => {
    // An export nobody outside core uses widens the surface for nothing: import it by path inside core.
    const unused = exported.filter((name) => !used.has(name) && !contracts.has(name));
    expect(unused).toEqual([]);
  });

  it('lets no EntityManager or transaction helper cross the package boundary', () => {
    for (const name of ['EntityManager', 'inTenantTx', 'MikroORM']) expect(exported, name).not.toContain(name);
  });

  it('everything other packages import from it exists', () => {
    const missing = [...used.keys()].filter((name) => !exported.includes(name));
    expect(missing).toEqual([]);
  });
});

describe('one writer of audit rows, one of outbox events', () => {
  it('no other product source inserts into audit_log or outbox_events (benchmark data generators in evals/ aside)', async () => {
    const fs = await import('node:fs');
    const writers = new Set(['audit/audit.service.ts', 'outbox/outbox.writer.ts']);
    const offenders: string[] = [];
    const sources = [...dependentSources(repoRoot).filter((f) => !path.relative(repoRoot, f).startsWith('evals')), ...fs.readdirSync(here, { recursive: true, encoding: 'utf8' }).map((f) => path.join(here, f))];
    for (const file of sources) {
      if (!/\.(ts|mjs|js)$/.test(file) || /\.test\.ts$|fixture|testing[/\\]/.test(file)) continue;
      if (writers.has(path.relative(here, file).split(path.sep).join('/'))) continue;
      if (/insert\s+into\s+(audit_log|outbox_events)\b/i.test(fs.readFileSync(file, 'utf8'))) offenders.push(path.relative(repoRoot, file));
    }
    expect(sources.length).toBeGreaterThan(300); // the walk really read the packages
    expect(offenders).toEqual([]);
  });
});
