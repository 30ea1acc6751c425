// Worker-thread entry of fold-pool.ts: receives the shared feature matrix and outcomes once, then
// runs one task per message (an outer fold, fold-task.ts, or a member's final refit) and sends the plain result back, its typed arrays
// transferred. Bundled as its own entry by gateway/scripts/build.mjs (dist/scoring-fold-worker.js).
// Started with `mode: 'train'` (train-thread.ts) it instead runs one whole training and exits.
import { parentPort, workerData } from 'node:worker_threads';
import { isDatasetError } from './dataset-error.ts';
import { type FoldJob, type FoldWorkerData, runTask } from './fold-pool.ts';
import type { TrainThreadData, TrainThreadMessage } from './train-thread.ts';
import { trainRecords } from './train-records.ts';

const port = parentPort;
if (!port) throw new Error('fold.worker.ts must run in a worker thread');
if ((workerData as Partial<TrainThreadData>).mode === 'train') {
  const { options } = workerData as TrainThreadData;
  const send = (m: TrainThreadMessage) => port.postMessage(m);
  trainRecords({ ...options, onProgress: (done, total, label) => send({ type: 'progress', done, total, label }) }).then(
    (result) => send({ type: 'done', result }),
    (err: unknown) =>
      send({
        type: 'failed',
        message: err instanceof Error ? (err.stack ?? err.message) : String(err),
        ...(isDatasetError(err) ? { dataset: { field: err.field, reason: err.reason, row: err.row } } : {}),
      }),
  );
} else {
  const data = workerData as FoldWorkerData;
  port.on('message', (job: FoldJob) => {
    try {
      const result = runTask(data, job);
      port.postMessage({ id: job.id, result }, result.type === 'fold' ? result.outcome.candidates.map((c) => c.raw.buffer as ArrayBuffer) : []);
    } catch (err) {
      port.postMessage({ id: job.id, error: err instanceof Error ? (err.stack ?? err.message) : String(err) });
    }
  });
}
