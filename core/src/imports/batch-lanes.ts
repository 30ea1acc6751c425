/**
 * The batching loop shared by the CSV imports. Parsed rows go into `lanes` batch queues; rows with
 * the same key always land in the same lane, whose batches run strictly in order (so "the later
 * row wins" holds across batches and two lanes never touch the same rows, hence never deadlock).
 * Each lane has at most one batch in flight while the next one fills: parsing overlaps the
 * database, lanes run side by side on a server with several cores, and memory stays bounded
 * (about lanes × 2 × batchSize rows) whatever the file size.
 *
 * A failed batch stops the import: the next `add` or `finish` waits for the other lanes' batches
 * in flight (each is its own transaction and lands whole or not at all) and rethrows the error.
 */
export interface BatchLanesOptions<T> {
  lanes: number;
  batchSize: number;
  flush: (items: T[]) => Promise<void>;
  /** Rows with equal keys replace each other within a batch and share a lane. Default: none. */
  key?: (item: T) => string;
}

export interface BatchLanes<T> {
  /** Queue one row; resolves `true` when it replaced a row with the same key in the open batch. */
  add(item: T): Promise<boolean>;
  /** Flush what is left and wait for every batch. */
  finish(): Promise<void>;
}

function laneOf(key: string, lanes: number): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193);
  return (h >>> 0) % lanes;
}

export function createBatchLanes<T>(opts: BatchLanesOptions<T>): BatchLanes<T> {
  const n = Math.max(1, Math.floor(opts.lanes));
  const lanes = Array.from({ length: n }, () => ({ open: new Map<string, T>(), inflight: Promise.resolve() }));
  let failed: { error: unknown } | undefined;
  let seq = 0;

  const settle = async () => {
    await Promise.all(lanes.map((l) => l.inflight));
    if (failed) throw failed.error;
  };
  const dispatch = async (lane: (typeof lanes)[number]) => {
    const items = [...lane.open.values()];
    lane.open = new Map();
    await lane.inflight;
    if (failed) return settle();
    lane.inflight = opts.flush(items).catch((error: unknown) => {
      failed ??= { error };
    });
  };

  return {
    async add(item) {
      if (failed) await settle();
      const key = opts.key ? opts.key(item) : String(seq++);
      const lane = lanes[opts.key && n > 1 ? laneOf(key, n) : 0];
      const replaced = lane.open.delete(key);
      lane.open.set(key, item);
      if (lane.open.size >= opts.batchSize) await dispatch(lane);
      return replaced;
    },
    async finish() {
      for (const lane of lanes) if (lane.open.size) await dispatch(lane);
      await settle();
    },
  };
}
