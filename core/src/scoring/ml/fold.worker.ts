// Worker-thread entry of fold-pool.ts: receives the shared feature matrix and outcomes once, then
// runs one outer fold per message (fold-task.ts) and sends the plain result back, its typed arrays
// transferred. Bundled as its own entry by gateway/scripts/build.mjs (dist/scoring-fold-worker.js).
import { parentPort, workerData } from 'node:worker_threads';
import { runFold } from './fold-task.ts';
import type { FoldJob, FoldWorkerData } from './fold-pool.ts';

const { matrix, y } = workerData as FoldWorkerData;
const port = parentPort;
if (!port) throw new Error('fold.worker.ts must run in a worker thread');
port.on('message', (job: FoldJob) => {
  try {
    const outcome = runFold(matrix, y, job.fold, job.select);
    port.postMessage({ id: job.id, outcome }, outcome.candidates.map((c) => c.raw.buffer as ArrayBuffer));
  } catch (err) {
    port.postMessage({ id: job.id, error: err instanceof Error ? (err.stack ?? err.message) : String(err) });
  }
});
