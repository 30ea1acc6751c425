// Worker-thread entry of fold-pool.ts: receives the shared feature matrix and outcomes once, then
// runs one task per message (an outer fold, fold-task.ts, or a member's final refit) and sends the plain result back, its typed arrays
// transferred. Bundled as its own entry by gateway/scripts/build.mjs (dist/scoring-fold-worker.js).
import { parentPort, workerData } from 'node:worker_threads';
import { type FoldJob, type FoldWorkerData, runTask } from './fold-pool.ts';

const data = workerData as FoldWorkerData;
const port = parentPort;
if (!port) throw new Error('fold.worker.ts must run in a worker thread');
port.on('message', (job: FoldJob) => {
  try {
    const result = runTask(data, job);
    port.postMessage({ id: job.id, result }, result.type === 'fold' ? result.outcome.candidates.map((c) => c.raw.buffer as ArrayBuffer) : []);
  } catch (err) {
    port.postMessage({ id: job.id, error: err instanceof Error ? (err.stack ?? err.message) : String(err) });
  }
});
