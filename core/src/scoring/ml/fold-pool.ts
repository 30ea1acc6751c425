import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import os from 'node:os';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { Fold } from './cross-validate.ts';
import type { FeatureMatrix } from './feature-matrix.ts';
import { BlendModel, type BlendJSON } from './blend.model.ts';
import type { Classifier } from './classifier.ts';
import { type FoldOutcome, runFold } from './fold-task.ts';
import { GradientBoostedTrees, type GradientBoostingJSON } from './gbt.model.ts';
import { LogisticRegression, type LogisticRegressionJSON } from './logistic-regression.model.ts';
import { type MemberRefit, refitMember, type SelectOptions, selectModel } from './model-selection.ts';
import { TargetEncoded, type TargetEncodingJSON } from './target-encoding.ts';
import type { ModelSelection } from './trained-model.schema.ts';

/** What every fold worker receives once: the matrix and outcomes, backed by SharedArrayBuffers (no copy). */
export interface FoldWorkerData {
  matrix: FeatureMatrix;
  y: Uint8Array;
}

/** A task for a pool thread: one outer fold, the refit of one member on every row, or the selection on every row (small data). */
export type PoolTask = { type: 'fold'; fold: Fold; select: SelectOptions } | { type: 'refit'; refit: MemberRefit } | { type: 'select'; select: SelectOptions };
export type FoldJob = PoolTask & { id: number };

/** A refit's member as plain JSON (what toJSON gives), rebuilt in the main thread. */
export type MemberJSON = (LogisticRegressionJSON | GradientBoostingJSON) & { targetEncoding?: TargetEncodingJSON };
/** The selection on every row, its chosen model as JSON (only for selections that fit on all rows: inner CV). */
export interface SelectionResult {
  selection: ModelSelection;
  fittedOn: 'all' | 'train_part';
  model: MemberJSON | BlendJSON;
}
type TaskResult = { type: 'fold'; outcome: FoldOutcome } | { type: 'refit'; model: MemberJSON } | ({ type: 'select' } & SelectionResult);
type WorkerReply = { id: number; result: TaskResult } | { id: number; error: string };

/** Run one task in whichever thread holds the data (the worker's entry and this thread's fallback alike). */
export function runTask(data: FoldWorkerData, task: PoolTask): TaskResult {
  if (task.type === 'fold') return { type: 'fold', outcome: runFold(data.matrix, data.y, task.fold, task.select) };
  const rows = Uint32Array.from({ length: data.matrix.rows }, (_, i) => i);
  if (task.type === 'refit') return { type: 'refit', model: refitMember(data.matrix, data.y, rows, task.refit).toJSON() as MemberJSON };
  const { selection, fittedOn, models } = selectModel(data.matrix, data.y, rows, task.select);
  return { type: 'select', selection, fittedOn, model: models.get(selection.chosen)!.toJSON() as MemberJSON | BlendJSON };
}

/** Any candidate (a member or the blend) rebuilt from its JSON. */
export function candidateFromJSON(json: MemberJSON | BlendJSON): Classifier {
  return json.kind === 'blend' ? BlendModel.fromJSON(json) : memberFromJSON(json);
}

/** A member rebuilt from its JSON; `maxTrees` keeps only the first trees (a refit with more rounds, cut to the ones wanted). */
export function memberFromJSON(json: MemberJSON, maxTrees?: number): Classifier {
  if (json.kind === 'logistic_regression') return TargetEncoded.wrap(LogisticRegression.fromJSON(json), json.targetEncoding);
  const trees = maxTrees === undefined ? json.trees : json.trees.slice(0, Math.max(1, maxTrees));
  const cut = { ...json, trees, params: { ...json.params, iterations: trees.length } };
  return TargetEncoded.wrap(GradientBoostedTrees.fromJSON(cut), json.targetEncoding);
}

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
export function workerEntry(): { entry: URL | string; eval: boolean } {
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

interface Pending {
  id: number;
  task: PoolTask;
  resolve: (r: TaskResult) => void;
  reject: (e: unknown) => void;
}

/**
 * Worker threads sharing one matrix, each taking the next queued task when free (outer folds and
 * final refits alike). Every task runs the same code as in this thread on the same inputs
 * (`runTask`), so results are identical whichever thread computed them; only the wall time
 * changes. A worker that cannot start (no thread support, a missing worker file) gives its task
 * back; when no worker is left, this thread runs the queue. An error inside a task rejects that
 * task. `data` must come from `shareData`.
 */
export class TaskPool {
  private readonly queue: Pending[] = [];
  private readonly live = new Set<Worker>();
  private readonly busy = new Map<Worker, Pending>();
  private readonly started = new Set<Worker>();
  private nextId = 0;
  private draining = false;
  /** Why workers could not start, once this thread had to run tasks itself. */
  workerError: string | null = null;
  private failedToStart: unknown = null;

  constructor(
    private readonly data: FoldWorkerData,
    workers: number,
  ) {
    const entry = workerEntry();
    for (let w = 0; w < workers; w++) {
      let worker: Worker;
      try {
        worker = new Worker(entry.entry, { workerData: data, eval: entry.eval });
      } catch (err) {
        this.failedToStart ??= err;
        continue;
      }
      this.attach(worker);
    }
  }

  /** Workers alive with nothing to do and nothing queued for them. */
  get idle(): number {
    return this.queue.length > 0 ? 0 : this.live.size - this.busy.size;
  }

  run(task: PoolTask): Promise<TaskResult> {
    return new Promise((resolve, reject) => {
      this.queue.push({ id: this.nextId++, task, resolve, reject });
      this.pump();
    });
  }

  runFold(fold: Fold, select: SelectOptions): Promise<FoldOutcome> {
    return this.run({ type: 'fold', fold, select }).then((r) => (r as Extract<TaskResult, { type: 'fold' }>).outcome);
  }

  select(select: SelectOptions): Promise<SelectionResult> {
    return this.run({ type: 'select', select }).then((r) => r as Extract<TaskResult, { type: 'select' }>);
  }

  refit(refit: MemberRefit): Promise<MemberJSON> {
    return this.run({ type: 'refit', refit }).then((r) => (r as Extract<TaskResult, { type: 'refit' }>).model);
  }

  /** Stop every worker (tasks still queued are run by nobody: close only when nothing is awaited). */
  close(): void {
    for (const w of this.live) {
      w.removeAllListeners();
      void w.terminate();
    }
    this.live.clear();
    this.busy.clear();
  }

  private attach(worker: Worker): void {
    this.live.add(worker);
    const drop = (err: unknown): void => {
      const job = this.busy.get(worker);
      this.busy.delete(worker);
      this.live.delete(worker);
      worker.removeAllListeners();
      void worker.terminate();
      if (!this.started.has(worker)) {
        // Could not start (or died before its first reply): its task goes back to the queue.
        this.failedToStart ??= err;
        if (job) this.queue.unshift(job);
      } else if (job) {
        job.reject(err);
      }
      this.pump();
    };
    worker.on('message', (reply: WorkerReply) => {
      this.started.add(worker);
      const job = this.busy.get(worker);
      this.busy.delete(worker);
      if (job) {
        if ('error' in reply) job.reject(new Error(`${job.task.type === 'fold' ? `fold ${job.id + 1}` : job.task.type === 'refit' ? `refit of ${job.task.refit.kind}` : 'final selection'}: ${reply.error}`));
        else job.resolve(reply.result);
      }
      this.pump();
    });
    worker.on('error', (err) => drop(err));
    worker.on('exit', (code) => {
      if (this.live.has(worker)) drop(new Error(`a scoring worker exited with code ${code} during a task`));
    });
  }

  private pump(): void {
    for (const worker of this.live) {
      if (this.queue.length === 0) return;
      if (this.busy.has(worker)) continue;
      const job = this.queue.shift()!;
      this.busy.set(worker, job);
      worker.postMessage({ id: job.id, ...job.task } satisfies FoldJob);
    }
    if (this.live.size === 0 && this.queue.length > 0) void this.drainHere();
  }

  /** No worker left: run the queue in this thread, one task per macrotask so progress can be reported. */
  private async drainHere(): Promise<void> {
    if (this.draining) return;
    this.draining = true;
    const err = this.failedToStart;
    this.workerError ??= err instanceof Error ? err.message : String(err ?? 'no worker threads');
    while (this.queue.length > 0) {
      const job = this.queue.shift()!;
      await new Promise((resolve) => setImmediate(resolve));
      try {
        job.resolve(runTask(this.data, job.task));
      } catch (e) {
        job.reject(e);
      }
    }
    this.draining = false;
  }
}
