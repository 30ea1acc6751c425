/**
 * Coalesces the outbox's per-event rescoring into set-wise batches per tenant: at most one batch
 * runs per tenant; contacts arriving meanwhile wait for it and go together in the next one. The
 * dispatcher hands up to `concurrency` contacts to handlers at once, so under load one read and at
 * most one write transaction serve many events instead of one pair each. Every caller's promise
 * settles with its batch (a failed batch fails each of its events, which the outbox retries).
 */
export function createRescoreBatcher(run: (tenantId: string, ids: string[]) => Promise<unknown>) {
  const queued = new Map<string, { ids: Set<string>; done: Promise<void> }>();
  const running = new Map<string, Promise<void>>();
  return function rescore(tenantId: string, id: string): Promise<void> {
    let batch = queued.get(tenantId);
    if (!batch) {
      const ids = new Set<string>();
      const before = running.get(tenantId) ?? Promise.resolve();
      const done = before
        // one turn of the event loop lets the contacts handed out together join
        .then(() => new Promise<void>((resolve) => setImmediate(resolve)))
        .then(async () => {
          queued.delete(tenantId);
          await run(tenantId, [...ids]);
        });
      batch = { ids, done };
      queued.set(tenantId, batch);
      const settled = done.then(
        () => {},
        () => {},
      );
      running.set(tenantId, settled);
      void settled.then(() => {
        if (running.get(tenantId) === settled) running.delete(tenantId);
      });
    }
    batch.ids.add(id);
    return batch.done;
  };
}
