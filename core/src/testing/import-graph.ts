import fs from 'node:fs';
import path from 'node:path';

/** One value import the walk found: the module that imports and what it names. */
export interface ImportEdge {
  from: string;
  specifier: string;
}

// `import … from 'x'`, `export … from 'x'`, `import 'x'`; type-only ones (`import type`, `export type`) are erased at build
const STATEMENT = /(?:^|\n)\s*(import|export)\s+(type\s+)?([^'";]*?\bfrom\s+)?['"]([^'"]+)['"]/g;

/**
 * The value imports reachable from `entry` by static imports (dynamic `import()` is what loads
 * later, so it is not followed): relative ones are walked, workspace packages are resolved through
 * `packages` (specifier → file), everything else is reported as a leaf. What the bundler would load
 * before the entry runs.
 */
export function staticImports(entry: string, packages: Record<string, string> = {}): ImportEdge[] {
  const edges: ImportEdge[] = [];
  const seen = new Set<string>();
  const walk = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    const source = fs.readFileSync(file, 'utf8').replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');
    for (const m of source.matchAll(STATEMENT)) {
      const [, kind, typeOnly, clause, specifier] = m;
      if (typeOnly) continue;
      // `export { a }` without from, or `import x = …`, are not module edges
      if (kind === 'export' && !clause) continue;
      edges.push({ from: file, specifier });
      if (specifier.startsWith('.')) walk(path.resolve(path.dirname(file), specifier));
      else if (packages[specifier]) walk(packages[specifier]);
    }
  };
  walk(entry);
  return edges;
}
