import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { openCsv, type CsvReadOptions } from './csv-reader.ts';

/** An upload saved to a private temporary file whose whole text has passed the CSV reader's file-level checks. */
export interface CheckedCsv {
  /** A fresh stream over the saved bytes (read as often as needed). */
  open(): Readable;
  bytes: number;
  /** Removes the temporary file; safe to call twice. */
  dispose(): Promise<void>;
}

/**
 * Save a CSV upload to a temporary file (in a directory only this user can read: it holds personal
 * data) and read it through once with the CSV reader, so that a file-level error anywhere — bytes
 * that are not UTF-8, an unterminated quote, a record over the size limit, a header the reader
 * refuses — is thrown before the import writes its first row. Row-level problems (a bad email, a
 * record with too many cells) are not errors here: the import reports them row by row and lands the
 * good rows. Costs one extra parse of the file (no database work) and its size in temporary disk.
 */
type ByteSource = Readable | AsyncIterable<Uint8Array | string>;

export interface SpoolOptions extends CsvReadOptions {
  /**
   * Applied to the saved bytes each time they are read (e.g. Windows-1252 → UTF-8), and called
   * only once the whole upload is saved: an option that arrives after the file (a form field sent
   * after the file part) still applies.
   */
  decode?: (raw: Readable) => ByteSource;
}

export async function spoolCheckedCsv(source: ByteSource, opts: SpoolOptions = {}): Promise<CheckedCsv> {
  const { decode, ...readOptions } = opts;
  const read = (file: string): Readable => {
    const raw = createReadStream(file);
    if (!decode) return raw;
    const decoded = decode(raw);
    return decoded instanceof Readable ? decoded : Readable.from(decoded);
  };
  // mkdtemp creates the directory with mode 0700
  const dir = await mkdtemp(join(tmpdir(), 'crm-import-'));
  const file = join(dir, 'upload.csv');
  const dispose = () => rm(dir, { recursive: true, force: true });
  try {
    await pipeline(source, createWriteStream(file, { mode: 0o600 }));
    const table = await openCsv(read(file), readOptions);
    // only the reader's own checks: every record is parsed and dropped
    for await (const record of table.records) void record;
    const { size } = await stat(file);
    return { open: () => read(file), bytes: size, dispose };
  } catch (err) {
    await dispose();
    throw err;
  }
}

/** Run `fn` on the checked upload, and remove the temporary file afterwards whatever happens. */
export async function withCheckedCsv<T>(source: ByteSource, fn: (checked: CheckedCsv) => Promise<T>, opts: SpoolOptions = {}): Promise<T> {
  const checked = await spoolCheckedCsv(source, opts);
  try {
    return await fn(checked);
  } finally {
    await checked.dispose();
  }
}
