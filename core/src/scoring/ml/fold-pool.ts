import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import os from 'node:os';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { Fold } from './cross-validate.ts';
import type { FeatureMatrix } from './feature-matrix.ts';
import { type FoldOutcome, runFold } from './fold-task.ts';
import type { SelectOptions } from './model-selection.ts';

/** What every fold worker receives once: the matrix and outcomes, backed by SharedArrayBuffers (no copy). */
export interface FoldWorkerData {
  matrix: FeatureMatrix;
  y: Uint8Array;
}

export interface FoldJob {
  id: number;
  fold: Fold;
  select: SelectOptions;
}

type WorkerReply = { id: number; outcome: FoldOutcome } | { id: number; error: string };

/**
 * The compiled `crm` bundle registers its own worker file here (gateway/bin/crm.js), because
 * inside the bundle this module cannot find a compiled sibling; from the TypeScript sources the
 * worker runs fold.worker.ts through tsx.
 */
export const FOLD_WORKER_SLOT = Symbol.for('crm.scoring.foldWorkerUrl');

/** From this many rows, the outer folds of an evaluation run in worker threads (below, a worker's start-up costs more than it saves). */
export const PARALLEL_FOLDS_ROWS = 5_000;

/** Worker threads to use for `tasks` independent folds: one per available core, at most one per task. */
export function defaultWorkers(tasks: number): number {
  return Math.max(1, Math.min(os.availableParallelism(), tasks));
}

/**
 * The worker to start: the registered compiled file, or else a small script that loads
 * fold.worker.ts through tsx's `tsImport` (Node 20 does not pass `--import` loader hooks on to
 * worker threads, so the TypeScript entry cannot be started directly).
 */
function workerEntry(): { entry: URL | string; eval: boolean } {
  const registered = (globalThis as Record<symbol, unknown>)[FOLD_WORKER_SLOT];
  if (typeof registered === 'string') return { entry: new URL(registered), eval: false };
  const require = createRequire(import.meta.url);
  const pkgFile = require.resolve('tsx/package.json');
  const pkg = JSON.parse(readFileSync(pkgFile, 'utf8')) as { exports: Record<string, { import: { default: string } }> };
  const api = pathToFileURL(path.join(path.dirname(pkgFile), pkg.exports['./esm/api'].import.default)).href;
  const file = new URL('./fold.worker.ts', import.meta.url).href;
  return { entry: `import(${JSON.stringify(api)}).then(({ tsImport }) => tsImport(${JSON.stringify(file)}, ${JSON.stringify(file)}));`, eval: true };
}

/** The matrix and outcomes on SharedArrayBuffers, so worker threads read them without a copy (returned as is when already shared). */
export function shareData(matrix: FeatureMatrix, y: Uint8Array): FoldWorkerData {
  const shared = <T extends Float64Array | Uint8Array>(a: T, make: (b: SharedArrayBuffer) => T): T => {
    if (a.buffer instanceof SharedArrayBuffer) return a;
    const out = make(new SharedArrayBuffer(a.byteLength));
    out.set(a);
    return out;
  };
  return {
    matrix: { ...matrix, data: shared(matrix.data, (b) => new Float64Array(b)) },
    y: shared(y, (b) => new Uint8Array(b)),
  };
}

/**
 * Run the outer folds in a pool of `workers` worker threads (each fold on one thread, the next
 * fold to the first free one) and return their outcomes in fold order. Each fold runs the same
 * `runFold` as the serial path on the same inputs, so the results are identical; only the wall
 * time changes. `data` must come from `shareData`. A worker that cannot start (no thread support,
 * a missing worker file) makes the remaining folds run in this thread instead; an error inside a
 * fold is re-thrown.
 */
export async function runFoldsInPool(
  data: FoldWorkerData,
  folds: readonly Fold[],
  select: SelectOptions,
  workers: number,
  onFold?: (index: number, outcome: FoldOutcome) => void,
): Promise<{ outcomes: FoldOutcome[]; workerError: string | null }> {
  const results: (FoldOutcome | undefined)[] = new Array(folds.length);
  let next = 0;
  let failedToStart: unknown = null;
  const orphans: number[] = [];
  const entry = workerEntry();
  const runOne = (worker: Worker): Promise<void> =>
    new Promise((resolve, reject) => {
      let started = false;
      const pending = new Map<number, true>();
      const finish = (err?: unknown) => {
        worker.removeAllListeners();
        void worker.terminate();
        if (err) reject(err);
        else resolve();
      };
      const dispatch = () => {
        if (next >= folds.length) return finish();
        const id = next++;
        pending.set(id, true);
        worker.postMessage({ id, fold: folds[id], select } satisfies FoldJob);
      };
      worker.on('message', (reply: WorkerReply) => {
        started = true;
        pending.delete(reply.id);
        if ('error' in reply) return finish(new Error(`fold ${reply.id + 1}: ${reply.error}`));
        results[reply.id] = reply.outcome;
        onFold?.(reply.id, reply.outcome);
        dispatch();
      });
      worker.on('error', (err) => {
        if (!started) {
          // Could not start (or died before its first fold): its fold goes back to the queue for this thread.
          failedToStart ??= err;
          for (const id of pending.keys()) if (results[id] === undefined) orphans.push(id);
          return finish();
        }
        finish(err);
      });
      worker.on('exit', (code) => {
        if (pending.size > 0) finish(new Error(`a scoring worker exited with code ${code} during a fold`));
      });
      dispatch();
    });
  const n = Math.min(workers, folds.length);
  const threads: Promise<void>[] = [];
  for (let w = 0; w < n; w++) {
    let worker: Worker;
    try {
      worker = new Worker(entry.entry, { workerData: data, eval: entry.eval });
    } catch (err) {
      failedToStart ??= err;
      continue;
    }
    threads.push(runOne(worker));
  }
  await Promise.all(threads);
  // Folds no worker could take (all failed to start, or one died before its first reply).
  const left = [...orphans, ...Array.from({ length: folds.length - next }, (_, k) => next + k)];
  next = folds.length;
  for (const id of left) {
    if (results[id] !== undefined) continue;
    const outcome = runFold(data.matrix, data.y, folds[id], select);
    results[id] = outcome;
    onFold?.(id, outcome);
    await new Promise((resolve) => setImmediate(resolve));
  }
  const workerError = left.length > 0 && failedToStart ? (failedToStart instanceof Error ? failedToStart.message : String(failedToStart)) : null;
  return { outcomes: results as FoldOutcome[], workerError };
}
