import v8 from 'node:v8';
import vm from 'node:vm';

export interface LatencyStats {
  calls: number;
  p50Ms: number;
  p99Ms: number;
  meanMs: number;
  maxMs: number;
}

function pct(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

const round = (n: number) => Math.round(n * 1000) / 1000;

export function summarise(samples: number[]): LatencyStats {
  const sorted = [...samples].sort((a, b) => a - b);
  return {
    calls: sorted.length,
    p50Ms: round(pct(sorted, 50)),
    p99Ms: round(pct(sorted, 99)),
    meanMs: round(sorted.reduce((s, x) => s + x, 0) / Math.max(1, sorted.length)),
    maxMs: round(sorted.at(-1) ?? 0),
  };
}

/** Time `n` calls of `fn(i)`, `concurrency` at a time; every call's own latency is one sample. */
export async function timeCalls(n: number, fn: (i: number) => Promise<unknown>, concurrency = 1): Promise<{ stats: LatencyStats; wallMs: number }> {
  const samples: number[] = new Array(n);
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      for (let i = next++; i < n; i = next++) {
        const t = performance.now();
        await fn(i);
        samples[i] = performance.now() - t;
      }
    }),
  );
  return { stats: summarise(samples), wallMs: Math.round(performance.now() - started) };
}

v8.setFlagsFromString('--expose-gc');
const gcFn = vm.runInNewContext('gc') as (() => void) | undefined;

const mb = (bytes: number) => Math.round((bytes / 1048576) * 10) / 10;

/** RSS, V8 heap and off-heap (Buffers, ArrayBuffers) after a full GC, in MB. */
export function memory(): { rssMb: number; heapUsedMb: number; externalMb: number } {
  gcFn?.();
  gcFn?.();
  const m = process.memoryUsage();
  return { rssMb: mb(m.rss), heapUsedMb: mb(m.heapUsed), externalMb: mb(m.external) };
}

export function growthPercent(before: number, after: number): number {
  return Math.round(((after - before) / before) * 1000) / 10;
}
