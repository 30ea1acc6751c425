import { randomFillSync } from 'node:crypto';

/**
 * `n` UUIDs of version 7 (RFC 9562: 48-bit Unix milliseconds, then 74 random bits), ascending
 * within the call. A bulk import gives its new rows these instead of random v4 ids: every index
 * keyed by id (the primary key, `(tenant_id, id)`, the name index's `id` tail) then grows at its
 * right-hand end instead of at a random leaf, so a large import dirties (and writes full-page
 * images to the WAL for) a few hot pages instead of the whole index after every checkpoint.
 */
export function timeOrderedIds(n: number, now = Date.now()): string[] {
  const bytes = Buffer.allocUnsafe(16 * n);
  randomFillSync(bytes);
  const ids: string[] = new Array(n);
  // the random bits after the timestamp are sorted by adding the position as a 16-bit counter in
  // rand_a (12 bits) + the top of rand_b, so ids of one call ascend even within one millisecond
  for (let i = 0; i < n; i++) {
    const o = 16 * i;
    let t = now;
    for (let k = 5; k >= 0; k--) {
      bytes[o + k] = t % 256;
      t = Math.floor(t / 256);
    }
    bytes[o + 6] = 0x70 | ((i >>> 12) & 0x0f);
    bytes[o + 7] = (i >>> 4) & 0xff;
    bytes[o + 8] = 0x80 | ((i & 0x0f) << 2) | (bytes[o + 8] & 0x03);
    const h = bytes.toString('hex', o, o + 16);
    ids[i] = `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
  }
  return ids;
}
