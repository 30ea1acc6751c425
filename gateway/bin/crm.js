#!/usr/bin/env node
// The `crm` command. `npm ci` compiles it to gateway/dist (fast start); when a TypeScript source
// is newer than that build (someone is editing), tsx compiles the sources on load instead.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const dist = path.join(root, 'gateway/dist');

function newestSource(dir, limit) {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      if (entry.name !== 'node_modules' && newestSource(p, limit)) return true;
    } else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts') && fs.statSync(p).mtimeMs > limit) return true;
  }
  return false;
}

function buildIsFresh() {
  if (process.env.CRM_FROM_SOURCE) return false;
  try {
    const built = fs.statSync(path.join(dist, 'BUILD_STAMP')).mtimeMs;
    return !['core/src', 'mcp-servers/src', 'agents/src', 'gateway/src'].some((d) => fs.existsSync(path.join(root, d)) && newestSource(path.join(root, d), built));
  } catch {
    return false;
  }
}

if (buildIsFresh()) {
  // Compiled worker entry of lead-scoring's parallel folds (FOLD_WORKER_SLOT in core/src/scoring/ml/fold-pool.ts).
  globalThis[Symbol.for('crm.scoring.foldWorkerUrl')] = pathToFileURL(path.join(dist, 'scoring-fold-worker.js')).href;
  await import(pathToFileURL(path.join(dist, 'crm.js')).href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('../src/cli/main.ts');
}
