/**
 * Whether `p` settles (resolves or rejects, the outcome ignored) within `ms`. The timer is cleared
 * either way and is not unref'd: a shutdown waiting on it must not let the process exit half-way.
 */
export async function settlesWithin(p: Promise<unknown> | undefined, ms: number): Promise<boolean> {
  if (!p) return true;
  let timer: NodeJS.Timeout | undefined;
  const settled = p.then(
    () => true,
    () => true,
  );
  try {
    return await Promise.race([settled, new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), ms)))]);
  } finally {
    clearTimeout(timer);
  }
}
