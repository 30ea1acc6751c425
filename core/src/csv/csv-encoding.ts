import { Readable } from 'node:stream';
import { AppError } from '../errors/app-error.ts';

/** The encodings an import reads: UTF-8 (the default, checked strictly) and Windows-1252, which Excel's plain "CSV" writes on Windows. */
export const CSV_ENCODINGS = ['utf-8', 'windows-1252'] as const;
export type CsvEncoding = (typeof CSV_ENCODINGS)[number];

/** `--encoding` / a `charset` parameter: utf-8, or windows-1252 under its usual names (cp1252, latin1, iso-8859-1). */
export function parseCsvEncoding(raw: string, path = 'encoding'): CsvEncoding {
  const s = raw.trim().toLowerCase().replace(/_/g, '-');
  if (s === 'utf-8' || s === 'utf8') return 'utf-8';
  if (['windows-1252', 'cp1252', 'win-1252', 'latin1', 'latin-1', 'iso-8859-1', 'iso8859-1'].includes(s)) return 'windows-1252';
  throw AppError.validation([{ path, reason: `must be utf-8 or windows-1252 (also cp1252, latin1, iso-8859-1), got "${raw}"` }]);
}

/**
 * The file as UTF-8 text: a Windows-1252 file is decoded byte by byte (every byte is a character
 * there, so nothing can be invalid) before the reader's strict UTF-8 checks see it.
 */
export function asUtf8(source: Readable | AsyncIterable<Uint8Array | string>, encoding: CsvEncoding | undefined): Readable | AsyncIterable<Uint8Array | string> {
  if (!encoding || encoding === 'utf-8') return source;
  const decoder = new TextDecoder('windows-1252');
  return Readable.from(
    (async function* () {
      for await (const chunk of source) yield Buffer.from(decoder.decode(typeof chunk === 'string' ? Buffer.from(chunk, 'latin1') : chunk, { stream: true }), 'utf8');
    })(),
  );
}
