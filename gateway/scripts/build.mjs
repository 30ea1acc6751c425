// Compiles the `crm` command to JavaScript (gateway/dist) so it starts without compiling
// TypeScript at load. Run by `npm ci`/`npm install` (the root `prepare` script); bin/crm.js uses
// the build while it is newer than every source file, and the TypeScript sources otherwise.
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';

const gateway = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const root = path.resolve(gateway, '..');
const outdir = path.join(gateway, 'dist');

// Bundled code must still find files next to its sources (migrations, the demo knowledge base):
// each module's import.meta.url becomes the URL of the .ts file it came from.
const keepModuleUrls = {
  name: 'keep-module-urls',
  setup(b) {
    b.onLoad({ filter: /\.ts$/ }, async (args) => {
      const source = await fs.promises.readFile(args.path, 'utf8');
      const contents = source.includes('import.meta.url') ? source.replaceAll('import.meta.url', JSON.stringify(pathToFileURL(args.path).href)) : source;
      return { contents, loader: 'ts' };
    });
  },
};

/** The workspace folder (core, agents, …) a source file belongs to. */
function workspaceOf(file) {
  const rel = path.relative(root, file).split(path.sep);
  return rel.length > 1 && !rel[0].startsWith('..') ? path.join(root, rel[0]) : undefined;
}

/** The ESM entry of a package export: the `import`, then `node`, then `default` condition. */
function pickExport(entry) {
  if (typeof entry === 'string') return entry;
  if (!entry || typeof entry !== 'object') return undefined;
  for (const key of ['import', 'node', 'default']) if (key in entry) return pickExport(entry[key]);
  return undefined;
}

/**
 * npm sometimes installs a workspace's dependency under that workspace (core/node_modules/…)
 * instead of the root. The compiled chunks live in gateway/dist, where such a package cannot be
 * found by name, so its import is rewritten to the file it resolves to from the workspace.
 */
function nestedPackageFile(importer, spec) {
  const ws = workspaceOf(importer);
  if (!ws) return undefined;
  const parts = spec.split('/');
  const name = spec.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
  const sub = spec.slice(name.length);
  const dir = path.join(ws, 'node_modules', name);
  if (!fs.existsSync(path.join(dir, 'package.json'))) return undefined;
  const pj = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8'));
  const target = pj.exports ? pickExport(typeof pj.exports === 'string' || !(`.${sub || ''}` in pj.exports) ? (sub ? undefined : pj.exports) : pj.exports[`.${sub}`]) : sub ? sub.slice(1) : pj.module ?? pj.main;
  return target ? path.join(dir, target) : undefined;
}

/**
 * CommonJS packages whose ESM entry re-exports their CommonJS files (`@mikro-orm/postgresql`, `pg`,
 * `pino`): imported from ESM, Node runs its CommonJS export lexer over every file of the re-export
 * chain, which doubled the ORM's load time (≈0.6 s of CPU against ≈0.3 s by `require`). They are
 * loaded with `require` instead, through a small module whose named exports are the package's,
 * listed here at build time.
 */
const REQUIRED_CJS = ['@mikro-orm/postgresql', 'pg', 'pino'];
const REQUIRED_CJS_FILTER = new RegExp(`^(${REQUIRED_CJS.map((p) => p.replace(/[/.]/g, '\\$&')).join('|')})$`);
const requireCjs = {
  name: 'require-cjs',
  setup(b) {
    b.onResolve({ filter: REQUIRED_CJS_FILTER }, (args) => ({ path: args.path, namespace: 'require-cjs', pluginData: { importer: args.importer } }));
    b.onLoad({ filter: /.*/, namespace: 'require-cjs' }, (args) => {
      const req = createRequire(args.pluginData.importer);
      const file = req.resolve(args.path);
      const names = Object.keys(req(args.path)).filter((n) => n !== 'default' && n !== '__esModule' && n !== 'native' && /^[A-Za-z_$][\w$]*$/.test(n));
      // relative to the chunks folder, where every chunk lands, so a moved checkout still works
      const target = `./${path.relative(path.join(outdir, 'chunks'), file).split(path.sep).join('/')}`;
      const contents = [
        "import { createRequire } from 'node:module';",
        `const m = createRequire(import.meta.url)(${JSON.stringify(target)});`,
        'export default m;',
        `export const { ${names.join(', ')} } = m;`,
      ].join('\n');
      return { contents, loader: 'js', resolveDir: path.dirname(file) };
    });
  },
};

// Workspace packages (@crm/*) are bundled; every npm dependency stays an import of node_modules.
const externalDeps = {
  name: 'external-deps',
  setup(b) {
    b.onResolve({ filter: /^[^./]/ }, (args) => {
      if (args.path.startsWith('@crm/') || args.path.startsWith('node:')) return args.path.startsWith('node:') ? { path: args.path, external: true } : undefined;
      const nested = nestedPackageFile(args.importer, args.path);
      // relative to the chunks folder (all code but the tiny entry lands there), so a moved checkout still works
      return { path: nested ? path.relative(path.join(outdir, 'chunks'), nested).split(path.sep).join('/') : args.path, external: true };
    });
  },
};

const started = Date.now();
fs.rmSync(outdir, { recursive: true, force: true });
await build({
  // The lead-scoring fold worker (core/src/scoring/ml/fold-pool.ts) runs in worker threads: its own
  // entry, which bin/crm.js registers before loading the build.
  entryPoints: { crm: path.join(gateway, 'src/cli/main.ts'), 'scoring-fold-worker': path.join(root, 'core/src/scoring/ml/fold.worker.ts') },
  outdir,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  sourcemap: 'linked',
  chunkNames: 'chunks/[name]-[hash]',
  plugins: [keepModuleUrls, requireCjs, externalDeps],
  logLevel: 'warning',
});
fs.writeFileSync(path.join(outdir, 'BUILD_STAMP'), `${new Date().toISOString()}\n`);
process.stderr.write(`crm: compiled to ${path.relative(root, outdir)} in ${Date.now() - started} ms\n`);
