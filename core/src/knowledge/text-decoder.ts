import { AppError } from '../errors/app-error.ts';

const UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });

/**
 * Decode an uploaded text document. Rejects binary content instead of indexing mojibake: NUL bytes
 * never occur in real UTF-8 prose, and a fatal decoder catches everything else that is not UTF-8.
 * UTF-16 is accepted only with a byte-order mark (Windows editors write one).
 */
export function decodeTextDocument(bytes: Uint8Array): string {
  if (bytes.length >= 2 && ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff))) {
    const encoding = bytes[0] === 0xff ? 'utf-16le' : 'utf-16be';
    return normalizeText(new TextDecoder(encoding).decode(bytes));
  }
  const nul = bytes.indexOf(0);
  if (nul !== -1) {
    throw AppError.validation([
      { path: 'bytes', reason: `binary content: NUL byte at offset ${nul} in a text document` },
    ]);
  }
  let decoded: string;
  try {
    decoded = UTF8.decode(bytes);
  } catch (cause) {
    throw new AppError('VALIDATION_FAILED', 'Invalid input — bytes: text is not valid UTF-8', {
      details: [{ path: 'bytes', reason: 'binary content: text is not valid UTF-8' }],
      cause,
    });
  }
  return normalizeText(decoded);
}

/** NFC, `\n` line ends, no control characters other than tab and newline, no BOM. */
export function normalizeText(text: string): string {
  return text
    .replace(/^\uFEFF/, '')
    .replace(/\r\n?/g, '\n')
    .normalize('NFC')
    // eslint-disable-next-line no-control-regex
    .replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F\u00AD\u200B\uFEFF]/g, '')
    .replace(/[\u00A0\u2000-\u200A\u202F\u205F\u3000]/g, ' ');
}

/** Trim line ends, collapse runs of spaces and of blank lines: paragraph breaks stay `\n\n`. */
export function tidyBlock(text: string): string {
  return text
    .split('\n')
    .map((line) => line.replace(/[ \t]+$/g, ''))
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .replace(/^\n+|\n+$/g, '');
}
