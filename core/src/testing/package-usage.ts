import fs from 'node:fs';
import path from 'node:path';

/** Source files of the packages above core (gateway, agents, MCP servers, evals), tests included. */
export function dependentSources(repoRoot: string): string[] {
  const out: string[] = [];
  const walk = (dir: string): void => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      if (entry.name === 'node_modules' || entry.name === 'dist' || entry.name.startsWith('.')) continue;
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (/\.(ts|mts|js|mjs)$/.test(entry.name)) out.push(full);
    }
  };
  for (const pkg of ['gateway', 'agents', 'mcp-servers', 'evals']) {
    const dir = path.join(repoRoot, pkg);
    if (fs.existsSync(dir)) walk(dir);
  }
  return out;
}

/**
 * The names other packages take from one entry point of @crm/core (`specifier`, e.g. '@crm/core'):
 * static `import { a, type B as C } from …`, `export { … } from …` and destructured `await import(…)`.
 */
export function importedNames(files: readonly string[], specifier: string): Map<string, string[]> {
  const quoted = `['"]${specifier.replace(/[/.]/g, (c) => `\\${c}`)}['"]`;
  const patterns = [
    new RegExp(String.raw`(?:import|export)\s+(?:type\s+)?\{([^}]*)\}\s*from\s*${quoted}`, 'g'),
    new RegExp(String.raw`(?:const|let)\s+\{([^}]*)\}\s*=\s*await\s+import\(\s*${quoted}\s*\)`, 'g'),
  ];
  const used = new Map<string, string[]>();
  for (const file of files) {
    const src = fs.readFileSync(file, 'utf8');
    if (!src.includes(specifier)) continue;
    for (const re of patterns) {
      for (const m of src.matchAll(re)) {
        for (const part of m[1].split(',')) {
          const name = part.trim().replace(/^type\s+/, '').split(/\s+as\s+|\s*:\s*/)[0].trim();
          if (!name) continue;
          used.set(name, [...(used.get(name) ?? []), file]);
        }
      }
    }
  }
  return used;
}

/** Names exported by a barrel made only of `export { … } from` / `export type { … } from` lines. */
export function barrelExports(file: string): string[] {
  const src = fs.readFileSync(file, 'utf8');
  const names: string[] = [];
  for (const m of src.matchAll(/export\s+(?:type\s+)?\{([^}]*)\}\s*from/g)) {
    for (const part of m[1].split(',')) {
      const t = part.trim();
      if (!t) continue;
      const pieces = t.replace(/^type\s+/, '').split(/\s+as\s+/);
      names.push((pieces[1] ?? pieces[0]).trim());
    }
  }
  return names;
}
