import { Worker } from 'node:worker_threads';
import { DatasetError } from './dataset-error.ts';
import { workerEntry } from './fold-pool.ts';
import type { EvaluationReport } from './pipeline.ts';
import { type RecordsOptions, trainRecords } from './train-records.ts';
import type { TrainedModel } from './trained-model.schema.ts';

/** What the training thread is started with (fold.worker.ts tells it from a fold worker by `mode`). */
export interface TrainThreadData {
  mode: 'train';
  options: Omit<RecordsOptions, 'onProgress'>;
}

/** Messages from the training thread. */
export type TrainThreadMessage =
  | { type: 'progress'; done: number; total: number; label: string }
  | { type: 'done'; result: { trained: TrainedModel; report: EvaluationReport } }
  | { type: 'failed'; message: string; dataset?: { field: string; reason: string; row?: number } };

/**
 * `trainRecords` in a worker thread of its own. A tenant's retrain is seconds of CPU (nested
 * cross-validation, the leakage audit, the final fit); in this thread it would hold the event
 * loop — and with it every HTTP request, MCP call and the embedded database, which runs on the
 * same thread — for seconds at a time. The model and report are the same as in this thread (same
 * seed, same code); a data problem comes back as the same DatasetError. When no worker can start,
 * the training runs here.
 */
export function trainRecordsInThread(options: RecordsOptions, signal?: AbortSignal): Promise<{ trained: TrainedModel; report: EvaluationReport }> {
  const { onProgress, ...rest } = options;
  if (signal?.aborted) return Promise.reject(signal.reason);
  let worker: Worker;
  try {
    const entry = workerEntry();
    const data: TrainThreadData = { mode: 'train', options: rest };
    worker = new Worker(entry.entry, { workerData: data, eval: entry.eval });
  } catch {
    return trainRecords(options);
  }
  return new Promise((resolve, reject) => {
    let settled = false;
    const settle = (fn: () => void) => {
      if (settled) return;
      settled = true;
      fn();
      void worker.terminate();
    };
    worker.on('message', (m: TrainThreadMessage) => {
      if (m.type === 'progress') onProgress?.(m.done, m.total, m.label);
      else if (m.type === 'done') settle(() => resolve(m.result));
      else settle(() => reject(m.dataset ? new DatasetError(m.dataset.field, m.dataset.reason, m.dataset.row) : new Error(m.message)));
    });
    worker.on('error', (err) => settle(() => reject(err)));
    // the caller gave up (e.g. the process is stopping): the thread is terminated, nothing is kept
    signal?.addEventListener('abort', () => settle(() => reject(signal.reason)), { once: true });
    worker.on('exit', (code) => settle(() => reject(new Error(`the training thread stopped (exit code ${code}) before it finished`))));
  });
}
