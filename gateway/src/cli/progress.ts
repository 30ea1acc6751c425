import cliProgress from 'cli-progress';

/** A progress bar on stderr when it is a terminal; silent otherwise (CI logs, pipes). */
export function progressBar(label: string, total: number) {
  if (!process.stderr.isTTY || total <= 0) {
    return { update: (_done: number) => {}, stop: () => {} };
  }
  const bar = new cliProgress.SingleBar(
    { format: `${label} [{bar}] {percentage}% | {value}/{total} | {eta_formatted} left`, stream: process.stderr, hideCursor: true },
    cliProgress.Presets.shades_classic,
  );
  bar.start(total, 0);
  return {
    update: (done: number) => bar.update(Math.min(done, total)),
    stop: () => bar.stop(),
  };
}

/**
 * Progress through named phases (seed: contacts, then the knowledge base's documents, interactions
 * and vectors): one bar per phase, sized by the phase's first report.
 */
export function phasedProgress(make: typeof progressBar = progressBar) {
  let current: { label: string; total: number; bar: ReturnType<typeof progressBar> } | undefined;
  return {
    report(label: string, done: number, total: number) {
      if (!current || current.label !== label || current.total !== total) {
        current?.bar.stop();
        current = { label, total, bar: make(label, total) };
      }
      current.bar.update(done);
    },
    stop() {
      current?.bar.stop();
      current = undefined;
    },
  };
}
