/** A long-running part of a process (outbox dispatcher, scheduler, workers, background agents). */
export interface Service {
  name: string;
  start(): Promise<void>;
  /** Must return promptly: stop taking work, finish or abandon what is in flight. */
  stop(): Promise<void>;
  /** A service the platform can run without: a failed start is logged and reported by /health, not fatal. */
  optional?: boolean;
  /** What it is doing now, in a few words, for /health (e.g. "loading: vectors 4000/20387", "loaded"). */
  detail?(): string | undefined;
}

/** Start services in order; on a failure stop the ones already started (reverse order) and rethrow. */
export async function startAll(
  services: readonly Service[],
  onStarted?: (s: Service) => void,
  onOptionalFailed?: (s: Service, err: unknown) => void,
): Promise<Service[]> {
  const started: Service[] = [];
  try {
    for (const s of services) {
      if (s.optional) {
        try {
          await s.start();
        } catch (err) {
          onOptionalFailed?.(s, err);
          continue;
        }
      } else await s.start();
      started.push(s);
      onStarted?.(s);
    }
  } catch (err) {
    await stopAll(started);
    throw err;
  }
  return started;
}

/** Stop in reverse order; one failing stop does not keep the others running. */
export async function stopAll(services: readonly Service[], onError?: (s: Service, err: unknown) => void): Promise<void> {
  for (const s of [...services].reverse()) {
    try {
      await s.stop();
    } catch (err) {
      onError?.(s, err);
    }
  }
}
