import { readdir, readFile, stat } from 'node:fs/promises';
import { basename, join, relative, sep } from 'node:path';
import { SUPPORTED_EXTENSIONS } from './document-parser.ts';
import type { AddDocumentInput } from './knowledge-api.schema.ts';

const isSupported = (file: string) => {
  const dot = file.lastIndexOf('.');
  return dot > 0 && file.slice(dot + 1).toLowerCase() in SUPPORTED_EXTENSIONS;
};

/**
 * A file, or every supported file under a directory (sorted; hidden entries skipped), as inputs
 * for `knowledge.addDocuments`. Files in a directory are named by their path relative to it, so
 * re-adding the directory replaces the same documents. A single file is always returned, whatever
 * its type, so an unsupported one is reported instead of silently skipped.
 */
export async function readKnowledgeFiles(path: string): Promise<(AddDocumentInput & { filename: string; bytes: Uint8Array })[]> {
  const info = await stat(path);
  if (!info.isDirectory()) return [{ filename: basename(path), bytes: await readFile(path) }];
  const files = (await walk(path)).filter(isSupported);
  return Promise.all(files.map(async (file) => ({ filename: relative(path, file).split(sep).join('/'), bytes: await readFile(file) })));
}

async function walk(dir: string): Promise<string[]> {
  const entries = (await readdir(dir, { withFileTypes: true })).filter((e) => !e.name.startsWith('.'));
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const nested = await Promise.all(entries.map((e) => (e.isDirectory() ? walk(join(dir, e.name)) : Promise.resolve(e.isFile() ? [join(dir, e.name)] : []))));
  return nested.flat();
}
